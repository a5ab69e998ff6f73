"""Dates by which someone must act, derived from the records (never typed in).

This first cut covers the dates stored on records: obligations due, open reviews, pending
authorisation steps and expiries. Derived clocks (sitting days, notice periods) come later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.agreements.models import Agreement
from registry.authorizations.models import Authorization
from registry.core.access import visible
from registry.core.enums import AuthorizationDecision, Classification, ObligationStatus
from registry.extensions import db
from registry.obligations.models import Obligation
from registry.reviews.models import Review
from registry.reviews.services import OPEN_STATUSES


@dataclass(frozen=True)
class Deadline:
    kind: str
    due_on: date
    title: str
    agreement_id: int
    owner_id: int | None = None

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days


def deadlines_between(
    clearance: Classification, start: date, end: date, *, agreement_id: int | None = None
) -> list[Deadline]:
    """Every deadline from `start` to `end` (inclusive) the reader may see, soonest first."""

    def scoped(model):
        query = visible(select(model), model, clearance)
        if agreement_id is not None:
            column = model.id if model is Agreement else model.agreement_id
            query = query.where(column == agreement_id)
        return query

    found: list[Deadline] = []
    for obligation in db.session.scalars(
        scoped(Obligation).where(
            Obligation.due_on.between(start, end),
            Obligation.status.in_([ObligationStatus.ACTIVE, ObligationStatus.PARTIALLY_MET]),
        )
    ):
        found.append(
            Deadline(
                "Obligation due",
                obligation.due_on,
                obligation.label,
                obligation.agreement_id,
                obligation.owner_id,
            )
        )
    for review in db.session.scalars(
        scoped(Review)
        .where(Review.due_on.between(start, end), Review.status.in_(OPEN_STATUSES))
        .options(selectinload(Review.agreement))
    ):
        found.append(
            Deadline(
                "Review due",
                review.due_on,
                review.label,
                review.agreement_id,
                review.recorded_by_id,
            )
        )
    for step in db.session.scalars(
        scoped(Authorization)
        .where(
            Authorization.due_on.between(start, end),
            Authorization.decision == AuthorizationDecision.PENDING,
        )
        .options(selectinload(Authorization.agreement))
    ):
        found.append(
            Deadline(
                "Authorisation due", step.due_on, step.label, step.agreement_id, step.recorded_by_id
            )
        )
    # An expiry is something to prepare for, not to be late for: only future ones count.
    for agreement in db.session.scalars(
        scoped(Agreement).where(Agreement.expires_on.between(max(start, date.today()), end))
    ):
        found.append(Deadline("Expiry", agreement.expires_on, agreement.label, agreement.id))
    return sorted(found, key=lambda deadline: (deadline.due_on, deadline.title))
