"""The one way records change: validate with the entity's schema, apply, audit, flush.

Services flush and never commit: the request or the CLI command owns the transaction, so an
error anywhere rolls back the change together with its audit event.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry.core.audit.writer import Actor, record
from registry.core.db import Archivable, utcnow
from registry.core.enums import AuditAction
from registry.core.errors import Conflict, RuleViolation, ValidationFailed
from registry.core.schemas import ReasonSchema, RowLoader
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

    def create(
        self, actor: Actor, data: dict, *, reason: str | None = None, record_id: int | None = None
    ):
        """Validate and insert a record; `record_id` keeps an imported record's id."""
        reason = clean_reason(reason, self.noun)
        return self._insert(actor, self.new_values(actor, data), reason, record_id)

    def new_values(self, actor: Actor, data: dict, *, loader: RowLoader | None = None) -> dict:
        """Validate a new record's input and apply the entity's rules; write nothing.

        An import checking many rows together gives its own `loader` of this schema.
        """
        return self.prepare(self._load(data, loader), None, actor)

    @contextmanager
    def importing(self) -> Iterator[None]:
        """Around an import of this entity's rows: all are checked before any is written."""
        yield

    def imported_values(self, actor: Actor, data: dict, *, loader: RowLoader) -> dict:
        """A new record's values from an imported row: by default what `new_values` gives."""
        return self.new_values(actor, data, loader=loader)

    def import_update(self, actor: Actor, record_, data: dict, *, reason: str | None) -> None:
        """Apply an imported row to the stored record it stands for, by every rule."""
        self.update(actor, record_, data, reason=reason)

    def creation_changes(self, values: dict) -> dict:
        """What the audit event of a created record says changed."""
        return {
            field: [None, value]
            for field, value in values.items()
            if value is not None and field not in self.unaudited_fields
        }

    def update(
        self,
        actor: Actor,
        record_,
        data: dict,
        *,
        expected_version: int | None = None,
        reason: str | None = None,
    ):
        reason = clean_reason(reason, self.noun)
        current_version = getattr(record_, "version", None)
        if expected_version is not None and expected_version != current_version:
            raise Conflict(
                f"This {self.noun} was changed by someone else (version {current_version}, "
                f"you edited version {expected_version}). Reload it and apply your change again."
            )
        if not isinstance(data, dict):
            raise ValidationFailed({"_schema": ["Expected an object of fields."]}, self.noun)
        values = self._load({**self.schema().dump(record_), **data})
        for field in self.immutable_fields:
            if values.get(field) != getattr(record_, field):
                raise ValidationFailed({field: ["Cannot be changed once recorded."]}, self.noun)
        values = self.prepare(values, record_, actor)
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
        self._require_archivable()
        reason = clean_reason(reason, self.noun)
        if reason is None:
            raise ValidationFailed({"reason": ["Give a reason for archiving."]}, self.noun)
        if record_.archived_at is not None:
            raise RuleViolation(f"This {self.noun} is already archived.")
        record_.archived_at = utcnow()
        record_.archive_reason = reason
        self._flush()
        changes = {"archived_at": [None, record_.archived_at]}
        record(actor, AuditAction.ARCHIVE, record_, changes, reason)
        return record_

    def restore(self, actor: Actor, record_, *, reason: str | None = None):
        self._require_archivable()
        reason = clean_reason(reason, self.noun)
        if record_.archived_at is None:
            raise RuleViolation(f"This {self.noun} is not archived.")
        changes = {"archived_at": [record_.archived_at, None]}
        record_.archived_at = None
        record_.archive_reason = None
        self._flush()
        record(actor, AuditAction.RESTORE, record_, changes, reason)
        return record_

    @cached_property
    def loader(self) -> Schema:
        """One instance of the schema, reused: loading keeps no state on it."""
        return self.schema()

    def prepare(self, values: dict[str, Any], existing, actor: Actor) -> dict[str, Any]:
        """Apply the entity's own rules to validated values; raise ValidationFailed if broken."""
        return values

    # --- helpers ----------------------------------------------------------------------------

    def _require_archivable(self) -> None:
        if not issubclass(self.model, Archivable):
            raise RuleViolation(f"A {self.noun} is not archived; change or deactivate it instead.")

    def _insert(self, actor: Actor, values: dict, reason: str | None, record_id: int | None = None):
        self._check_unique(values, None)
        record_ = self.model(**values)
        if record_id is not None:
            record_.id = record_id
        db.session.add(record_)
        self._flush()
        record(actor, AuditAction.CREATE, record_, self.creation_changes(values), reason)
        return record_

    def _load(self, data: dict, loader: RowLoader | None = None) -> dict:
        if not isinstance(data, dict):
            raise ValidationFailed({"_schema": ["Expected an object of fields."]}, self.noun)
        try:
            return (loader or self.loader).load(data)
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


def clean_reason(reason, noun: str) -> str | None:
    """Check a change's stated reason like any other text input."""
    if reason is None:
        return None
    try:
        return ReasonSchema().load({"reason": reason})["reason"]
    except ValidationError as error:
        raise ValidationFailed(error.messages, noun) from error


def creates_cycle(model, record_id: int, parent_id: int | None) -> bool:
    """Tell whether making `parent_id` the parent of `record_id` would close a loop."""
    seen = set()
    while parent_id is not None and parent_id not in seen:
        if parent_id == record_id:
            return True
        seen.add(parent_id)
        parent_id = db.session.scalar(select(model.parent_id).where(model.id == parent_id))
    return False
