"""The clock arithmetic on its own: sitting days, calendar days, months to a month's end."""

from datetime import date

import pytest

from registry.authorizations.clocks import (
    CalendarTooShort,
    due_on,
    end_of_month_after,
    nth_sitting_day_after,
)
from registry.authorizations.votes import majority_reached, votes_needed
from registry.core.enums import ClockUnit, Majority

DAYS = [date(2026, 1, d) for d in (12, 13, 14, 15, 19, 20)]


def test_sitting_days_count_from_the_first_sitting_day_after_the_event():
    assert nth_sitting_day_after(date(2026, 1, 12), 1, DAYS) == date(2026, 1, 13)
    assert nth_sitting_day_after(date(2026, 1, 16), 1, DAYS) == date(2026, 1, 19)  # a Friday
    assert nth_sitting_day_after(date(2026, 1, 12), 5, DAYS) == date(2026, 1, 20)


def test_a_calendar_that_ends_too_soon_says_how_far_it_got():
    with pytest.raises(CalendarTooShort) as caught:
        nth_sitting_day_after(date(2026, 1, 14), 21, DAYS)
    assert str(caught.value) == (
        "the sitting calendar ends on 2026-01-20, after 3 of the 21 sitting days"
    )
    with pytest.raises(CalendarTooShort, match="is empty"):
        nth_sitting_day_after(date(2026, 1, 14), 1, [])


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 3, 10), 1, date(2026, 4, 30)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2027, 12, 1), 1, date(2028, 1, 31)),
        (date(2028, 1, 15), 1, date(2028, 2, 29)),
    ],
)
def test_a_monthly_report_is_due_by_the_end_of_the_next_month(start, months, expected):
    assert end_of_month_after(start, months) == expected


def test_calendar_days_run_from_the_day_after_the_event():
    assert due_on(date(2026, 4, 1), 120, ClockUnit.CALENDAR_DAYS) == date(2026, 7, 30)
    assert due_on(date(2026, 3, 10), 15, ClockUnit.CALENDAR_DAYS) == date(2026, 3, 25)


@pytest.mark.parametrize(
    ("votes_for", "votes_against", "reached", "needed"),
    [
        (82, 13, True, 64),  # the North Atlantic Treaty, 1949
        (48, 51, False, 66),  # the CTBT, 1999
        (66, 33, True, 66),  # exactly two thirds
        (65, 33, False, 66),
        (0, 0, False, 0),
    ],
)
def test_two_thirds_of_those_present_and_voting(votes_for, votes_against, reached, needed):
    majority = Majority.TWO_THIRDS_PRESENT
    assert majority_reached(majority, votes_for, votes_against) is reached
    assert votes_needed(majority, votes_for, votes_against, None) == needed


def test_simple_and_absolute_majorities():
    assert majority_reached(Majority.SIMPLE, 51, 50)
    assert not majority_reached(Majority.SIMPLE, 50, 50)
    assert majority_reached(Majority.ABSOLUTE, 51, 0, members=100)
    assert not majority_reached(Majority.ABSOLUTE, 50, 2, members=100)
