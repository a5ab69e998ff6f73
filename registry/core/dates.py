"""Calendar dates and timestamps as people and files write them: one parser, one message.

Forms, the API, imports, the fixtures, sitting calendars, query arguments and the command line
all read dates here, so that each accepts the same text and refuses it in the same words.
"""

from __future__ import annotations

import re
from datetime import date, datetime

EARLIEST_DATE = date(1800, 1, 1)
LATEST_DATE = date(2200, 12, 31)
NOT_A_DATE = "Not a valid date. Enter a date as YYYY-MM-DD, for example 1990-01-01."
OUT_OF_RANGE = f"Enter a date between {EARLIEST_DATE} and {LATEST_DATE}."
NOT_A_TIMESTAMP = "Not an ISO 8601 date and time."
NO_TIME_ZONE = "Give the time zone (as exports do: +00:00)."
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class InvalidDate(ValueError):
    """Text that is not a date the registry accepts; the message says what to write."""


def parse_date(text: str | date) -> date:
    """A calendar date written YYYY-MM-DD between 1800 and 2200 (surrounding space ignored)."""
    if isinstance(text, date):  # already read (a datetime is read as its day, as before)
        day = text
    else:
        written = text.strip() if isinstance(text, str) else ""
        if not _DAY.fullmatch(written):
            raise InvalidDate(NOT_A_DATE)
        try:
            day = date.fromisoformat(written)
        except ValueError as error:  # no such day: 2019-02-30
            raise InvalidDate(NOT_A_DATE) from error
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise InvalidDate(OUT_OF_RANGE)
    return day


def parse_date_or_none(text: str | None) -> date | None:
    """The date written, or None when the text is empty or not a date the registry accepts."""
    try:
        return parse_date(text) if text else None
    except InvalidDate:
        return None


def parse_timestamp(text: str) -> datetime:
    """A date and time in ISO 8601 with its time zone (as exports write them)."""
    try:
        stamp = datetime.fromisoformat(str(text).strip())
    except ValueError as error:
        raise InvalidDate(NOT_A_TIMESTAMP) from error
    if stamp.tzinfo is None:
        raise InvalidDate(NO_TIME_ZONE)
    return stamp
