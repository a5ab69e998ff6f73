"""Every date by which someone must act, derived from the records (never typed in).

One function, `find_deadlines`, reads each kind of record once and yields `Deadline`s:
reviews due, obligation occurrences (recurring ones repeat), pending authorisation steps,
expiries and extension decisions, earliest notice dates and withdrawal effective dates.
Completed, cancelled and archived records drop out; a changed date moves its deadline,
because the date is part of what identifies a reminder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, and_, func, null, or_, select
from sqlalchemy.orm import selectinload

from registry.agreements.models import Agreement, TreatyAction
from registry.authorizations import queries as authorisation_queries
from registry.authorizations.models import Authorization
from registry.core.access import allowed_levels, sees_everything, visible
from registry.core.cache import remembered
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
from registry.parties.models import Party
from registry.reviews.models import ExitStep, Review
from registry.reviews.services import OPEN_STATUSES
from registry.users.models import User

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
SLACK = timedelta(days=7)  # month-end clamping moves a date by a few days at most
COUNT_CAP = 1000  # "1,000 or more" says enough; counting further would read every deadline
REMEMBERED_ROWS = 500  # the first ten pages are kept between requests; later ones worked out


class Deadline(NamedTuple):
    """A plain value, made in bulk (the reminder job may make hundreds of thousands): a named
    tuple costs a fraction of a frozen dataclass to make."""

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
    """Every deadline from `start` to `end` (inclusive) within `clearance`, soonest first."""
    return DeadlineQuery(clearance, start, end, filters, today=today).first()


def deadlines_between(clearance, start, end, *, agreement_id=None) -> list[Deadline]:
    return find_deadlines(clearance, start, end, DeadlineFilters(agreement_id=agreement_id))


def sort_key(deadline: Deadline):
    return (deadline.due_on, deadline.agreement_reference, deadline.kind.value, deadline.key)


class DeadlineQuery:
    """The deadlines of one window, clearance and set of filters, found a page at a time.

    Dates to prepare for drop out once past `today`; so do past occurrences of recurring
    obligations, since an occurrence cannot yet be marked done on its own. Most kinds are one
    row each, dated by an indexed column, so a page reads only the rows it shows and a count
    stops at `cap`; the few dates worked out in Python (authorisation clocks, notice dates,
    exit steps) are found in full, from the agreements that can have one in the window.
    """

    def __init__(
        self,
        clearance: Classification,
        start: date,
        end: date,
        filters: DeadlineFilters | None = None,
        *,
        today: date | None = None,
    ):
        self.start, self.end = start, end
        self.today = today or date.today()
        filters = filters or DeadlineFilters()
        self.sources = [
            source
            for source in (*_ROW_SOURCES, _RECURRING, _NOTICES, _COMPUTED)
            if source.may_yield(filters)
        ]
        self.scope = _Scope(clearance, filters, self.today)
        self._question = ("deadlines", clearance, start, end, filters, self.today)

    def _window(self, source) -> tuple[date, date]:
        return (self.start if source.actionable else max(self.start, self.today)), self.end

    def first(self, limit: int | None = None) -> list[Deadline]:
        """The first `limit` deadlines (all of them if None), soonest first."""
        if limit is not None and limit < 1:
            return []
        # One agreement's deadlines are few; any other list is kept only to a few pages.
        whole_agreement = limit is None and self.scope.filters.agreement_id is not None
        if not whole_agreement and (limit is None or limit > REMEMBERED_ROWS):
            return self._first(limit)
        return list(self._remembered(("first", limit), lambda: tuple(self._first(limit))))

    def _remembered(self, question: tuple, compute: Callable):
        return remembered((*self._question, *question), compute)

    def _first(self, limit: int | None) -> list[Deadline]:
        found = []
        for source in self.sources:
            low, high = self._window(source)
            if low <= high:
                found.extend(source.take(self.scope, low, high, limit))
        found.sort(key=sort_key)
        return found if limit is None else found[:limit]

    def page(self, number: int, per_page: int) -> list[Deadline]:
        return self.first(number * per_page)[(number - 1) * per_page :]

    def count(self, cap: int | None = None) -> int:
        """How many deadlines there are, counting no further than `cap` (if given)."""
        return self._remembered(
            ("count", cap), lambda: self._count(self.end, cap, actionable_only=False)
        )

    def count_overdue(self, cap: int | None = None) -> int:
        end = min(self.end, self.today - timedelta(days=1))
        return self._remembered(
            ("overdue", cap), lambda: self._count(end, cap, actionable_only=True)
        )

    def _count(self, end: date, cap: int | None, *, actionable_only: bool) -> int:
        total = 0
        for source in self.sources:
            if actionable_only and not source.actionable:
                continue
            low = self._window(source)[0]
            if low <= end:
                total += source.count(self.scope, low, end, cap if cap is None else cap - total)
            if cap is not None and total >= cap:
                return cap
        return total

    def responsible_ids(self) -> set[int]:
        """Everyone responsible for a live record of the kinds these filters find, within the
        clearance (the owner filter aside): the people a reader may choose among."""
        return set(self._remembered(("responsible",), lambda: frozenset(self._responsible_ids())))

    def _responsible_ids(self) -> set[int]:
        people: set[int] = set()
        for source in self.sources:
            low, high = self._window(source)
            if low <= high:
                people |= source.responsible_ids(self.scope, low, high)
        return people


@dataclass(frozen=True)
class _Scope:
    clearance: Classification
    filters: DeadlineFilters
    today: date
    computed: dict = field(default_factory=dict, compare=False)  # windows worked out so far


_AGREEMENT_COLUMNS = (
    Agreement.id.label("agreement_id"),
    Agreement.reference.label("agreement_reference"),
    Agreement.title.label("agreement_title"),
    Agreement.short_title.label("agreement_short_title"),
    Agreement.classification.label("agreement_level"),
)


def _from_row(row, kind: DeadlineKind, key: str, title: str, *, due_on: date | None = None):
    level = row.agreement_level
    if row.level is not None and row.level.rank > level.rank:
        level = row.level
    return Deadline(
        key=key,
        kind=kind,
        due_on=due_on or row.due_on,
        title=title,
        agreement_id=row.agreement_id,
        agreement_reference=row.agreement_reference,
        classification=level,
        responsible_ids=(row.owner_id,) if row.owner_id else (),
        oversight_body_id=row.body_id,
        record_path=f"/agreements/{row.agreement_id}",
    )


def _name(row) -> str:
    return row.agreement_short_title or row.agreement_title


@dataclass(frozen=True)
class _Rows:
    """Deadlines that are one row each of one table, dated by one indexed column."""

    kind: DeadlineKind
    model: type
    due: ColumnElement
    title: Callable
    where: tuple = ()
    level: ColumnElement | None = None
    owner: ColumnElement | None = None
    body: ColumnElement | None = None
    extra: tuple = ()
    joins: tuple = ()
    of_agreement: tuple = ()  # conditions on the agreement itself

    @property
    def actionable(self) -> bool:
        return self.kind in ACTIONABLE

    def may_yield(self, filters: DeadlineFilters) -> bool:
        return (
            (filters.kind is None or filters.kind == self.kind)
            and (filters.owner_id is None or self.owner is not None)
            and (filters.body_id is None or self.body is not None)
        )

    def query(self, scope: _Scope, *columns) -> Select:
        """The live, visible, filtered rows; with `columns`, just those (for counting)."""
        levels = allowed_levels(scope.clearance)
        restricted = not sees_everything(scope.clearance)
        query = select(*(columns or self.columns)).select_from(self.model)
        # The agreement is joined only when needed: counts for the cleared read one table.
        if self.model is not Agreement and (restricted or not columns or self.of_agreement):
            query = query.join(Agreement, Agreement.id == self.model.agreement_id)
        for target, on in self.joins:
            query = query.join(target, on)
        query = query.where(self.model.archived_at.is_(None), *self.where, *self.of_agreement)
        if restricted:  # as `visible`, with the agreement joined here
            query = query.where(Agreement.classification.in_(levels))
            if self.level is not None:
                query = query.where(self.level.in_(levels))
        filters = scope.filters
        if filters.agreement_id is not None:
            agreement_id = Agreement.id if self.model is Agreement else self.model.agreement_id
            query = query.where(agreement_id == filters.agreement_id)
        if filters.owner_id is not None:
            query = query.where(self.owner == filters.owner_id)
        if filters.body_id is not None:
            query = query.where(self.body == filters.body_id)
        return query

    @property
    def columns(self) -> tuple:
        return (
            self.model.id.label("id"),
            self.due.label("due_on"),
            (null() if self.level is None else self.level).label("level"),
            (null() if self.owner is None else self.owner).label("owner_id"),
            (null() if self.body is None else self.body).label("body_id"),
            *_AGREEMENT_COLUMNS,
            *self.extra,
        )

    def take(self, scope: _Scope, low: date, high: date, limit: int | None) -> list[Deadline]:
        query = self.query(scope).where(self.due.between(low, high))
        rows = _first_rows(
            query, (self.due, self.model.id), limit, lambda last: self.due == last.due_on
        )
        return [self.deadline(row) for row in rows]

    def deadline(self, row) -> Deadline:
        key = f"{self.model.__tablename__}:{row.id}:{self.kind.value}"
        if self.model is Obligation:
            key = f"obligations:{row.id}:{row.due_on.isoformat()}"
        return _from_row(row, self.kind, key, self.title(row))

    def count(self, scope: _Scope, low: date, high: date, cap: int | None) -> int:
        query = self.query(scope, self.model.id).where(self.due.between(low, high))
        if cap is not None:
            query = query.limit(cap)
        return db.session.scalar(select(func.count()).select_from(query.subquery()))

    def responsible_ids(self, scope: _Scope, low: date, high: date) -> set[int]:
        """The people responsible for any live record of this kind: the window aside, as
        probing person by person through the owner index is far cheaper than reading every
        deadline in a long window (there are far fewer people than deadlines)."""
        if self.owner is None:
            return set()
        owned = self.query(scope, self.model.id).where(self.owner == User.id)
        return set(db.session.scalars(select(User.id).where(owned.exists())))


_LIVE_OBLIGATION = (Obligation.status.in_(LIVE_OBLIGATION_STATUSES),)
_OBLIGATION_COLUMNS = dict(
    model=Obligation,
    due=Obligation.due_on,
    level=Obligation.classification,
    owner=Obligation.owner_id,
    body=Obligation.oversight_body_id,
    extra=(Obligation.article_reference, Obligation.title.label("obligation_title")),
)


def _obligation_label(row) -> str:
    article = f"{row.article_reference} " if row.article_reference else ""
    return f"{article}{row.obligation_title}"


_ROW_SOURCES = (
    _Rows(
        DeadlineKind.REVIEW_DUE,
        Review,
        Review.due_on,
        lambda row: f"Review of {_name(row)}",
        where=(Review.status.in_(OPEN_STATUSES),),
        level=Review.classification,
        owner=Review.recorded_by_id,
        body=Review.body_id,
    ),
    _Rows(
        DeadlineKind.OBLIGATION_DUE,
        title=_obligation_label,
        where=(*_LIVE_OBLIGATION, Obligation.recurrence.is_(None)),
        **_OBLIGATION_COLUMNS,
    ),
    _Rows(
        DeadlineKind.AUTHORIZATION_DUE,
        Authorization,
        Authorization.due_on,
        lambda row: f"{row.requirement.label}: {_name(row)}",
        where=(
            Authorization.decision == AuthorizationDecision.PENDING,
            Authorization.rule_id.is_(None),  # steps under a rule run on the rule's clock
        ),
        level=Authorization.classification,
        owner=Authorization.recorded_by_id,
        body=Authorization.body_id,
        extra=(Authorization.requirement,),
    ),
    _Rows(
        DeadlineKind.EXPIRY, Agreement, Agreement.expires_on, lambda row: f"{_name(row)} expires"
    ),
    _Rows(
        DeadlineKind.EXTENSION_DECISION,
        Agreement,
        Agreement.expires_on,
        lambda row: f"Decide whether to extend {_name(row)}",
        where=(Agreement.extension_options_left > 0, Agreement.extension_term.is_not(None)),
    ),
    _Rows(
        DeadlineKind.WITHDRAWAL_EFFECTIVE,
        TreatyAction,
        TreatyAction.effective_on,
        lambda row: f"{row.party_name}'s withdrawal from {_name(row)} takes effect",
        where=(TreatyAction.kind == TreatyActionKind.WITHDRAWAL_NOTICE,),
        of_agreement=(Agreement.archived_at.is_(None),),
        extra=(Party.name.label("party_name"),),
        joins=((Party, Party.id == TreatyAction.party_id),),
    ),
)


class _RecurringObligations:
    """Occurrences of recurring obligations, counted and paged by (first date, period) group.

    Obligations sharing a first date and a period fall due together, and there are far fewer
    such groups than obligations: the groups are read and their dates worked out, and only the
    obligations of the groups a page shows are read.
    """

    kind = DeadlineKind.OBLIGATION_DUE
    actionable = False  # only occurrences from today on are listed, so none is ever overdue
    rows = _Rows(
        DeadlineKind.OBLIGATION_DUE,
        title=_obligation_label,
        where=(*_LIVE_OBLIGATION, Obligation.recurrence.is_not(None)),
        **{
            **_OBLIGATION_COLUMNS,
            "extra": (
                *_OBLIGATION_COLUMNS["extra"],
                Obligation.recurrence.label("recurrence_text"),
            ),
        },
    )

    def may_yield(self, filters: DeadlineFilters) -> bool:
        return self.rows.may_yield(filters)

    def _groups(self, scope: _Scope, low: date, high: date, *columns):
        group = (Obligation.due_on, Obligation.recurrence, *columns)
        query = self.rows.query(scope, *group, func.count()).where(Obligation.due_on <= high)
        for *key, size in db.session.execute(query.group_by(*group)):
            dates = _occurrence_dates(key[0], key[1], low, high)
            if dates:
                yield tuple(key), dates, size

    def count(self, scope: _Scope, low: date, high: date, cap: int | None) -> int:
        total = 0
        for _, dates, size in self._groups(scope, low, high):
            total += len(dates) * size
            if cap is not None and total >= cap:
                return cap
        return total

    def take(self, scope: _Scope, low: date, high: date, limit: int | None) -> list[Deadline]:
        groups = self._groups(scope, low, high)
        due = sorted((day, key, size) for key, dates, size in groups for day in dates)
        if limit is not None:
            taken = 0
            for day, _, size in due:
                taken += size
                if taken >= limit:  # enough: keep the rest of this day, which may sort first
                    due = [entry for entry in due if entry[0] <= day]
                    break
        wanted: dict[tuple, list[date]] = {}
        for day, key, _ in due:
            wanted.setdefault(key, []).append(day)
        if not wanted:
            return []
        firsts = sorted({first for first, _ in wanted})
        found = []
        for start in range(0, len(firsts), 500):
            query = self.rows.query(scope).where(Obligation.due_on.in_(firsts[start : start + 500]))
            for row in db.session.execute(query):
                for day in wanted.get((row.due_on, row.recurrence_text), ()):
                    found.append(
                        _from_row(
                            row,
                            self.kind,
                            f"obligations:{row.id}:{day.isoformat()}",
                            _obligation_label(row),
                            due_on=day,
                        )
                    )
        return found

    def responsible_ids(self, scope: _Scope, low: date, high: date) -> set[int]:
        return self.rows.responsible_ids(scope, low, high)


@lru_cache(maxsize=8192)
def _occurrence_dates(first: date, recurrence: str, low: date, high: date) -> tuple[date, ...]:
    return tuple(occurrences(first, recurrence, low, high))


class _EarliestNotices:
    """Earliest notice dates: entry into force plus the minimum time in force.

    Few agreements differ in that minimum, and the date moves with entry into force, so each
    minimum is one ordered range of an index on (minimum, entry into force).
    """

    kind = DeadlineKind.EARLIEST_NOTICE
    actionable = False
    rows = _Rows(
        DeadlineKind.EARLIEST_NOTICE,
        Agreement,
        Agreement.entered_into_force_on,
        lambda row: f"Notice of withdrawal from {_name(row)} possible",
        where=(Agreement.notice_period.is_not(None),),
    )

    def may_yield(self, filters: DeadlineFilters) -> bool:
        return self.rows.may_yield(filters)

    def _ranges(self, low: date, high: date):
        """Each minimum, its condition, and the entry-into-force dates giving [low, high]."""
        minimums = db.session.scalars(
            select(Agreement.notice_min_in_force)
            .where(Agreement.notice_period.is_not(None))
            .distinct()
        )
        for minimum in minimums:
            first, last = _entries_giving(minimum, low, high)
            if first <= last:
                same = (
                    Agreement.notice_min_in_force.is_(None)
                    if minimum is None
                    else Agreement.notice_min_in_force == minimum
                )
                yield minimum, (same, Agreement.entered_into_force_on.between(first, last))

    def take(self, scope: _Scope, low: date, high: date, limit: int | None) -> list[Deadline]:
        found = []
        for minimum, conditions in self._ranges(low, high):

            def same_day(last, minimum=minimum):
                day = _earliest(last.due_on, minimum)
                return Agreement.entered_into_force_on.between(*_entries_giving(minimum, day, day))

            rows = _first_rows(
                self.rows.query(scope).where(*conditions),
                (Agreement.entered_into_force_on, Agreement.id),
                limit,
                same_day,
            )
            found.extend(
                self.rows.deadline(row)._replace(due_on=_earliest(row.due_on, minimum))
                for row in rows
            )
        return found

    def count(self, scope: _Scope, low: date, high: date, cap: int | None) -> int:
        total = 0
        for _, conditions in self._ranges(low, high):
            query = self.rows.query(scope, Agreement.id).where(*conditions)
            if cap is not None:
                query = query.limit(cap - total)
            total += db.session.scalar(select(func.count()).select_from(query.subquery()))
            if cap is not None and total >= cap:
                return cap
        return total

    def responsible_ids(self, scope: _Scope, low: date, high: date) -> set[int]:
        return set()  # no one in particular: the agreement's


def _earliest(entry_into_force: date, minimum: str | None) -> date:
    return add_period(entry_into_force, minimum) if minimum else entry_into_force


def _entries_giving(minimum: str | None, low: date, high: date) -> tuple[date, date]:
    """The first and last entry into force whose earliest notice falls in [low, high].

    Adding a period never moves a later date before an earlier one, so these bound a range;
    they are found from a guess a week out, a day at a time.
    """
    if not minimum:
        return low, high
    delta = parse_period(minimum)
    first = low - delta - SLACK
    while _earliest(first, minimum) < low:
        first += timedelta(days=1)
    last = high - delta + SLACK
    while _earliest(last, minimum) > high:
        last -= timedelta(days=1)
    return first, last


COMPUTED_KINDS = frozenset(
    {
        *CLOCK_KINDS.values(),
        DeadlineKind.AUTHORIZATION_DUE,
        DeadlineKind.EXIT_DECISION,
        DeadlineKind.WITHDRAWAL_EFFECTIVE,
    }
)


class _Computed:
    """Dates worked out in Python: authorisation rule clocks and exit steps.

    There are few of these in any window, so they are found in full (once per query) and
    filtered here.
    """

    actionable = True  # of mixed kinds: each deadline's own window is applied in `_all`

    def may_yield(self, filters: DeadlineFilters) -> bool:
        return filters.kind is None or filters.kind in COMPUTED_KINDS

    def _all(self, scope: _Scope, low: date, high: date) -> list[Deadline]:
        if (low, high) not in scope.computed:
            filters = scope.filters
            scope.computed[low, high] = [
                deadline
                for deadline in _computed_deadlines(
                    scope.clearance, low, high, filters.agreement_id
                )
                if low <= deadline.due_on <= high
                and (deadline.kind in ACTIONABLE or deadline.due_on >= scope.today)
                and (filters.kind is None or deadline.kind == filters.kind)
                and (filters.owner_id is None or filters.owner_id in deadline.responsible_ids)
                and (filters.body_id is None or deadline.oversight_body_id == filters.body_id)
            ]
        return scope.computed[low, high]

    def take(self, scope: _Scope, low: date, high: date, limit: int | None) -> list[Deadline]:
        found = sorted(self._all(scope, low, high), key=sort_key)
        return found if limit is None else found[:limit]

    def count(self, scope: _Scope, low: date, high: date, cap: int | None) -> int:
        total = len(self._all(scope, low, high))
        return total if cap is None else min(total, cap)

    def responsible_ids(self, scope: _Scope, low: date, high: date) -> set[int]:
        return {i for deadline in self._all(scope, low, high) for i in deadline.responsible_ids}


def _first_rows(query: Select, order: tuple, limit: int | None, on_the_day_of: Callable) -> list:
    """Rows of `query` in `order`: all of them, or the first `limit` and the rest of the last
    one's day, since those may sort before it once merged with the other kinds."""
    if limit is None:
        return db.session.execute(query.order_by(*order)).all()
    rows = db.session.execute(query.order_by(*order).limit(limit)).all()
    if len(rows) == limit:
        seen = {row.id for row in rows}
        same_day = db.session.execute(query.where(on_the_day_of(rows[-1])))
        rows.extend(row for row in same_day if row.id not in seen)
    return rows


_RECURRING = _RecurringObligations()
_NOTICES = _EarliestNotices()
_COMPUTED = _Computed()


def _scoped(model, clearance: Classification, agreement_id: int | None) -> Select:
    query = visible(select(model), model, clearance)
    if agreement_id is not None:
        column = model.id if model is Agreement else model.agreement_id
        query = query.where(column == agreement_id)
    if model is not Agreement:
        query = query.options(selectinload(model.agreement))
    return query


def _computed_deadlines(clearance, start, end, agreement_id) -> Iterator[Deadline]:
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

    live_rules = authorisation_queries.live_rules()
    if live_rules:
        agreements_query = _scoped(Agreement, clearance, agreement_id)
        if agreement_id is None:  # one agreement's page reads just that one anyway
            agreements_query = agreements_query.where(
                _clock_may_fall_between(start, end, live_rules)
            )
        agreements = db.session.scalars(agreements_query).all()
        yield from _rule_clocks(agreements, live_rules, clearance, deadline)

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
