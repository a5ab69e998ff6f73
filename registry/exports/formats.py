"""Writing export rows as CSV, JSON or JSON Lines, one row at a time."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TextIO

FORMATS = ("csv", "json", "jsonl")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def plain(value):
    """A JSON-ready value: ISO 8601 dates, enum values, decimals as text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def csv_cell(value) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with a '."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return str(plain(value))


def write(
    rows: Iterable[dict],
    columns: list[str],
    out: TextIO,
    fmt: str,
    on_row: Callable[[int], None] = lambda count: None,
) -> int:
    """Write every row in `fmt`; return how many were written."""
    count = 0
    if fmt == "csv":
        out.write("\ufeff")  # so that spreadsheets read the file as UTF-8
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_cell(row[column]) for column in columns])
            count += 1
            on_row(count)
    elif fmt == "jsonl":
        for row in rows:
            out.write(json.dumps({k: plain(v) for k, v in row.items()}, ensure_ascii=False))
            out.write("\n")
            count += 1
            on_row(count)
    elif fmt == "json":
        out.write("[")
        for row in rows:
            out.write(",\n" if count else "\n")
            out.write(json.dumps({k: plain(v) for k, v in row.items()}, ensure_ascii=False))
            count += 1
            on_row(count)
        out.write("\n]\n" if count else "]\n")
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return count
