from __future__ import annotations

from datetime import date

from sqlalchemy import select

from registry.agreements import rules
from registry.agreements.models import Agreement, TreatyAction
from registry.agreements.schemas import AgreementSchema, TreatyActionSchema
from registry.audit.services import Actor, record
from registry.core.enums import AuditAction
from registry.core.errors import ValidationFailed
from registry.core.services import EntityService, creates_cycle
from registry.extensions import db


def next_reference(year: int) -> str:
    """The next free human-readable reference for a year: AGR-1949-0001, AGR-1949-0002…"""
    prefix = f"AGR-{year:04d}-"
    taken = db.session.scalars(
        select(Agreement.reference).where(Agreement.reference.startswith(prefix))
    ).all()
    highest = max((int(reference.rsplit("-", 1)[1]) for reference in taken), default=0)
    return f"{prefix}{highest + 1:04d}"


class AgreementService(EntityService):
    model = Agreement
    schema = AgreementSchema
    noun = "agreement"
    unique_fields = ("reference",)
    immutable_fields = ("reference",)

    def prepare(self, values, existing, actor):
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
