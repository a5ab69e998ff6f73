"""What a deadline is, and the generic kinds of source that find them.

Each feature contributes its sources through its entity descriptions (`Entity.deadlines`);
`registry.deadlines.queries` asks them. A source answers four questions for one scope (reader,
filters, today) and window of due dates: whether it may yield anything for the filters, its
first deadlines, how many it has (up to a cap), and who is responsible for them:

    kind / kinds, actionable, cost, may_yield(filters), take(scope, low, high, limit),
    count(scope, low, high, cap), responsible_ids(scope, low, high)

`cost` orders the asking, cheapest first, since a count stops once it reaches its cap:
ROWS for one indexed range, GROUPS for a few ranges or groups, IN_FULL for dates worked out
in full.

`RowSource` serves kinds that are one row each of one table, dated by one indexed column;
`ComputedSource` serves the few dates worked out in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import ClassVar, NamedTuple

from sqlalchemy import ColumnElement, Select, func, null, select
from sqlalchemy.orm import selectinload

from registry.core.access import Visibility, visible_to
from registry.core.enums import Classification, DeadlineKind
from registry.extensions import db

ROWS, GROUPS, IN_FULL = 0, 1, 2  # what a source's count costs, cheapest first

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


def is_overdue(kind: DeadlineKind, due_on: date, today: date) -> bool:
    """Whether a deadline of `kind` due on `due_on` is overdue on `today`."""
    return kind in ACTIONABLE and due_on < today


def overdue_window(start: date, end: date, today: date) -> tuple[date, date]:
    """The part of [start, end] in which an actionable deadline is overdue on `today`: the
    same rule, as the bounds a query of due dates is limited to."""
    return start, min(end, today - timedelta(days=1))


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
        return is_overdue(self.kind, self.due_on, today)

    @property
    def uid(self) -> str:
        return f"{self.key}/{self.due_on.isoformat()}"


@dataclass(frozen=True)
class DeadlineFilters:
    kind: DeadlineKind | None = None
    owner_id: int | None = None
    body_id: int | None = None
    agreement_id: int | None = None


@dataclass(frozen=True)
class Scope:
    """Whose deadlines, filtered how, as of which day."""

    clearance: Classification
    filters: DeadlineFilters
    today: date
    computed: dict = field(default_factory=dict, compare=False)  # windows worked out so far

    @property
    def visibility(self) -> Visibility:
        return visible_to(self.clearance)


def sort_key(deadline: Deadline):
    return (deadline.due_on, deadline.agreement_reference, deadline.kind.value, deadline.key)


def agreement_name(row) -> str:
    """How a deadline's title names its agreement: the short title, or the title."""
    return row.agreement_short_title or row.agreement_title


def from_row(row, kind: DeadlineKind, key: str, title: str, *, due_on: date | None = None):
    """A deadline from a row of `RowSource.columns`."""
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


