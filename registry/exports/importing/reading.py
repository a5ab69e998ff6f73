"""Reading an import file: its format, its text, and its numbered rows as dicts or problems."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from registry.exports.formats import FORMATS, QUOTE, uncsv_cell
from registry.exports.importing.reporting import ImportFileError, RowProblem

IMPORT_MAX_BYTES = 20 * 1024 * 1024


def format_of(filename: str, fmt: str | None) -> str:
    """The format given, or the one the file name's extension says."""
    if fmt:
        if fmt not in FORMATS:
            raise ImportFileError(f"Unknown format {fmt!r}: use csv, json or jsonl.")
        return fmt
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    by_extension = {"csv": "csv", "json": "json", "jsonl": "jsonl", "ndjson": "jsonl"}
    if extension not in by_extension:
        raise ImportFileError(
            f"Cannot tell the format of {filename!r} from its extension: name it .csv, .json "
            "or .jsonl, or give the format."
        )
    return by_extension[extension]


def decode(data: bytes, limit: int = IMPORT_MAX_BYTES) -> str:
    """The file's text; only UTF-8 (with or without a byte-order mark) is accepted."""
    if len(data) > limit:
        raise ImportFileError(
            f"The file is {len(data):,} bytes; imports take at most {limit:,} bytes. "
            "Split it into smaller files."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError("The file is UTF-16 text; save it as UTF-8 and try again.")
    if b"\x00" in data:
        raise ImportFileError("The file holds NUL bytes: it is not a text file. Nothing was read.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {error.start} cannot be read; Latin-1 or another "
            "encoding?): save it as UTF-8 and try again."
        ) from error
    return text.removeprefix("\ufeff")


def read_rows(data: bytes, fmt: str) -> tuple[list[str], list[tuple[int, Any]]]:
    """The columns seen and the numbered records of a file; records are dicts or problems."""
    text = decode(data)
    if not text.strip() and fmt != "jsonl":  # an empty JSON Lines file is an empty export
        raise ImportFileError("The file is empty.")
    if fmt == "csv":
        return _read_csv(text)
    if fmt == "json":
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFileError(
                f"Not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}."
            ) from error
        if not isinstance(records, list):
            raise ImportFileError("A JSON import is a list of objects, as the JSON export writes.")
        numbered = list(enumerate(records, start=1))
    elif fmt == "jsonl":
        numbered = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                numbered.append((number, json.loads(line)))
            except json.JSONDecodeError as error:
                numbered.append((number, RowProblem("", f"Not valid JSON: {error.msg}.")))
    else:
        raise ImportFileError(f"Unknown format {fmt!r}: use csv, json or jsonl.")
    columns: list[str] = []
    rows: list[tuple[int, Any]] = []
    for number, record in numbered:
        if isinstance(record, RowProblem):
            rows.append((number, record))
        elif not isinstance(record, dict):
            rows.append((number, RowProblem("", "Expected an object of fields.")))
        else:
            for key in record:
                if key not in columns:
                    columns.append(str(key))
            rows.append((number, record))
    return columns, rows


def _read_csv(text: str) -> tuple[list[str], list[tuple[int, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        if len(set(header)) != len(header):
            repeated = sorted({name for name in header if header.count(name) > 1})
            raise ImportFileError(f"The header names a column twice: {', '.join(repeated)}.")
        rows: list[tuple[int, Any]] = []
        number = 0
        width = len(header)
        # Without a formula quote anywhere, a cell's value is the cell, or null if empty.
        value_of = uncsv_cell if QUOTE in text else _cell_or_null
        for cells in reader:
            if not cells:
                continue  # a blank line
            number += 1
            if len(cells) != width:
                problem = f"Has {len(cells)} cells; the header has {width} columns."
                rows.append((number, RowProblem("", problem)))
                continue
            rows.append((number, dict(zip(header, map(value_of, cells), strict=True))))
    except csv.Error as error:
        raise ImportFileError(f"Not valid CSV near row {reader.line_num}: {error}.") from error
    return header, rows


def _cell_or_null(cell: str) -> str | None:
    return cell or None
