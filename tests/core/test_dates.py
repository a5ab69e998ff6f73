"""One date parser for forms, the API, imports, query arguments and the command line."""

from datetime import UTC, date, datetime

import pytest
from marshmallow import ValidationError

from registry.core.dates import (
    NO_TIME_ZONE,
    NOT_A_DATE,
    NOT_A_TIMESTAMP,
    OUT_OF_RANGE,
    InvalidDate,
    parse_date,
    parse_date_or_none,
    parse_timestamp,
)
from registry.core.schemas import Day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("1949-08-24", date(1949, 8, 24)),
        ("  2024-02-29 ", date(2024, 2, 29)),
        ("1800-01-01", date(1800, 1, 1)),
        ("2200-12-31", date(2200, 12, 31)),
        (date(2020, 1, 2), date(2020, 1, 2)),
    ],
)
def test_a_date_is_written_year_month_day(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "yesterday",
        "2019-02-30",  # no such day
        "2024-13-01",
        "20240101",  # ISO 8601 allows it; people write the dashes
        "2024-W01-1",
        "2024-1-5",
        "01/02/2024",
        "2024-01-01T10:00",
        "２０２４-01-01",  # full-width digits
        "<script>",
        None,
        12,
    ],
)
def test_anything_else_is_refused_in_one_message(text):
    with pytest.raises(InvalidDate) as refused:
        parse_date(text)
    assert str(refused.value) == NOT_A_DATE
    assert "YYYY-MM-DD" in NOT_A_DATE and NOT_A_DATE.startswith("Not a valid date.")
    assert parse_date_or_none(text) is None


@pytest.mark.parametrize("text", ["1799-12-31", "2201-01-01", date(1700, 1, 1)])
def test_dates_outside_the_registry_range_are_refused(text):
    with pytest.raises(InvalidDate) as refused:
        parse_date(text)
    assert str(refused.value) == OUT_OF_RANGE == "Enter a date between 1800-01-01 and 2200-12-31."


def test_the_form_and_api_field_says_the_same():
    field = Day()
    assert field.deserialize("1990-01-01") == date(1990, 1, 1)
    assert field.deserialize("") is None
    for text, message in (("abc", NOT_A_DATE), ("1700-01-01", OUT_OF_RANGE)):
        with pytest.raises(ValidationError) as refused:
            field.deserialize(text)
        assert refused.value.messages == [message]


def test_a_timestamp_needs_its_time_zone():
    assert parse_timestamp("2026-01-02T03:04:05+00:00") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with pytest.raises(InvalidDate) as refused:
        parse_timestamp("2026-01-02T03:04:05")
    assert str(refused.value) == NO_TIME_ZONE
    with pytest.raises(InvalidDate) as refused:
        parse_timestamp("last Tuesday")
    assert str(refused.value) == NOT_A_TIMESTAMP