@dataclass(frozen=True, eq=False)
class RowSource:
    """Deadlines that are one row each of one table, dated by one indexed column.

    `agreement` is the model of the agreement each row belongs to (through `agreement_id`), or
    is `model` itself; its reference and title name the deadline.
    """

    kind: DeadlineKind
    model: type
    due: ColumnElement
    title: Callable
    agreement: type
    where: tuple = ()
    level: ColumnElement | None = None
    owner: ColumnElement | None = None
    body: ColumnElement | None = None
    extra: tuple = ()
    joins: tuple = ()
    of_agreement: tuple = ()  # conditions on the agreement itself
    key: Callable | None = None  # the deadline's key from its row; table:id:kind if None

    cost: ClassVar[int] = ROWS

    @property
    def actionable(self) -> bool:
        return self.kind in ACTIONABLE

    def may_yield(self, filters: DeadlineFilters) -> bool:
        return (
            (filters.kind is None or filters.kind == self.kind)
            and (filters.owner_id is None or self.owner is not None)
            and (filters.body_id is None or self.body is not None)
        )

    def query(self, scope: Scope, *columns) -> Select:
        """The live, visible, filtered rows; with `columns`, just those (for counting)."""
        visibility = scope.visibility
        agreement = self.agreement
        query = select(*(columns or self.columns)).select_from(self.model)
        joined: tuple[type, ...] = ()
        # The agreement is joined only when needed: counts for the cleared read one table.
        own = self.model is agreement
        if not own and (not visibility.everything or not columns or self.of_agreement):
            query = query.join(agreement, agreement.id == self.model.agreement_id)
            joined = (agreement,)
        for target, on in self.joins:
            query = query.join(target, on)
        query = query.where(
            self.model.archived_at.is_(None),
            *self.where,
            *self.of_agreement,
            *visibility.conditions(self.model, joined=joined),
        )
        filters = scope.filters
        if filters.agreement_id is not None:
            agreement_id = agreement.id if own else self.model.agreement_id
            query = query.where(agreement_id == filters.agreement_id)
        if filters.owner_id is not None:
            query = query.where(self.owner == filters.owner_id)
        if filters.body_id is not None:
            query = query.where(self.body == filters.body_id)
        return query

    @cached_property
    def columns(self) -> tuple:
        agreement = self.agreement
        return (
            self.model.id.label("id"),
            self.due.label("due_on"),
            (null() if self.level is None else self.level).label("level"),
            (null() if self.owner is None else self.owner).label("owner_id"),
            (null() if self.body is None else self.body).label("body_id"),
            agreement.id.label("agreement_id"),
            agreement.reference.label("agreement_reference"),
            agreement.title.label("agreement_title"),
            agreement.short_title.label("agreement_short_title"),
            agreement.classification.label("agreement_level"),
            *self.extra,
        )

    def take(self, scope: Scope, low: date, high: date, limit: int | None) -> list[Deadline]:
        query = self.query(scope).where(self.due.between(low, high))
        rows = first_rows(
            query, (self.due, self.model.id), limit, lambda last: self.due == last.due_on
        )
        return [self.deadline(row) for row in rows]

    def deadline(self, row) -> Deadline:
        if self.key is not None:
            key = self.key(row)
        else:
            key = f"{self.model.__tablename__}:{row.id}:{self.kind.value}"
        return from_row(row, self.kind, key, self.title(row))

    def count(self, scope: Scope, low: date, high: date, cap: int | None) -> int:
        query = self.query(scope, self.model.id).where(self.due.between(low, high))
        if cap is not None:
            query = query.limit(cap)
        return db.session.scalar(select(func.count()).select_from(query.subquery()))

    def responsible_ids(self, scope: Scope, low: date, high: date) -> set[int]:
        """The people responsible for any live record of this kind: the window aside, as
        probing person by person through the owner index is far cheaper than reading every
        deadline in a long window (there are far fewer people than deadlines)."""
        if self.owner is None:
            return set()
        (person,) = {key.column for key in self.owner.property.columns[0].foreign_keys}
        owned = self.query(scope, self.model.id).where(self.owner == person)
        return set(db.session.scalars(select(person).where(owned.exists())))


@dataclass(frozen=True, eq=False)
class ComputedSource:
    """Dates worked out in Python (authorisation rule clocks, exit steps).

    There are few of these in any window, so they are found in full (once per query and
    window) by `find(scope, low, high)` and filtered here.
    """

    kinds: frozenset[DeadlineKind]
    find: Callable[[Scope, date, date], Iterable[Deadline]]

    actionable = True  # of mixed kinds: each deadline's own window is applied in `_all`
    cost = IN_FULL

    def may_yield(self, filters: DeadlineFilters) -> bool:
        return filters.kind is None or filters.kind in self.kinds

    def _all(self, scope: Scope, low: date, high: date) -> list[Deadline]:
        asked = (id(self), low, high)
        if asked not in scope.computed:
            filters = scope.filters
            scope.computed[asked] = [
                deadline
                for deadline in self.find(scope, low, high)
                if low <= deadline.due_on <= high
                and (deadline.kind in ACTIONABLE or deadline.due_on >= scope.today)
                and (filters.kind is None or deadline.kind == filters.kind)
                and (filters.owner_id is None or filters.owner_id in deadline.responsible_ids)
                and (filters.body_id is None or deadline.oversight_body_id == filters.body_id)
            ]
        return scope.computed[asked]

    def take(self, scope: Scope, low: date, high: date, limit: int | None) -> list[Deadline]:
        found = sorted(self._all(scope, low, high), key=sort_key)
        return found if limit is None else found[:limit]

    def count(self, scope: Scope, low: date, high: date, cap: int | None) -> int:
        total = len(self._all(scope, low, high))
        return total if cap is None else min(total, cap)

    def responsible_ids(self, scope: Scope, low: date, high: date) -> set[int]:
        return {i for deadline in self._all(scope, low, high) for i in deadline.responsible_ids}


def record_deadline(
    kind: DeadlineKind,
    due_on: date,
    title: str,
    agreement,
    record,
    *,
    level: Classification | None = None,
    responsible: Iterable[int | None] = (),
    body_id: int | None = None,
    key: str | None = None,
) -> Deadline:
    """A deadline worked out from a loaded record of a loaded agreement."""
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


def scoped(model, scope: Scope, *, agreement: type) -> Select:
    """The visible live records of `model` in the scope's agreement (if it names one), each
    with its agreement loaded; `agreement` is the agreement model (or `model` itself)."""
    query = scope.visibility.filter(select(model), model)
    agreement_id = scope.filters.agreement_id
    if agreement_id is not None:
        column = model.id if model is agreement else model.agreement_id
        query = query.where(column == agreement_id)
    if model is not agreement:
        query = query.options(selectinload(model.agreement))
    return query


def first_rows(query: Select, order: tuple, limit: int | None, on_the_day_of: Callable) -> list:
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
