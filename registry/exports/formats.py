"""Writing export rows as CSV, JSON or JSON Lines, one row at a time, and reading them back."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TextIO

FORMATS = ("csv", "json", "jsonl")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/jsonl",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A cell that starts with this was given it on export; import takes exactly one away.
QUOTE = "'"
_QUOTED_FIRST = frozenset((*FORMULA_PREFIXES, QUOTE))


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
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with a '.

    Text that already starts with a ' gets one more, as a spreadsheet expects, so that the
    quoting can be undone exactly on import (`uncsv_cell`).
    """
    if value is None:
        return ""
    kind = type(value)  # the common cases first: this runs for every cell of every export
    if kind is str:
        return QUOTE + value if value[:1] in _QUOTED_FIRST else value
    if kind is int:
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith((*FORMULA_PREFIXES, QUOTE)):
        return QUOTE + value
    return str(plain(value))


def uncsv_cell(text: str) -> str | None:
    """The value a CSV cell was written from: empty is null, the formula quote removed."""
    if text == "":
        return None
    return text[1:] if text.startswith(QUOTE) else text


def pieces(rows: Iterable[dict], columns: list[str], fmt: str) -> Iterator[str]:
    """The text of an export, one piece per row (plus any header or closing bracket)."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")

        def line(cells) -> str:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(cells)
            return buffer.getvalue()

        yield "\ufeff" + line(columns)  # the mark makes spreadsheets read the file as UTF-8
        for row in rows:
            yield line([csv_cell(row[column]) for column in columns])
    elif fmt == "jsonl":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False, default=plain) + "\n"
    elif fmt == "json":
        first = True
        for row in rows:
            yield ("[\n" if first else ",\n") + json.dumps(row, ensure_ascii=False, default=plain)
            first = False
        yield "[]\n" if first else "\n]\n"
    else:
        raise ValueError(f"unknown format {fmt!r}")


def counted(rows: Iterable[dict], on_row: Callable[[int], None]) -> Iterator[dict]:
    count = 0
    for row in rows:
        yield row
        count += 1
        on_row(count)


def write(
    rows: Iterable[dict],
    columns: list[str],
    out: TextIO,
    fmt: str,
    on_row: Callable[[int], None] = lambda count: None,
) -> int:
    """Write every row in `fmt`; return how many were written."""
    count = 0

    def seen(number: int) -> None:
        nonlocal count
        count = number
        on_row(number)

    for piece in pieces(counted(rows, seen), columns, fmt):
        out.write(piece)
    return count


def chunks(rows: Iterable[dict], columns: list[str], fmt: str, size: int = 64 * 1024):
    """UTF-8 bytes of an export in chunks of about `size`, for a streamed response."""
    buffered: list[str] = []
    length = 0
    for piece in pieces(rows, columns, fmt):
        buffered.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffered).encode("utf-8")
            buffered, length = [], 0
    if buffered:
        yield "".join(buffered).encode("utf-8")
