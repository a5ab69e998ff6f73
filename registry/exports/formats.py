"""Writing export rows as CSV, JSON or JSON Lines, one row at a time, and reading them back."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from itertools import chain, repeat
from operator import itemgetter
from types import NoneType
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
# Values the csv module writes exactly as csv_cell would (None too: as empty).
_NUMBERS = frozenset((int, float, bool))
# Values it writes as csv_cell would unless they are text that starts like a formula, which
# shows in its output as a cell starting so: after a comma or a line's end, after the opening
# quote if the cell is quoted (as it always is when it holds a carriage return).
_PLAIN = frozenset((*_NUMBERS, str, NoneType))
_FORMULA_CELL = re.compile(r"""[,\n](?:"?[=+\-@\t']|"\r)""")
_json_cell = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


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
        return _json_cell(value)
    if isinstance(value, str) and value.startswith((*FORMULA_PREFIXES, QUOTE)):
        return QUOTE + value
    return str(plain(value))


def uncsv_cell(text: str) -> str | None:
    """The value a CSV cell was written from: empty is null, the formula quote removed."""
    if text == "":
        return None
    return text[1:] if text.startswith(QUOTE) else text


def as_rows(records: Iterable[dict], columns: list[str]) -> list[tuple]:
    """Records held as dicts (a report's lines) as one batch of export rows."""
    return [tuple(record[column] for column in columns) for record in records]


def _csv_column(values: Sequence) -> Sequence:
    """The cells of one column of a batch: text is quoted against formulas, numbers kept."""
    kinds = set(map(type, values))
    kinds.discard(NoneType)
    if kinds <= _NUMBERS:
        return values
    if kinds == {str} and _QUOTED_FIRST.isdisjoint(map(itemgetter(0), filter(None, values))):
        return values
    return [csv_cell(value) for value in values]


def _csv_rows(rows: Sequence[Sequence]) -> Iterable[Sequence]:
    """Rows with their cells as csv_cell makes them, converted a column at a time."""
    return zip(*(_csv_column(values) for values in zip(*rows, strict=True)), strict=True)


class _CSVLines:
    """CSV text a batch of rows at a time, every cell as csv_cell makes it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.write = self.lines.append  # what the writer calls, once a line
        self.writer = csv.writer(self, lineterminator="\r\n")

    def text(self, rows: Iterable[Sequence]) -> str:
        self.writer.writerows(rows)
        text = "".join(self.lines)
        self.lines.clear()
        return text

    def batch(self, rows: Sequence[Sequence]) -> str:
        """Most batches hold only numbers and text that no spreadsheet would run: those are
        written as they are, and the others converted first."""
        if set(map(type, chain.from_iterable(rows))) <= _PLAIN:
            text = self.text(rows)
            if not _FORMULA_CELL.search("\n" + text):  # the text starts a line
                return text
        return self.text(_csv_rows(rows))


def pieces(batches: Iterable[Sequence[Sequence]], columns: list[str], fmt: str) -> Iterator[str]:
    """The text of an export, one piece per batch of rows (plus any header or closing bracket).

    Each row holds its values in the order of `columns`.
    """
    if fmt == "csv":
        lines = _CSVLines()
        yield "\ufeff" + lines.text([columns])  # the mark makes spreadsheets read it as UTF-8
        for rows in batches:
            yield lines.batch(rows)
        return
    if fmt not in ("json", "jsonl"):
        raise ValueError(f"unknown format {fmt!r}")
    encode = json.JSONEncoder(ensure_ascii=False, default=plain).encode
    separator = "\n" if fmt == "jsonl" else ",\n"
    texts = (
        separator.join(map(encode, map(dict, map(zip, repeat(columns), rows))))
        for rows in batches
        if rows
    )
    if fmt == "jsonl":
        for text in texts:
            yield text + "\n"
        return
    first = next(texts, None)
    if first is None:
        yield "[]\n"
        return
    yield "[\n" + first
    for text in texts:
        yield ",\n" + text
    yield "\n]\n"


def write(
    batches: Iterable[Sequence[Sequence]],
    columns: list[str],
    out: TextIO,
    fmt: str,
    on_row: Callable[[int], None] = lambda count: None,
) -> int:
    """Write every row in `fmt`; return how many were written."""
    count = 0

    def counted() -> Iterator[Sequence[Sequence]]:
        nonlocal count
        for rows in batches:
            yield rows
            count += len(rows)
            on_row(count)

    for piece in pieces(counted(), columns, fmt):
        out.write(piece)
    return count


def chunks(
    batches: Iterable[Sequence[Sequence]], columns: list[str], fmt: str, size: int = 64 * 1024
):
    """UTF-8 bytes of an export in chunks of about `size`, for a streamed response."""
    buffered: list[str] = []
    length = 0
    for piece in pieces(batches, columns, fmt):
        buffered.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffered).encode("utf-8")
            buffered, length = [], 0
    if buffered:
        yield "".join(buffered).encode("utf-8")
