"""The one way records change: validate with the entity's schema, apply, audit, flush.

Services flush and never commit: the request or the CLI command owns the transaction, so an
error anywhere rolls back the change together with its audit event.
"""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import Schema, ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry.audit.services import Actor, record
from registry.core.db import utcnow
from registry.core.enums import AuditAction
from registry.core.errors import Conflict, RuleViolation, ValidationFailed
from registry.extensions import db


class EntityService:
    """Create, update, archive and restore one kind of record."""

    model: ClassVar[type]
    schema: ClassVar[type[Schema]]
    noun: ClassVar[str]
    unique_fields: ClassVar[tuple[str, ...]] = ()
    immutable_fields: ClassVar[tuple[str, ...]] = ()
    # Values that must never be copied into the audit trail (password hashes).
    unaudited_fields: ClassVar[tuple[str, ...]] = ()

    def create(self, actor: Actor, data: dict, *, reason: str | None = None):
        return self._insert(actor, self.prepare(self._load(data), None, actor), reason)

    def update(
        self,
        actor: Actor,
        record_,
        data: dict,
        *,
        expected_version: int | None = None,
        reason: str | None = None,
    ):
        if expected_version is not None and expected_version != record_.version:
            raise Conflict(
                f"This {self.noun} was changed by someone else (version {record_.version}, "
                f"you edited version {expected_version}). Reload it and apply your change again."
            )
        for field in self.immutable_fields:
            if field in data and data[field] != getattr(record_, field):
                raise ValidationFailed({field: ["Cannot be changed once recorded."]}, self.noun)
        current = self.schema().dump(record_)
        values = self.prepare(self._load({**current, **data}), record_, actor)
        changes = {
            field: [getattr(record_, field), value]
            for field, value in values.items()
            if getattr(record_, field) != value
        }
        if not changes:
            return record_
        self._check_unique(values, record_)
        for field, (_, new) in changes.items():
            setattr(record_, field, new)
        self._flush()
        record(actor, AuditAction.UPDATE, record_, changes, reason)
        return record_

    def archive(self, actor: Actor, record_, *, reason: str):
        if not reason or not reason.strip():
            raise ValidationFailed({"reason": ["Give a reason for archiving."]}, self.noun)
        if record_.archived_at is not None:
            raise RuleViolation(f"This {self.noun} is already archived.")
        record_.archived_at = utcnow()
        record_.archive_reason = reason.strip()
        self._flush()
        record(
            actor,
            AuditAction.ARCHIVE,
            record_,
            {"archived_at": [None, record_.archived_at]},
            reason.strip(),
        )
        return record_

    def restore(self, actor: Actor, record_, *, reason: str | None = None):
        if record_.archived_at is None:
            raise RuleViolation(f"This {self.noun} is not archived.")
        changes = {"archived_at": [record_.archived_at, None]}
        record_.archived_at = None
        record_.archive_reason = None
        self._flush()
        record(actor, AuditAction.RESTORE, record_, changes, reason)
        return record_

    def prepare(self, values: dict[str, Any], existing, actor: Actor) -> dict[str, Any]:
        """Apply the entity's own rules to validated values; raise ValidationFailed if broken."""
        return values

    # --- helpers ----------------------------------------------------------------------------

    def _insert(self, actor: Actor, values: dict, reason: str | None):
        self._check_unique(values, None)
        record_ = self.model(**values)
        db.session.add(record_)
        self._flush()
        changes = {
            field: [None, value]
            for field, value in values.items()
            if value is not None and field not in self.unaudited_fields
        }
        record(actor, AuditAction.CREATE, record_, changes, reason)
        return record_

    def _load(self, data: dict) -> dict:
        if not isinstance(data, dict):
            raise ValidationFailed({"_schema": ["Expected an object of fields."]}, self.noun)
        try:
            return self.schema().load(data)
        except ValidationError as error:
            raise ValidationFailed(error.messages, self.noun) from error

    def _check_unique(self, values: dict, existing) -> None:
        for field in self.unique_fields:
            value = values.get(field)
            if value is None:
                continue
            column = getattr(self.model, field)
            query = select(func.count()).select_from(self.model).where(column == value)
            if existing is not None:
                query = query.where(self.model.id != existing.id)
            with db.session.no_autoflush:
                taken = db.session.scalar(query)
            if taken:
                raise ValidationFailed(
                    {field: [f"{value} is already used by another {self.noun}."]}, self.noun
                )

    def _flush(self) -> None:
        try:
            db.session.flush()
        except StaleDataError as error:
            raise Conflict(
                f"This {self.noun} was changed by someone else meanwhile. Reload it and apply "
                "your change again."
            ) from error
        except IntegrityError as error:
            raise Conflict(
                f"The {self.noun} conflicts with a stored record: {error.orig}"
            ) from error
