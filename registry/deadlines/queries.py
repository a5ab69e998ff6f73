"""Every date by which someone must act, derived from the records (never typed in).

The deadline list asks the sources each feature registers with its entity descriptions
(`Entity.deadlines`): reviews due, obligation occurrences (recurring ones repeat), pending
authorisation steps and rule clocks, expiries and extension decisions, earliest notice dates,
withdrawal effective dates and exit steps. Completed, cancelled and archived records drop
out; a changed date moves its deadline, because the date is part of what identifies a reminder.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from registry.core.cache import remembered
from registry.core.entities import entities
from registry.core.enums import Classification, DeadlineKind
from registry.deadlines.sources import (
    ACTIONABLE,
    Deadline,
    DeadlineFilters,
    Scope,
    overdue_window,
    sort_key,
)

__all__ = [
    "ACTIONABLE",
    "COUNT_CAP",
    "Deadline",
    "DeadlineFilters",
    "DeadlineQuery",
    "deadlines_between",
    "find_deadlines",
    "sort_key",
]

COUNT_CAP = 1000  # "1,000 or more" says enough; counting further would read every deadline
REMEMBERED_ROWS = 500  # the first ten pages are kept between requests; later ones worked out


_KINDS = list(DeadlineKind)


def sources() -> list:
    """Every registered deadline source, cheapest to count first, then by kind."""
    found = [source for described in entities() for source in described.deadlines]
    return sorted(found, key=_asking_order)


def _asking_order(source) -> tuple[int, int]:
    kinds = getattr(source, "kinds", None) or (source.kind,)
    return source.cost, min(_KINDS.index(kind) for kind in kinds)


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
        self.sources = [source for source in sources() if source.may_yield(filters)]
        self.scope = Scope(clearance, filters, self.today)
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
        """How many of them are overdue (`Deadline.is_overdue`), counting no further than `cap`."""
        end = overdue_window(self.start, self.end, self.today)[1]
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
