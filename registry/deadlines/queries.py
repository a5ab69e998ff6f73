"""Every date by which someone must act, derived from the records (never typed in).

One function, `find_deadlines`, reads each kind of record once and yields `Deadline`s:
reviews due, obligation occurrences (recurring ones repeat), pending authorisation steps,
expiries and extension decisions, earliest notice dates and withdrawal effective dates.
Completed, cancelled and archived records drop out; a changed date moves its deadline,
because the date is part of what identifies a reminder.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import selectinload

from registry.agreements import rules
from registry.agreements.models import Agreement, TreatyAction
from registry.authorizations import queries as authorisation_queries
from registry.authorizations.models import Authorization
from registry.core.access import visible
from registry.core.enums import (
    AuthorizationDecision,
    AuthorizationRequirement,
    Classification,
    ClockTrigger,
    ClockUnit,
    DeadlineKind,
    ExitStepKind,
    ObligationStatus,
    TreatyActionKind,
)
from registry.core.periods import add_period, parse_period
from registry.extensions import db
from registry.obligations.models import Obligation
from registry.reviews.models import ExitStep, Review
from registry.reviews.services import OPEN_STATUSES

# Dates someone must act by: these can be overdue. The others (expiry, earliest notice,
# withdrawal effective) are dates to prepare for, and simply pass.
ACTIONABLE = frozenset(
    {
        DeadlineKind.REVIEW_DUE,
        DeadlineKind.OBLIGATION_DUE,
        DeadlineKind.AUTHORIZATION_DUE,
        DeadlineKind.REPORTING_DUE,
        DeadlineKind.PUBLICATION_DUE,
        DeadlineKind.EXTENSION_DECISION,
        DeadlineKind.EXIT_DECISION,
    }
)
CLOCK_KINDS = {
    AuthorizationRequirement.NOTIFICATION: DeadlineKind.REPORTING_DUE,
    AuthorizationRequirement.PUBLICATION: DeadlineKind.PUBLICATION_DUE,
}
LIVE_OBLIGATION_STATUSES = (ObligationStatus.ACTIVE, ObligationStatus.PARTIALLY_MET)
MAX_OCCURRENCES = 1000  # a daily obligation over three years, with room to spare


@dataclass(frozen=True)
class Deadline:
    key: str  # stable across runs: the record, and the occurrence for recurring ones
    kind: DeadlineKind
    due_on: date
    title: str
    agreement_id: int
    agreement_reference: str
    classification: Classification
    responsible_ids: tuple[int, ...] = ()
    oversight_body_id: int | None = None
    record_path: str = ""

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days

    def is_overdue(self, today: date) -> bool:
        return self.kind in ACTIONABLE and self.due_on < today

    @property
    def uid(self) -> str:
        return f"{self.key}/{self.due_on.isoformat()}"


@dataclass(frozen=True)
class DeadlineFilters:
    kind: DeadlineKind | None = None
    owner_id: int | None = None
    body_id: int | None = None
    agreement_id: int | None = None


def find_deadlines(
    clearance: Classification,
    start: date,
    end: date,
    filters: DeadlineFilters | None = None,
    *,
    today: date | None = None,
) -> list[Deadline]:
    """Every deadline from `start` to `end` (inclusive) within `clearance`, soonest first.

    Dates to prepare for drop out once past `today`; so do past occurrences of recurring
    obligations, since an occurrence cannot yet be marked done on its own.
    """
    filters = filters or DeadlineFilters()
    today = today or date.today()
    found = [
        deadline
        for deadline in _all_kinds(clearance, start, end, filters.agreement_id, today)
        if start <= deadline.due_on <= end
        and (deadline.kind in ACTIONABLE or deadline.due_on >= today)
        and (filters.kind is None or deadline.kind == filters.kind)
        and (filters.owner_id is None or filters.owner_id in deadline.responsible_ids)
        and (filters.body_id is None or deadline.oversight_body_id == filters.body_id)
    ]
    return sorted(found, key=lambda d: (d.due_on, d.agreement_reference, d.kind.value, d.key))


def deadlines_between(clearance, start, end, *, agreement_id=None) -> list[Deadline]:
    return find_deadlines(clearance, start, end, DeadlineFilters(agreement_id=agreement_id))


def _scoped(model, clearance: Classification, agreement_id: int | None) -> Select:
    query = visible(select(model), model, clearance)
    if agreement_id is not None:
        column = model.id if model is Agreement else model.agreement_id
        query = query.where(column == agreement_id)
    if model is not Agreement:
        query = query.options(selectinload(model.agreement))
    return query


def _all_kinds(clearance, start, end, agreement_id, today) -> Iterator[Deadline]:
    def deadline(
        kind,
        due_on,
        title,
        agreement,
        record,
        *,
        level=None,
        responsible=(),
        body_id=None,
        key=None,
    ):
        return Deadline(
            key=key or f"{record.__tablename__}:{record.id}:{kind.value}",
            kind=kind,
            due_on=due_on,
            title=title,
            agreement_id=agreement.id,
            agreement_reference=agreement.reference,
            classification=Classification.highest(
                agreement.classification, level or agreement.classification
            ),
            responsible_ids=tuple(user_id for user_id in responsible if user_id),
            oversight_body_id=body_id,
            record_path=f"/agreements/{agreement.id}",
        )

    for review in db.session.scalars(
        _scoped(Review, clearance, agreement_id).where(
            Review.status.in_(OPEN_STATUSES), Review.due_on.between(start, end)
        )
    ):
        yield deadline(
            DeadlineKind.REVIEW_DUE,
            review.due_on,
            f"Review of {review.agreement.short_title or review.agreement.title}",
            review.agreement,
            review,
            level=review.classification,
            responsible=(review.recorded_by_id,),
            body_id=review.body_id,
        )

    for obligation in db.session.scalars(
        _scoped(Obligation, clearance, agreement_id).where(
            Obligation.status.in_(LIVE_OBLIGATION_STATUSES),
            Obligation.due_on.is_not(None),
            Obligation.due_on <= end,
            or_(Obligation.recurrence.is_not(None), Obligation.due_on >= start),
        )
    ):
        window_start = max(start, today) if obligation.recurrence else start
        for occurrence in occurrences(obligation.due_on, obligation.recurrence, window_start, end):
            yield deadline(
                DeadlineKind.OBLIGATION_DUE,
                occurrence,
                obligation.label,
                obligation.agreement,
                obligation,
                level=obligation.classification,
                responsible=(obligation.owner_id,),
                body_id=obligation.oversight_body_id,
                key=f"obligations:{obligation.id}:{occurrence.isoformat()}",
            )

    for step in db.session.scalars(
        _scoped(Authorization, clearance, agreement_id).where(
            Authorization.decision == AuthorizationDecision.PENDING,
            Authorization.rule_id.is_(None),  # steps under a rule run on the rule's clock
            Authorization.due_on.between(start, end),
        )
    ):
        yield deadline(
            DeadlineKind.AUTHORIZATION_DUE,
            step.due_on,
            f"{step.requirement.label}: {step.agreement.short_title or step.agreement.title}",
            step.agreement,
            step,
            level=step.classification,
            responsible=(step.recorded_by_id,),
            body_id=step.body_id,
        )

    live_rules = authorisation_queries.live_rules()
    agreements_query = _scoped(Agreement, clearance, agreement_id)
    if agreement_id is None:  # one agreement's page reads just that one anyway
        agreements_query = agreements_query.where(_may_have_dates_between(start, end, live_rules))
    agreements = db.session.scalars(agreements_query).all()
    yield from _rule_clocks(agreements, live_rules, clearance, deadline)
    for agreement in agreements:
        name = agreement.short_title or agreement.title
        if agreement.expires_on and start <= agreement.expires_on <= end:
            yield deadline(
                DeadlineKind.EXPIRY, agreement.expires_on, f"{name} expires", agreement, agreement
            )
            if agreement.extension_options_left and agreement.extension_term:
                yield deadline(
                    DeadlineKind.EXTENSION_DECISION,
                    agreement.expires_on,
                    f"Decide whether to extend {name}",
                    agreement,
                    agreement,
                )
        earliest = rules.earliest_notice_on(agreement)
        if earliest and start <= earliest <= end:
            yield deadline(
                DeadlineKind.EARLIEST_NOTICE,
                earliest,
                f"Notice of withdrawal from {name} possible",
                agreement,
                agreement,
            )

    for step in db.session.scalars(
        _scoped(ExitStep, clearance, agreement_id).where(ExitStep.closed_on.is_(None))
    ):
        name = step.agreement.short_title or step.agreement.title
        verb = "withdraw from" if step.kind == ExitStepKind.WITHDRAWAL else "suspend"
        decide_on = step.notice_possible_from or step.opened_on
        if start <= decide_on <= end:
            yield deadline(
                DeadlineKind.EXIT_DECISION,
                decide_on,
                f"Decide whether to {verb} {name} (review outcome)",
                step.agreement,
                step,
                level=step.classification,
            )
        effective = step.effective_if_notice_on_opening
        if effective and start <= effective <= end:
            yield deadline(
                DeadlineKind.WITHDRAWAL_EFFECTIVE,
                effective,
                f"{name}: effect of notice given on {decide_on.isoformat()}",
                step.agreement,
                step,
                level=step.classification,
            )

    notices = db.session.scalars(
        select(TreatyAction)
        .where(
            TreatyAction.kind == TreatyActionKind.WITHDRAWAL_NOTICE,
            TreatyAction.archived_at.is_(None),
            TreatyAction.effective_on.between(start, end),
            TreatyAction.agreement_id.in_(
                _scoped(Agreement, clearance, agreement_id).with_only_columns(Agreement.id)
            ),
        )
        .options(selectinload(TreatyAction.agreement), selectinload(TreatyAction.party))
    )
    for notice in notices:
        name = notice.agreement.short_title or notice.agreement.title
        yield deadline(
            DeadlineKind.WITHDRAWAL_EFFECTIVE,
            notice.effective_on,
            f"{notice.party.name}'s withdrawal from {name} takes effect",
            notice.agreement,
            notice,
        )


def _may_have_dates_between(start: date, end: date, live_rules) -> ColumnElement[bool]:
    """Agreements that may have an expiry, notice date or rule clock in [start, end].

    A superset, cheap to find with the date indexes; the exact dates are worked out in Python
    for these alone, so the work follows the window, not the size of the registry.
    """
    slack = timedelta(days=7)  # month-end clamping moves a date by a few days at most
    conditions = [Agreement.expires_on.between(start, end)]
    with_notice = Agreement.notice_period.is_not(None)
    conditions.append(
        and_(
            with_notice,
            Agreement.notice_min_in_force.is_(None),
            Agreement.entered_into_force_on.between(start, end),
        )
    )
    minimums = db.session.scalars(
        select(Agreement.notice_min_in_force)
        .where(with_notice, Agreement.notice_min_in_force.is_not(None))
        .distinct()
    )
    for minimum in minimums:
        delta = parse_period(minimum)
        conditions.append(
            and_(
                with_notice,
                Agreement.notice_min_in_force == minimum,
                Agreement.entered_into_force_on.between(start - delta - slack, end - delta + slack),
            )
        )
    ruled = select(Authorization.agreement_id).where(
        Authorization.rule_id.is_not(None), Authorization.archived_at.is_(None)
    )
    conditions.append(Agreement.id.in_(ruled))
    for rule in live_rules:
        if rule.trigger == ClockTrigger.SUBMISSION:
            continue  # these clocks run from steps, found above
        column = (
            Agreement.concluded_on
            if rule.trigger == ClockTrigger.SIGNATURE
            else Agreement.entered_into_force_on
        )
        earliest = start - _longest_run(rule) - slack
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


def _rule_clocks(agreements, rules, clearance, deadline) -> Iterator[Deadline]:
    """Each applicable authorisation rule's running clock, read in a fixed number of queries."""
    natures = {rule.legal_nature for rule in rules}
    concerned = [agreement for agreement in agreements if agreement.legal_nature in natures]
    if not concerned:
        return
    steps = authorisation_queries.ruled_steps((agreement.id for agreement in concerned), clearance)
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
                yield deadline(
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
                yield deadline(
                    kind,
                    reading.due_on,
                    f"{rule.name}: {name}",
                    agreement,
                    agreement,
                    body_id=rule.body_id,
                    key=f"agreements:{agreement.id}:rule:{rule.id}",
                )


def occurrences(first: date, recurrence: str | None, start: date, end: date) -> Iterator[date]:
    """The due dates of an obligation within [start, end]: once, or every `recurrence`."""
    if not recurrence:
        if start <= first <= end:
            yield first
        return
    # Skip close to the window first, so old obligations cost no more than new ones.
    delta = parse_period(recurrence)
    approximate_days = delta.years * 365.25 + delta.months * 30.44 + delta.weeks * 7 + delta.days
    skipped = max(0, int((start - first).days / approximate_days) - 2)
    for times in range(skipped, skipped + MAX_OCCURRENCES):
        due = add_period(first, recurrence, times)  # from the first date: no month-end drift
        if due > end:
            return
        if due >= start:
            yield due
