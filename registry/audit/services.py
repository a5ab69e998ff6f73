"""Writing audit events: every service calls `record` inside its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import select, text

from registry.audit.chain import event_hash
from registry.audit.models import GENESIS_HASH, AuditEvent
from registry.core.db import utcnow
from registry.core.enums import AuditAction
from registry.extensions import db
from registry.users.models import User

# Any constant works: it names the one lock that serialises appends to the chain on PostgreSQL.
_CHAIN_LOCK_KEY = 0x7265_6769_7374  # "regist"


@dataclass(frozen=True)
class SystemActor:
    """A non-human actor: the fixture loader, a migration, the reminder job."""

    label: str


Actor = User | SystemActor


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
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    prev_hash = (
        session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
        or GENESIS_HASH
    )

    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor.id if isinstance(actor, User) else None,
        actor_label=actor.email if isinstance(actor, User) else f"system:{actor.label}",
        action=action,
        entity_type=entity_type or (entity.__tablename__ if entity is not None else None),
        entity_id=entity.id if entity is not None else None,
        entity_label=getattr(entity, "label", None) if entity is not None else None,
        changes=jsonable(changes or {}),
        reason=reason,
        prev_hash=prev_hash,
    )
    event.hash = event_hash(
        prev_hash=prev_hash,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        action=event.action.value,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        entity_label=event.entity_label,
        changes=event.changes,
        reason=reason,
    )
    session.add(event)
    session.flush()
    return event


def jsonable(value):
    """Turn dates, decimals and enums into the JSON values the chain hashes."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value
