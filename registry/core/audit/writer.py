"""Writing audit events: every service calls `record` (or `record_many`) in its transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Protocol

from sqlalchemy import select, text

from registry.core.audit.chain import event_hash
from registry.core.audit.models import GENESIS_HASH, AuditEvent
from registry.core.db import insert_rows, utcnow
from registry.core.enums import AuditAction
from registry.extensions import db

# Any constant works: it names the one lock that serialises appends to the chain on PostgreSQL.
_CHAIN_LOCK_KEY = 0x7265_6769_7374  # "regist"


@dataclass(frozen=True)
class SystemActor:
    """A non-human actor: the fixture loader, a migration, the reminder job."""

    label: str


class Person(Protocol):
    """A signed-in user as the trail names them: any record with an id and an email."""

    id: int
    email: str


# The core knows no user model: whatever is not a SystemActor acts as a Person.
Actor = Person | SystemActor


@dataclass(frozen=True)
class PendingEvent:
    """An event about a record already written, to append with `record_many`."""

    action: AuditAction
    entity_type: str
    entity_id: int
    entity_label: str | None
    changes: dict
    reason: str | None


def record(
    actor: Actor,
    action: AuditAction,
    entity=None,
    changes: dict | None = None,
    reason: str | None = None,
    *,
    entity_type: str | None = None,
) -> AuditEvent:
    """Append one event to the chain in the current transaction and return it."""
    session = db.session
    if entity is not None:
        session.flush()  # the entity needs its id before the event can name it
    values = _chained(
        actor,
        action,
        entity_type=entity_type or (entity.__tablename__ if entity is not None else None),
        entity_id=entity.id if entity is not None else None,
        entity_label=getattr(entity, "label", None) if entity is not None else None,
        changes=jsonable(changes or {}),
        reason=reason,
        prev_hash=_chain_head(),
    )
    event = AuditEvent(**values)
    session.add(event)
    session.flush()
    return event


def record_many(actor: Actor, events: Sequence[PendingEvent]) -> None:
    """Append events to the chain in order: one read of its head, one bulk insert."""
    if not events:
        return
    db.session.flush()
    prev_hash = _chain_head()
    occurred_at = utcnow()  # appended together, in one statement: at one moment
    turned: dict = {}  # the batch's dates and kinds repeat: each distinct one turned once
    rows = []
    for pending in events:
        values = _chained(
            actor,
            pending.action,
            entity_type=pending.entity_type,
            entity_id=pending.entity_id,
            entity_label=pending.entity_label,
            changes=_jsonable_changes(pending.changes, turned),
            reason=pending.reason,
            prev_hash=prev_hash,
            occurred_at=occurred_at,
        )
        rows.append(values)
        prev_hash = values["hash"]
    insert_rows(db.session.connection(), AuditEvent.__table__, rows, rows_per_statement=500)


def _chain_head() -> str:
    """The hash to link the next event to; on PostgreSQL, hold the chain until commit."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    return (
        session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
        or GENESIS_HASH
    )


def _chained(
    actor: Actor,
    action: AuditAction,
    *,
    entity_type: str | None,
    entity_id: int | None,
    entity_label: str | None,
    changes: dict,
    reason: str | None,
    prev_hash: str,
    occurred_at: datetime | None = None,
) -> dict:
    """An event's column values, its hash linking it to `prev_hash`; `changes` as jsonable
    turns them."""
    values = {
        "occurred_at": occurred_at or utcnow(),
        "actor_id": None if isinstance(actor, SystemActor) else actor.id,
        "actor_label": f"system:{actor.label}" if isinstance(actor, SystemActor) else actor.email,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "entity_label": entity_label,
        "changes": changes,
        "reason": reason,
        "prev_hash": prev_hash,
    }
    values["hash"] = event_hash(**{**values, "action": action.value})
    return values


_PLAIN = frozenset({type(None), str, int, float, bool})  # most values: exactly these types


def jsonable(value):
    """Turn dates, decimals and enums into the JSON values the chain hashes."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    convert = _CONVERTERS.get(kind) or _CONVERTERS.setdefault(kind, _converter_for(kind))
    return convert(value)


def _jsonable_changes(changes: dict, turned: dict) -> dict:
    """jsonable(changes) for [before, after] lists, each distinct value turned once.

    `turned` is kept by the caller for a batch, keyed by type and value: equal values of one
    type turn alike (Decimal 1.0 and 1.00 both to "1").
    """
    result = {}
    for key, change in changes.items():
        if type(change) is not list:
            result[str(key)] = jsonable(change)
            continue
        parts = []
        for part in change:
            if type(part) in _PLAIN:
                parts.append(part)
                continue
            try:
                parts.append(turned[type(part), part])
            except KeyError:
                parts.append(turned.setdefault((type(part), part), jsonable(part)))
            except TypeError:  # a list or a dict: not a key
                parts.append(jsonable(part))
        result[str(key)] = parts
    return result


def _converter_for(kind: type) -> Callable:
    """How `jsonable` turns a value of one type: decided once per type, checked in this order."""
    if issubclass(kind, dict):
        return _jsonable_dict
    if issubclass(kind, list | tuple):
        return _jsonable_list
    if issubclass(kind, Enum):
        return _enum_value
    if issubclass(kind, datetime | date):
        return _isoformat
    if issubclass(kind, Decimal):
        return _decimal_text
    return _unchanged


def _unchanged(value):
    return value


def _jsonable_dict(value: dict) -> dict:
    return {
        str(key): item if type(item) in _PLAIN else jsonable(item) for key, item in value.items()
    }


def _jsonable_list(value) -> list:
    return [item if type(item) in _PLAIN else jsonable(item) for item in value]


def _enum_value(value: Enum):
    return value._value_  # what .value reads, without the property's call


def _isoformat(value: date) -> str:
    return value.isoformat()


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


_CONVERTERS: dict[type, Callable] = {}
