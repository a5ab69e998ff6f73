"""Writing export rows as CSV, JSON or JSON Lines, one row at a time, and reading them back."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from itertools import repeat
from json.encoder import c_make_encoder, encode_basestring, encode_basestring_ascii
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
_INTEGERS = frozenset((int, NoneType))
_TEXTS = frozenset((str, NoneType))
_CONTAINERS = frozenset((dict, list))
# What makes the csv module quote a cell (QUOTE_MINIMAL, lines ending in \r\n).
_CSV_SPECIAL = (",", '"', "\r", "\n")
_needs_csv_quotes = re.compile(r'[,"\r\n]').search


def json_encoder(encoder: json.JSONEncoder) -> Callable[[object], str]:
    """encoder.encode: the same text, without the Python it runs for every value to build its
    C encoder (which costs more than encoding a row of an export).

    The C encoder keeps state while it encodes (the containers it is inside, to refuse
    cycles), so each caller makes its own, for one export or one batch.
    """
    # The json module has no public way to keep its C encoder between calls: made here once.
    if c_make_encoder is None or encoder.indent is not None:
        return encoder.encode
    encode_text = encode_basestring_ascii if encoder.ensure_ascii else encode_basestring
    encode_value = c_make_encoder(
        {} if encoder.check_circular else None,
        encoder.default,
        encode_text,
        encoder.indent,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )

    def encode(value) -> str:
        if isinstance(value, str):
            return encode_text(value)
        return "".join(encode_value(value, 0))

    return encode


# JSON in a CSV cell: keys sorted, so that equal values make equal cells.
_JSON_CELL = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _json_cell(value) -> str:
    return json_encoder(_JSON_CELL)(value)


_scan_json = json.JSONDecoder().scan_once  # what json.loads runs, without its wrapping


def json_value(text):
    """The value JSON text holds, as json.loads gives it (the same value or the same error),
    at half its cost a call; None for None (SQL's null)."""
    if type(text) is str:
        try:
            value, end = _scan_json(text, 0)
        except (StopIteration, ValueError):
            pass  # json.loads says what is wrong, or skips whitespace before the value
        else:
            if end == len(text):  # or whitespace after it
                return value
    return None if text is None else json.loads(text)


class JSONRows(list):
    """A batch of rows whose values at `positions` are JSON text, written as the values the
    text holds.

    They are decoded only as each is written: a whole batch of decoded values lives long
    enough for the garbage collector to walk every object of the process, again and again.
    """

    __slots__ = ("positions",)

    def __init__(self, rows: Iterable[Sequence], positions: Sequence[int]) -> None:
        super().__init__(rows)
        self.positions = tuple(positions)


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
    """The cells of one column of a batch as csv_cell makes them."""
    return [csv_cell(value) for value in values]


def _decoded(rows: Sequence[Sequence]) -> Iterable[Sequence]:
    """Rows with their JSON text (see `JSONRows`) decoded, one row at a time."""
    positions = getattr(rows, "positions", ())
    return (_decoded_row(row, positions) for row in rows) if positions else rows


def _decoded_row(row: Sequence, positions: Sequence[int]) -> list:
    values = list(row)
    for index in positions:
        values[index] = json_value(values[index])
    return values


def _csv_rows(rows: Sequence[Sequence]) -> Iterable[Sequence]:
    """Rows with their cells as csv_cell makes them, converted a column at a time."""
    return zip(*(_csv_column(values) for values in zip(*rows, strict=True)), strict=True)


def _csv_text_column(values: Sequence) -> list[str] | None:
    """The cells of one column of a batch as the csv module writes what csv_cell makes of
    them, or None where only the csv module should say (a NUL character).

    Numbers and text are recognised by their exact type and written as csv_cell would write
    them, the rest goes through csv_cell; a cell is then quoted as the csv module quotes it.
    """
    if values[0] is None and values.count(None) == len(values):  # no row fills it: common
        return [""] * len(values)
    kinds = set(map(type, values))
    if kinds <= _INTEGERS:
        if NoneType in kinds:
            return ["" if value is None else str(value) for value in values]
        return list(map(str, values))  # a number never starts a formula: kept as it is
    if kinds <= _TEXTS:
        if NoneType in kinds:
            values = ["" if value is None else value for value in values]
        if not _QUOTED_FIRST.isdisjoint(map(itemgetter(0), filter(None, values))):
            values = [QUOTE + text if text[:1] in _QUOTED_FIRST else text for text in values]
    elif kinds <= _CONTAINERS:
        values = list(map(json_encoder(_JSON_CELL), values))
    else:
        values = list(map(csv_cell, values))
    return _csv_quoted(values)


# JSON text that _JSON_CELL would write exactly as it stands, keys in order aside: an object of
# at most 64 members, each null, true, false, an integer of up to 18 digits, a string of
# printable ASCII other than " and \ (which no encoder escapes), or a list of those; with the
# json module's spacing and no other. Strings hold no ", so '": ' ends a key and only a key.
_SCALAR = r'(?:null|true|false|0|-?[1-9][0-9]{0,17}|"[ !#-\[\]-~]*")'
_MEMBER = rf'"[ !#-\[\]-~]*": (?:{_SCALAR}|\[(?:{_SCALAR}(?:, {_SCALAR})*)?\])'
_AS_WRITTEN = re.compile(rf"\{{(?:{_MEMBER}(?:, {_MEMBER}){{0,63}})?\}}").fullmatch
_KEY = re.compile(r'"([^"]*)": ')


def _json_cell_of_text(text) -> str:
    """csv_cell of the value JSON text holds: the text itself where it is already that cell."""
    if type(text) is str and _AS_WRITTEN(text):
        if text.count('": ') < 2:
            return text
        keys = _KEY.findall(text)
        if all(map(str.__lt__, keys, keys[1:])):  # in order, each once: as sort_keys writes
            return text
    value = json_value(text)
    return _json_cell(value) if type(value) is dict else csv_cell(value)


def _csv_json_column(texts: Sequence) -> list[str] | None:
    """The cells of a column of JSON text, as `_csv_text_column` makes those of the values."""
    return _csv_quoted(list(map(_json_cell_of_text, texts)))


def _csv_quoted(values: Sequence[str]) -> Sequence[str] | None:
    """Cells quoted as the csv module quotes them (or None: see `_csv_text_column`)."""
    text = "".join(values)
    if "\0" in text:
        return None  # the csv module's handling of NUL has changed between versions
    if any(special in text for special in _CSV_SPECIAL):
        return [
            '"' + cell.replace('"', '""') + '"' if _needs_csv_quotes(cell) else cell
            for cell in values
        ]
    return values


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
        """A column at a time: each column's cells are made and quoted together, and the
        lines joined from them; the csv module writes only what that cannot."""
        if not rows:
            return ""
        json_text = getattr(rows, "positions", ())
        if len(rows[0]) > 1:  # the csv module quotes a line that is one empty cell
            cells = []
            for index, values in enumerate(zip(*rows, strict=True)):
                column = (_csv_json_column if index in json_text else _csv_text_column)(values)
                if column is None:
                    break
                cells.append(column)
            else:
                return "\r\n".join(map(",".join, zip(*cells, strict=True))) + "\r\n"
        return self.text(_csv_rows(_decoded(rows)))


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
    encode = json_encoder(json.JSONEncoder(ensure_ascii=False, default=plain))
    separator = "\n" if fmt == "jsonl" else ",\n"
    texts = (
        separator.join(map(encode, map(dict, map(zip, repeat(columns), _decoded(rows)))))
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
