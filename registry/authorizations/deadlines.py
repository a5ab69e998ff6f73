"""The deadlines authorisation steps give: pending steps with a due date, and the running
clocks of the authorisation rules (registered in `registry/authorizations/entities.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, or_, select

from registry.agreements.models import Agreement
from registry.authorizations import queries as authorisation_queries
from registry.authorizations.models import Authorization
from registry.core.enums import (
    AuthorizationDecision,
    AuthorizationRequirement,
    ClockTrigger,
    ClockUnit,
    DeadlineKind,
)
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

CLOCK_KINDS = {
    AuthorizationRequirement.NOTIFICATION: DeadlineKind.REPORTING_DUE,
    AuthorizationRequirement.PUBLICATION: DeadlineKind.PUBLICATION_DUE,
}
SLACK = timedelta(days=7)  # month-end clamping moves a date by a few days at most

PENDING_STEPS = RowSource(
    DeadlineKind.AUTHORIZATION_DUE,
    Authorization,
    Authorization.due_on,
    lambda row: f"{row.requirement.label}: {agreement_name(row)}",
    agreement=Agreement,
    where=(
        Authorization.decision == AuthorizationDecision.PENDING,
        Authorization.rule_id.is_(None),  # steps under a rule run on the rule's clock
    ),
    level=Authorization.classification,
    owner=Authorization.recorded_by_id,
    body=Authorization.body_id,
    extra=(Authorization.requirement,),
)


def rule_clocks(scope: Scope, start: date, end: date) -> Iterator[Deadline]:
    """Each applicable authorisation rule's running clock that may fall due in [start, end]."""
    live_rules = authorisation_queries.live_rules()
    if not live_rules:
        return
    agreements_query = scoped(Agreement, scope, agreement=Agreement)
    if scope.filters.agreement_id is None:  # one agreement's page reads just that one anyway
        agreements_query = agreements_query.where(_clock_may_fall_between(start, end, live_rules))
    agreements = db.session.scalars(agreements_query).all()
    yield from _rule_clocks(agreements, live_rules, scope)


def _clock_may_fall_between(start: date, end: date, live_rules) -> ColumnElement[bool]:
    """Agreements that may have a rule's clock falling due in [start, end] (a superset)."""
    ruled = select(Authorization.agreement_id).where(
        Authorization.rule_id.is_not(None), Authorization.archived_at.is_(None)
    )
    conditions = [Agreement.id.in_(ruled)]
    for rule in live_rules:
        if rule.trigger == ClockTrigger.SUBMISSION:
            continue  # these clocks run from steps, found above
        column = (
            Agreement.concluded_on
            if rule.trigger == ClockTrigger.SIGNATURE
            else Agreement.entered_into_force_on
        )
        earliest = start - _longest_run(rule) - SLACK
        if rule.applies_from:
            earliest = max(earliest, rule.applies_from)
        conditions.append(
            and_(Agreement.legal_nature == rule.legal_nature, column.between(earliest, end))
        )
    return or_(*conditions)


def _longest_run(rule) -> timedelta:
    """How long after its event a rule's clock can fall due, generously."""
    length = rule.period_length or 0
    if rule.period_unit == ClockUnit.MONTH_END:
        return timedelta(days=31 * (length + 1))
    if rule.period_unit == ClockUnit.SITTING_DAYS:
        return timedelta(days=30 * length + 366)  # recesses: at least one sitting a month
    return timedelta(days=length)


def _rule_clocks(agreements, rules, scope: Scope) -> Iterator[Deadline]:
    """Each applicable authorisation rule's running clock, read in a fixed number of queries."""
    natures = {rule.legal_nature for rule in rules}
    concerned = [agreement for agreement in agreements if agreement.legal_nature in natures]
    if not concerned:
        return
    steps = authorisation_queries.ruled_steps(
        (agreement.id for agreement in concerned), scope.clearance
    )
    calendars = authorisation_queries.sitting_calendars(
        rule.body_id for rule in rules if rule.period_unit == ClockUnit.SITTING_DAYS
    )
    for agreement in concerned:
        name = agreement.short_title or agreement.title
        found = authorisation_queries.readings(agreement, rules, steps[agreement.id], calendars)
        for reading, step, rule in found:
            if not reading.is_running:
                continue
            kind = CLOCK_KINDS.get(rule.requirement, DeadlineKind.AUTHORIZATION_DUE)
            if step is not None:
                yield record_deadline(
                    kind,
                    reading.due_on,
                    f"{rule.name}: {name}",
                    agreement,
                    step,
                    level=step.classification,
                    responsible=(step.recorded_by_id,),
                    body_id=step.body_id or rule.body_id,
                )
            else:
                yield record_deadline(
                    kind,
                    reading.due_on,
                    f"{rule.name}: {name}",
                    agreement,
                    agreement,
                    body_id=rule.body_id,
                    key=f"agreements:{agreement.id}:rule:{rule.id}",
                )


RULE_CLOCKS = ComputedSource(
    frozenset({*CLOCK_KINDS.values(), DeadlineKind.AUTHORIZATION_DUE}), rule_clocks
)
AUTHORIZATION_DEADLINES = (PENDING_STEPS, RULE_CLOCKS)
