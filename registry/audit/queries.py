"""Reading the audit trail: a record's history, limited to what the reader may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from registry.audit.models import AuditEvent
from registry.core.access import sees_everything, visible
from registry.core.enums import Classification
from registry.extensions import db

HISTORY_LIMIT = 200


@dataclass(frozen=True)
class Children:
    """Records under another whose changes belong to its history: a model and its parent key."""

    model: type
    parent_key: str


def history_of(
    record,
    clearance: Classification,
    children: Iterable[Children] = (),
    *,
    limit: int = HISTORY_LIMIT,
) -> list[AuditEvent]:
    """Events on `record` and on the visible records under it, newest first.

    The caller has already checked that the reader may see `record` itself.
    """
    conditions = [
        and_(AuditEvent.entity_type == record.__tablename__, AuditEvent.entity_id == record.id)
    ]
    for child in children:
        ids = visible(select(child.model.id), child.model, clearance, archived=True).where(
            getattr(child.model, child.parent_key) == record.id
        )
        conditions.append(
            and_(
                AuditEvent.entity_type == child.model.__tablename__,
                AuditEvent.entity_id.in_(ids),
            )
        )
    query = select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.id.desc()).limit(limit)
    return db.session.scalars(query).all()


def history_of_agreement(agreement, clearance: Classification, *, limit: int = HISTORY_LIMIT):
    """Events on the agreement and on the records under it that the reader may see, newest first."""
    from registry.agreements.models import TreatyAction
    from registry.authorizations.models import Authorization
    from registry.obligations.models import Obligation
    from registry.reviews.models import ExitStep, Review

    children = [
        Children(model, "agreement_id")
        for model in (TreatyAction, Obligation, Authorization, Review, ExitStep)
    ]
    return history_of(agreement, clearance, children, limit=limit)


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
    """Audit events the reader may see: those on records within clearance, and the rest."""
    from registry.agreements.models import Agreement, TreatyAction
    from registry.authorizations.models import Authorization
    from registry.obligations.models import Measurement, Obligation
    from registry.reviews.models import ExitStep, Review

    if sees_everything(clearance):
        return select(AuditEvent)
    classified = (Agreement, TreatyAction, Obligation, Measurement, Authorization, Review, ExitStep)
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
