from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from sqlalchemy import select

from registry.agreements import lifecycle, rules
from registry.agreements.models import Agreement, TreatyAction
from registry.agreements.schemas import AgreementSchema, TreatyActionSchema
from registry.core.audit.writer import Actor, record
from registry.core.enums import AgreementStatus, AuditAction, Role
from registry.core.errors import ValidationFailed
from registry.core.services import EntityService, creates_cycle
from registry.extensions import db


def next_reference(year: int) -> str:
    """The next free human-readable reference for a year: AGR-1949-0001, AGR-1949-0002…"""
    prefix = f"AGR-{year:04d}-"
    taken = db.session.scalars(
        select(Agreement.reference).where(Agreement.reference.startswith(prefix))
    ).all()
    handed_out = _handed_out.get()
    if handed_out is not None:
        taken = [*taken, *(reference for reference in handed_out if reference.startswith(prefix))]
    highest = max((int(reference.rsplit("-", 1)[1]) for reference in taken), default=0)
    reference = f"{prefix}{highest + 1:04d}"
    if handed_out is not None:
        handed_out.add(reference)
    return reference


# How the lifecycle is checked for changes made inside: "checked" (every path by default),
# "override" (an admin's recorded override of the consent rule) or "as_found" (loading or
# importing records that already carry their real status).
_lifecycle_mode: ContextVar[str] = ContextVar("lifecycle_mode", default="checked")
# References handed out to agreements not yet written: an import checks all its rows first.
_handed_out: ContextVar[set[str] | None] = ContextVar("handed_out_references", default=None)


class AgreementService(EntityService):
    model = Agreement
    schema = AgreementSchema
    noun = "agreement"
    unique_fields = ("reference",)
    immutable_fields = ("reference",)

    @contextmanager
    def recording_as_found(self) -> Iterator[None]:
        """Load or import agreements with the status their source gives, not stepped through.

        Records loaded this way say so in their audit event's reason; the caller gives it.
        """
        token = _lifecycle_mode.set("as_found")
        try:
            yield
        finally:
            _lifecycle_mode.reset(token)

    @contextmanager
    def reserving_references(self) -> Iterator[None]:
        """Keep references handed out inside taken: agreements checked now are written later."""
        token = _handed_out.set(set())
        try:
            yield
        finally:
            _handed_out.reset(token)

    def importing(self):
        """References handed out to rows checked now stay taken until they are written."""
        return self.reserving_references()

    def imported_values(self, actor, data, *, loader):
        # A new record enters as the file found it, like a fixture: its steps happened
        # elsewhere. Changes to records already here go through every rule.
        with self.recording_as_found():
            return super().imported_values(actor, data, loader=loader)

    def change_status(
        self,
        actor: Actor,
        agreement: Agreement,
        status,
        *,
        reason: str | None = None,
        override: bool = False,
        expected_version: int | None = None,
    ) -> Agreement:
        """Move the agreement to `status`; an admin may override the consent rule, with reason."""
        if override:
            if getattr(actor, "role", None) != Role.ADMIN:
                raise ValidationFailed(
                    {"override": ["Only an administrator may override the authorisation rule."]},
                    self.noun,
                )
            if not (reason or "").strip():
                raise ValidationFailed(
                    {"reason": ["Give the reason for overriding the authorisation rule."]},
                    self.noun,
                )
            reason = f"Authorisation rule overridden: {reason.strip()}"
        token = _lifecycle_mode.set("override" if override else "checked")
        try:
            return self.update(
                actor,
                agreement,
                {"status": status},
                expected_version=expected_version,
                reason=reason,
            )
        finally:
            _lifecycle_mode.reset(token)

    def lifecycle_problem(self, agreement: Agreement | None, values: dict) -> str | None:
        """Why the status in `values` is not allowed for `agreement` (None: a new one)."""
        from registry.authorizations.queries import consent_problem

        new = values.get("status") or AgreementStatus.DRAFT
        mode = _lifecycle_mode.get()
        if mode == "as_found":
            return None
        if agreement is None:
            needs_consent = new in lifecycle.CREATED_WITH_CONSENT
            probe = Agreement(legal_nature=values.get("legal_nature"), id=None)
        else:
            if new == agreement.status:
                return None
            problem = lifecycle.transition_problem(
                agreement.status, new, values.get("legal_nature")
            )
            if problem:
                return problem
            needs_consent = new in lifecycle.NEEDS_CONSENT
            probe = agreement
        if not needs_consent or mode == "override":
            return None
        missing = consent_problem(probe)
        if missing:
            return (
                f"A {probe.legal_nature.label.lower()} cannot be {new.label.lower()} for the "
                f"home state yet. {missing}"
            )
        return None

    def prepare(self, values, existing, actor):
        problem = self.lifecycle_problem(existing, values)
        if problem:
            raise ValidationFailed({"status": [problem]}, self.noun)
        if existing is not None and creates_cycle(Agreement, existing.id, values.get("parent_id")):
            raise ValidationFailed(
                {"parent_id": ["An agreement cannot amend itself, directly or through others."]},
                self.noun,
            )
        if existing is None and not values.get("reference"):
            year = (values.get("concluded_on") or date.today()).year
            values["reference"] = next_reference(year)
        return values

    def extend(
        self,
        actor: Actor,
        agreement: Agreement,
        *,
        extension: str | None = None,
        reason: str | None = None,
    ) -> Agreement:
        """Exercise one extension option, moving the expiry date and using up the option."""
        new_expiry = rules.extended_expiry_on(agreement, extension)
        changes = {
            "expires_on": [agreement.expires_on, new_expiry],
            "extension_options_left": [
                agreement.extension_options_left,
                agreement.extension_options_left - 1,
            ],
        }
        agreement.expires_on = new_expiry
        agreement.extension_options_left -= 1
        self._flush()
        record(actor, AuditAction.UPDATE, agreement, changes, reason or "Extension exercised")
        return agreement


class TreatyActionService(EntityService):
    model = TreatyAction
    schema = TreatyActionSchema
    noun = "treaty action"
    immutable_fields = ("agreement_id",)


agreements = AgreementService()
treaty_actions = TreatyActionService()
