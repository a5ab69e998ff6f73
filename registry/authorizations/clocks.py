"""The clocks legislatures and statutes set, as plain functions over dates.

A clock starts at an event (signature, entry into force, laying before the legislature) and
runs a number of calendar days, of a body's sitting days, or of months to a month's end.
Sitting days are counted from the first sitting day after the event: the event's own day
never counts, as under the UK's Constitutional Reform and Governance Act 2010, s.20(2).
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from registry.core.enums import ClockUnit


class CalendarTooShort(Exception):
    """The sitting calendar ends before the clock does."""

    def __init__(self, counted: int, needed: int, last_day: date | None):
        self.counted, self.needed, self.last_day = counted, needed, last_day
        ends = f"ends on {last_day}" if last_day else "is empty"
        super().__init__(
            f"the sitting calendar {ends}, after {counted} of the {needed} sitting days"
        )


def nth_sitting_day_after(start: date, count: int, sitting_days: Sequence[date]) -> date:
    """The `count`-th sitting day strictly after `start`; `sitting_days` sorted ascending."""
    if count < 1:
        raise ValueError("count must be positive")
    first = bisect_right(sitting_days, start)
    index = first + count - 1
    if index >= len(sitting_days):
        last = sitting_days[-1] if sitting_days else None
        raise CalendarTooShort(len(sitting_days) - first, count, last)
    return sitting_days[index]


def end_of_month_after(start: date, months: int) -> date:
    """The last day of the month `months` months after `start`'s month."""
    month_index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def due_on(start: date, length: int, unit: ClockUnit, sitting_days: Sequence[date] = ()) -> date:
    """When a clock of `length` `unit`s started on `start` runs out."""
    if unit == ClockUnit.CALENDAR_DAYS:
        return start + timedelta(days=length)
    if unit == ClockUnit.SITTING_DAYS:
        return nth_sitting_day_after(start, length, sitting_days)
    if unit == ClockUnit.MONTH_END:
        return end_of_month_after(start, length)
    raise ValueError(f"unknown clock unit {unit!r}")


@dataclass(frozen=True)
class ClockReading:
    """One rule's clock for one agreement (or one laying of it) as it stands."""

    rule_id: int
    rule_name: str
    trigger_label: str
    starts_on: date | None
    due_on: date | None
    met_on: date | None = None
    step_id: int | None = None
    problem: str | None = None

    @property
    def is_running(self) -> bool:
        return self.due_on is not None and self.met_on is None

    def is_overdue(self, today: date) -> bool:
        """Running, and due before `today`."""
        return self.is_running and self.due_on < today

    def state(self, today: date) -> str:
        """How the clock reads in words."""
        if self.problem:
            return f"Cannot be computed: {self.problem}."
        if self.starts_on is None:
            return "Not started."
        if self.due_on is None:
            return "No time limit."
        if self.met_on is not None:
            late = self.met_on > self.due_on
            return f"Met on {self.met_on}" + (" (late)." if late else ".")
        if self.is_overdue(today):
            return f"Overdue since {self.due_on}."
        return f"Due on {self.due_on}."
