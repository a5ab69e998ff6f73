"""The deadlines obligations give: one-off due dates, and the occurrences of recurring ones
(registered in `registry/obligations/entities.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from sqlalchemy import func

from registry.agreements.models import Agreement
from registry.core.enums import DeadlineKind, ObligationStatus
from registry.core.periods import add_period, parse_period
from registry.deadlines.sources import (
    GROUPS,
    Deadline,
    DeadlineFilters,
    RowSource,
    Scope,
    from_row,
)
from registry.extensions import db
from registry.obligations.models import Obligation

LIVE_OBLIGATION_STATUSES = (ObligationStatus.ACTIVE, ObligationStatus.PARTIALLY_MET)
MAX_OCCURRENCES = 1000  # a daily obligation over three years, with room to spare


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


@lru_cache(maxsize=8192)
def _occurrence_dates(first: date, recurrence: str, low: date, high: date) -> tuple[date, ...]:
    return tuple(occurrences(first, recurrence, low, high))


def _label(row) -> str:
    article = f"{row.article_reference} " if row.article_reference else ""
    return f"{article}{row.obligation_title}"


def _key(row) -> str:
    return f"obligations:{row.id}:{row.due_on.isoformat()}"


def _obligations(*where, extra=()) -> RowSource:
    return RowSource(
        DeadlineKind.OBLIGATION_DUE,
        Obligation,
        Obligation.due_on,
        _label,
        agreement=Agreement,
        where=(Obligation.status.in_(LIVE_OBLIGATION_STATUSES), *where),
        level=Obligation.classification,
        owner=Obligation.owner_id,
        body=Obligation.oversight_body_id,
        extra=(Obligation.article_reference, Obligation.title.label("obligation_title"), *extra),
        key=_key,
    )


ONE_OFF_OBLIGATIONS = _obligations(Obligation.recurrence.is_(None))


class RecurringObligations:
    """Occurrences of recurring obligations, counted and paged by (first date, period) group.

    Obligations sharing a first date and a period fall due together, and there are far fewer
    such groups than obligations: the groups are read and their dates worked out, and only the
    obligations of the groups a page shows are read.
    """

    kind = DeadlineKind.OBLIGATION_DUE
    cost = GROUPS
    actionable = False  # only occurrences from today on are listed, so none is ever overdue
    rows = _obligations(
        Obligation.recurrence.is_not(None), extra=(Obligation.recurrence.label("recurrence_text"),)
    )

    def may_yield(self, filters: DeadlineFilters) -> bool:
        return self.rows.may_yield(filters)

    def _groups(self, scope: Scope, low: date, high: date, *columns):
        group = (Obligation.due_on, Obligation.recurrence, *columns)
        query = self.rows.query(scope, *group, func.count()).where(Obligation.due_on <= high)
        for *key, size in db.session.execute(query.group_by(*group)):
            dates = _occurrence_dates(key[0], key[1], low, high)
            if dates:
                yield tuple(key), dates, size

    def count(self, scope: Scope, low: date, high: date, cap: int | None) -> int:
        total = 0
        for _, dates, size in self._groups(scope, low, high):
            total += len(dates) * size
            if cap is not None and total >= cap:
                return cap
        return total

    def take(self, scope: Scope, low: date, high: date, limit: int | None) -> list[Deadline]:
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
                        from_row(
                            row,
                            self.kind,
                            f"obligations:{row.id}:{day.isoformat()}",
                            _label(row),
                            due_on=day,
                        )
                    )
        return found

    def responsible_ids(self, scope: Scope, low: date, high: date) -> set[int]:
        return self.rows.responsible_ids(scope, low, high)


OBLIGATION_DEADLINES = (ONE_OFF_OBLIGATIONS, RecurringObligations())
