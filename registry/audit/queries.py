"""Reading the audit trail: a record's history, limited to what the reader may see."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from registry.core.access import sees_everything, visible
from registry.core.audit.models import AuditEvent
from registry.core.entities import entities, parts_of
from registry.core.enums import Classification
from registry.extensions import db

HISTORY_LIMIT = 200


def history_of(record, clearance: Classification, *, limit: int = HISTORY_LIMIT):
    """Events on `record` and on the visible records under it, newest first.

    The records under it are those of the entities described as within its entity (a treaty
    action within its agreement, a measurement within its obligation). The caller has already
    checked that the reader may see `record` itself.
    """
    kind = record.__tablename__
    conditions = [and_(AuditEvent.entity_type == kind, AuditEvent.entity_id == record.id)]
    for part, column in parts_of(kind):
        model = part.model
        ids = visible(select(model.id), model, clearance, archived=True).where(
            getattr(model, column) == record.id
        )
        conditions.append(
            and_(AuditEvent.entity_type == model.__tablename__, AuditEvent.entity_id.in_(ids))
        )
    query = select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.id.desc()).limit(limit)
    return db.session.scalars(query).all()


def events_until(entity_type: str, entity_id: int, until) -> list[AuditEvent]:
    """Every event on one record that occurred before `until`, oldest first."""
    query = (
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == entity_type,
            AuditEvent.entity_id == entity_id,
            AuditEvent.occurred_at < until,
        )
        .order_by(AuditEvent.id)
    )
    return db.session.scalars(query).all()


def visible_events(clearance: Classification):
    """Audit events the reader may see: those on records within clearance, and the rest.

    A record is within clearance by its own level or by the record it is classified by.
    """
    if sees_everything(clearance):
        return select(AuditEvent)
    classified = [
        described.model
        for described in entities()
        if described.classified_by is not None or hasattr(described.model, "classification")
    ]
    conditions = [
        AuditEvent.entity_type.is_(None),
        AuditEvent.entity_id.is_(None),  # events on no one record, such as an export of a table
        AuditEvent.entity_type.not_in([model.__tablename__ for model in classified]),
    ]
    for model in classified:
        # EXISTS, probed event by event: PostgreSQL rebuilt a set of every visible record for
        # each batch of an export when this was an IN list.
        record = visible(select(model.id), model, clearance, archived=True)
        conditions.append(
            and_(
                AuditEvent.entity_type == model.__tablename__,
                record.where(model.id == AuditEvent.entity_id).exists(),
            )
        )
    return select(AuditEvent).where(or_(*conditions))
