"""Reading the audit trail: a record's history, limited to what the reader may see."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from registry.audit.models import AuditEvent
from registry.core.access import visible
from registry.core.enums import Classification
from registry.extensions import db

HISTORY_LIMIT = 200


def history_of_agreement(agreement, clearance: Classification, *, limit: int = HISTORY_LIMIT):
    """Events on the agreement and on the records under it that the reader may see, newest first."""
    from registry.agreements.models import TreatyAction
    from registry.authorizations.models import Authorization
    from registry.obligations.models import Obligation
    from registry.reviews.models import Review

    def ids(model):
        return visible(select(model.id), model, clearance, archived=True).where(
            model.agreement_id == agreement.id
        )

    conditions = [
        and_(AuditEvent.entity_type == "agreements", AuditEvent.entity_id == agreement.id)
    ]
    for model in (TreatyAction, Obligation, Authorization, Review):
        conditions.append(
            and_(
                AuditEvent.entity_type == model.__tablename__, AuditEvent.entity_id.in_(ids(model))
            )
        )
    query = select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.id.desc()).limit(limit)
    return db.session.scalars(query).all()


def visible_events(clearance: Classification):
    """Audit events the reader may see: those on records within clearance, and the rest."""
    from registry.agreements.models import Agreement, TreatyAction
    from registry.authorizations.models import Authorization
    from registry.obligations.models import Measurement, Obligation
    from registry.reviews.models import Review

    classified = (Agreement, TreatyAction, Obligation, Measurement, Authorization, Review)
    conditions = [
        AuditEvent.entity_type.is_(None),
        AuditEvent.entity_id.is_(None),  # events on no one record, such as an export of a table
        AuditEvent.entity_type.not_in([model.__tablename__ for model in classified]),
    ]
    for model in classified:
        ids = visible(select(model.id), model, clearance, archived=True)
        conditions.append(
            and_(AuditEvent.entity_type == model.__tablename__, AuditEvent.entity_id.in_(ids))
        )
    return select(AuditEvent).where(or_(*conditions))
