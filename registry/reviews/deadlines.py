"""The deadlines reviews give: reviews due, and the decisions and dates of the exit steps an
approved review opens (registered in `registry/reviews/entities.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from registry.agreements.models import Agreement
from registry.core.enums import DeadlineKind, ExitStepKind
from registry.deadlines.sources import (
    ComputedSource,
    Deadline,
    RowSource,
    Scope,
    agreement_name,
    record_deadline,
    scoped,
)
from registry.extensions import db
from registry.reviews.models import OPEN_STATUSES, ExitStep, Review

REVIEWS_DUE = RowSource(
    DeadlineKind.REVIEW_DUE,
    Review,
    Review.due_on,
    lambda row: f"Review of {agreement_name(row)}",
    agreement=Agreement,
    where=(Review.status.in_(OPEN_STATUSES),),
    level=Review.classification,
    owner=Review.recorded_by_id,
    body=Review.body_id,
)


def exit_step_dates(scope: Scope, start: date, end: date) -> Iterator[Deadline]:
    """Each open exit step's decision date and, if notice were given then, its effect."""
    query = scoped(ExitStep, scope, agreement=Agreement).where(ExitStep.closed_on.is_(None))
    for step in db.session.scalars(query):
        name = step.agreement.short_title or step.agreement.title
        verb = "withdraw from" if step.kind == ExitStepKind.WITHDRAWAL else "suspend"
        decide_on = step.notice_possible_from or step.opened_on
        if start <= decide_on <= end:
            yield record_deadline(
                DeadlineKind.EXIT_DECISION,
                decide_on,
                f"Decide whether to {verb} {name} (review outcome)",
                step.agreement,
                step,
                level=step.classification,
            )
        effective = step.effective_if_notice_on_opening
        if effective and start <= effective <= end:
            yield record_deadline(
                DeadlineKind.WITHDRAWAL_EFFECTIVE,
                effective,
                f"{name}: effect of notice given on {decide_on.isoformat()}",
                step.agreement,
                step,
                level=step.classification,
            )


EXIT_STEP_DATES = ComputedSource(
    frozenset({DeadlineKind.EXIT_DECISION, DeadlineKind.WITHDRAWAL_EFFECTIVE}), exit_step_dates
)
REVIEW_DEADLINES = (REVIEWS_DUE,)
EXIT_STEP_DEADLINES = (EXIT_STEP_DATES,)
