"""The query string of the deadline list, read the same by its pages, its API and downloads.

The web's names (`from`, `to`, `agreement`) and the API's (`start`, `end`, `agreement_id`)
are the same filters: either may be sent, not both with different values.
"""

from __future__ import annotations

import re
from datetime import date

from marshmallow import ValidationError, fields, validate, validates_schema

from registry.core.dates import EARLIEST_DATE, LATEST_DATE
from registry.core.enums import DeadlineKind
from registry.core.filters import MAX_PAGE, MAX_PER_PAGE, Filters, a_date, choice, record_id

MONTH = re.compile(r"[0-9]{4}-[0-9]{2}", re.ASCII)
SYNONYMS = (("from_", "start"), ("to", "end"), ("agreement", "agreement_id"))


def _day(**kwargs) -> fields.Date:
    return a_date(validate=validate.Range(EARLIEST_DATE, LATEST_DATE), **kwargs)


def _valid_month(text: str) -> None:
    if MONTH.fullmatch(text) and 1 <= int(text[5:]) <= 12:
        if EARLIEST_DATE.year <= int(text[:4]) <= LATEST_DATE.year:
            return
    raise ValidationError(
        f"Not a month: give it as YYYY-MM, from {EARLIEST_DATE.year} to {LATEST_DATE.year}."
    )


class DeadlineListFilters(Filters):
    """A window of due dates, the deadline filters and a page."""

    kind = choice(DeadlineKind)
    owner = record_id(metadata={"description": "The id of a person responsible."})
    body = record_id(metadata={"description": "The id of an oversight body."})
    agreement = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "An agreement's reference (or id)."},
    )
    agreement_id = record_id()
    mine = fields.Boolean(metadata={"description": "Only deadlines you are responsible for."})
    from_ = _day(data_key="from", metadata={"description": "The same as `start`."})
    start = _day(metadata={"description": "First due date listed; a year ago by default."})
    to = _day(metadata={"description": "The same as `end`."})
    end = _day(metadata={"description": "Last due date listed; a year ahead by default."})
    month = fields.String(
        validate=_valid_month, metadata={"description": "A month (YYYY-MM) as the window."}
    )
    page = fields.Integer(validate=validate.Range(1, MAX_PAGE), load_default=1)
    per_page = fields.Integer(validate=validate.Range(1, MAX_PER_PAGE))

    @validates_schema
    def one_window(self, values: dict, **kwargs) -> None:
        for first, second in SYNONYMS:
            if values.get(first) is not None and values.get(second) is not None:
                if str(values[first]) != str(values[second]):
                    raise ValidationError(
                        f"Give {second} or {first.rstrip('_')}, not both.", second
                    )
        start, end = window(values)
        if values.get("month") and (start or end):
            raise ValidationError("Give a month or a window (from, to), not both.", "month")
        if start and end and end < start:
            name = "end" if values.get("end") else "to"
            raise ValidationError(f"Must not be before the first day ({start}).", name)


def window(values: dict) -> tuple[date | None, date | None]:
    """The first and last due dates asked for, if any."""
    return (
        values.get("start") or values.get("from_"),
        values.get("end") or values.get("to"),
    )


def agreement_asked(values: dict) -> str:
    """The agreement asked for, by reference or id; empty if none."""
    if values.get("agreement_id") is not None:
        return str(values["agreement_id"])
    return values.get("agreement", "").strip()
