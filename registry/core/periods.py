"""ISO 8601 calendar periods (`P20Y`, `P3M`, `P90D`) as used by exit, term and review clauses."""

from __future__ import annotations

import re
from datetime import date

from dateutil.relativedelta import relativedelta

_PERIOD = re.compile(r"^P(?!$)(?:(\d{1,4})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?$")


class InvalidPeriod(ValueError):
    pass


def parse_period(text: str) -> relativedelta:
    """Parse a date-only ISO 8601 duration into a relativedelta."""
    match = _PERIOD.match(text.strip().upper()) if isinstance(text, str) else None
    if not match:
        raise InvalidPeriod(
            f"{text!r} is not a period such as P20Y, P1Y6M, P3M or P90D (ISO 8601, no time part)."
        )
    years, months, weeks, days = (int(part or 0) for part in match.groups())
    if not (years or months or weeks or days):
        raise InvalidPeriod(f"{text!r} is an empty period.")
    return relativedelta(years=years, months=months, weeks=weeks, days=days)


def normalise_period(text: str) -> str:
    """Return the canonical upper-case spelling of a period, after checking it parses."""
    parse_period(text)
    return text.strip().upper()


def add_period(start: date, period: str, times: int = 1) -> date:
    """Add a period to a date `times` times, clamping to month ends (31 Jan + P1M = 28/29 Feb)."""
    delta = parse_period(period)
    return start + relativedelta(
        years=delta.years * times,
        months=delta.months * times,
        days=delta.days * times,
    )


def describe_period(period: str | None) -> str:
    """Say a period in words: P20Y -> '20 years'."""
    if not period:
        return ""
    delta = parse_period(period)
    parts = []
    for amount, unit in ((delta.years, "year"), (delta.months, "month"), (delta.days, "day")):
        if amount:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    return ", ".join(parts)
