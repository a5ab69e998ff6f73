"""The writers of exports: every CSV cell exactly as csv_cell makes it, every JSON row as the
json module writes it, whatever the batch."""

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.core.enums import Classification
from registry.exports import formats
from registry.exports.formats import JSONRows, csv_cell, json_encoder, json_value, pieces, plain

FIRST = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'", '"', ",", "\n", "\0", "a", ""])
TEXT = st.tuples(FIRST, st.text(max_size=3), FIRST).map("".join)
# What the database gives: most batches hold only these.
PLAIN = st.one_of(st.none(), TEXT, st.integers(), st.floats(allow_nan=False), st.booleans())
OTHER = st.one_of(
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from(list(Classification)),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT, st.text(max_size=4)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.one_of(TEXT, st.text()), inner, max_size=3)
    ),
    max_leaves=6,
)
# JSON as a database may hold it: written by anyone, with or without spaces, escapes, order.
JSON_TEXT = st.builds(
    lambda value, before, after, options: before + json.dumps(value, **options) + after,
    JSON,
    st.sampled_from(["", " ", "\n"]),
    st.sampled_from(["", " \t"]),
    st.fixed_dictionaries(
        {
            "ensure_ascii": st.booleans(),
            "sort_keys": st.booleans(),
            "separators": st.sampled_from([None, (",", ":"), (" ,", " : ")]),
            "indent": st.sampled_from([None, 1]),
        }
    ),
)
# Objects as the audit trail stores them, mostly: flat, ASCII, keys in any order.
ASCII = st.text(st.characters(min_codepoint=0x1F, max_codepoint=0x7F), max_size=4)
FLAT = st.one_of(st.none(), st.booleans(), st.integers(), ASCII)
FLAT_JSON_TEXT = st.builds(
    lambda value, sort_keys: json.dumps(value, sort_keys=sort_keys),
    st.dictionaries(ASCII, st.one_of(FLAT, st.lists(FLAT, max_size=3)), max_size=4),
    st.booleans(),
)
# What one column of a batch holds: mostly values of one kind, as a database gives them.
COLUMN = st.sampled_from(
    [
        st.integers(),
        st.one_of(st.none(), st.integers()),
        st.none(),
        TEXT,
        st.one_of(st.none(), TEXT),
        st.text(max_size=5),
        st.one_of(st.none(), st.floats()),
        st.booleans(),
        JSON,
        st.one_of(st.none(), st.integers(), TEXT),
        st.one_of(PLAIN, OTHER),
    ]
)


def one_cell_at_a_time(batches, columns) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for rows in batches:
        writer.writerows([csv_cell(value) for value in row] for row in rows)
    return "\ufeff" + out.getvalue()


def as_json(batches, columns, fmt) -> str:
    """What an export in JSON or JSON Lines is: one object a row, encoded by the json module."""
    lines = [
        json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=plain)
        for rows in batches
        for row in rows
    ]
    if fmt == "jsonl":
        return "".join(line + "\n" for line in lines)
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


@st.composite
def batches(draw) -> tuple[list[str], list[list[tuple]]]:
    width = draw(st.integers(1, 3))
    values = draw(st.sampled_from([PLAIN, st.one_of(PLAIN, OTHER)]))
    rows = st.lists(st.tuples(*[values] * width), max_size=4)
    return [f"c{index}" for index in range(width)], draw(st.lists(rows, min_size=1, max_size=3))


@st.composite
def column_batches(draw) -> tuple[list[str], list[list[tuple]]]:
    """Batches whose every column holds values of one kind (or a few)."""
    kinds = draw(st.lists(COLUMN, min_size=1, max_size=4))
    sizes = draw(st.lists(st.integers(0, 5), min_size=1, max_size=3))
    rows = st.tuples(*kinds)
    return [f"c{index}" for index in range(len(kinds))], [
        [draw(rows) for _ in range(size)] for size in sizes
    ]


@given(st.one_of(batches(), column_batches()))
def test_csv_batches_are_written_as_csv_cell_makes_each_cell(example):
    columns, rows = example
    assert "".join(pieces(rows, columns, "csv")) == one_cell_at_a_time(rows, columns)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@given(example=st.one_of(batches(), column_batches()))
def test_json_batches_are_written_as_the_json_module_writes_each_row(fmt, example):
    columns, rows = example
    assert "".join(pieces(rows, columns, fmt)) == as_json(rows, columns, fmt)


@st.composite
def json_text_batches(draw) -> tuple[list[str], list[list[tuple]], list[int]]:
    """Batches with columns of JSON text (or null) among others."""
    columns, batches = draw(column_batches())
    positions = draw(st.sets(st.integers(0, len(columns) - 1), min_size=1))
    text = st.one_of(st.none(), JSON_TEXT, FLAT_JSON_TEXT)
    batches = [
        [
            tuple(draw(text) if index in positions else value for index, value in enumerate(row))
            for row in rows
        ]
        for rows in batches
    ]
    return columns, batches, sorted(positions)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
@given(example=json_text_batches())
def test_json_text_is_written_as_the_value_it_holds(fmt, example):
    columns, batches, positions = example
    decoded = [
        [
            tuple(
                json.loads(value) if index in positions and value is not None else value
                for index, value in enumerate(row)
            )
            for row in rows
        ]
        for rows in batches
    ]
    expected = (
        one_cell_at_a_time(decoded, columns) if fmt == "csv" else as_json(decoded, columns, fmt)
    )
    assert (
        "".join(pieces([JSONRows(rows, positions) for rows in batches], columns, fmt)) == expected
    )


@given(st.one_of(FLAT_JSON_TEXT, JSON_TEXT))
def test_json_text_is_a_csv_cell_as_csv_cell_makes_one_of_its_value(text):
    assert formats._json_cell_of_text(text) == csv_cell(json.loads(text))


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        '{"a": 1}',
        '{"a": -0}',
        '{"a": 01}',
        '{"a": 1.0}',
        '{"a": 1e3}',
        '{"a": 12345678901234567890123}',
        '{"b": 1, "a": 2}',
        '{"a": 1, "a": 2}',
        '{"a": 1, "b": [null, "x"], "c": true}',
        '{"a":1}',
        '{"a" : 1}',
        '{"a": [1,2]}',
        '{"a": "\\u00e9"}',
        '{"a": "\\"q\\""}',
        '{"\\u00e9": 1, "a": 2}',
        '{"a": {"b": 1}}',
        '{"k": "v", "a": "x\\": "}',
        " {}",
        "[]",
        '"=1+1"',
        "null",
    ],
)
def test_json_text_written_as_it_stands_only_where_that_is_the_cell(text):
    try:
        expected = csv_cell(json.loads(text))
    except ValueError as error:  # not JSON: refused alike
        with pytest.raises(type(error), match=re.escape(str(error))):
            formats._json_cell_of_text(text)
    else:
        assert formats._json_cell_of_text(text) == expected


@given(st.one_of(JSON_TEXT, st.text(max_size=8), st.sampled_from(["", " ", "{", "[1,", "1 2"])))
def test_json_value_is_what_json_loads_gives(text):
    try:
        expected = json.loads(text)
    except ValueError as error:
        with pytest.raises(type(error)) as raised:
            json_value(text)
        assert str(raised.value) == str(error)
    else:
        assert repr(json_value(text)) == repr(expected)  # repr: NaN is not equal to itself


def test_json_value_of_null_and_of_what_is_not_text():
    assert json_value(None) is None
    assert json_value(b'{"a": 1}') == {"a": 1}
    with pytest.raises(TypeError):
        json_value(5)  # as json.loads: a number stored where JSON text belongs is refused


@given(
    st.one_of(JSON, OTHER, st.lists(OTHER, max_size=2)),
    st.booleans(),
    st.booleans(),
)
def test_json_encoder_writes_what_the_encoders_encode_writes(value, ensure_ascii, sort_keys):
    encoder = json.JSONEncoder(ensure_ascii=ensure_ascii, sort_keys=sort_keys, default=plain)
    assert json_encoder(encoder)(value) == encoder.encode(value)


def test_json_encoder_refuses_what_the_encoder_refuses():
    encode = json_encoder(json.JSONEncoder())
    circular: list = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular reference"):
        encode(circular)
    with pytest.raises(TypeError, match="not JSON serializable"):
        encode({"when": date(2024, 1, 1)})


def test_text_that_starts_like_a_formula_is_quoted_wherever_it_is():
    def lines(*rows) -> list[str]:
        return "".join(pieces([rows], ["n", "a", "b"], "csv")).split("\r\n")[1:-1]

    assert lines((1, "plain", None), (-2, "a\n+b", "x,=y")) == ["1,plain,", '-2,"a\n+b","x,=y"']
    assert lines((1, "plain", "\rcr")) == ['1,plain,"\'\rcr"']
    assert lines((1, "=SUM(A1)", "\ttab"), (2, "'q", "@at")) == ["1,'=SUM(A1),'\ttab", "2,''q,'@at"]
    values = [date(2024, 3, 7), datetime(2024, 3, 7, 9, 30, tzinfo=UTC), Decimal("1.50")]
    assert "".join(pieces([[tuple(values)]], ["d", "t", "m"], "csv")).splitlines()[1] == (
        "2024-03-07,2024-03-07T09:30:00+00:00,1.5"
    )


def test_a_nul_character_is_left_to_the_csv_module(monkeypatch):
    written = []
    monkeypatch.setattr(formats, "_csv_rows", lambda rows: written.append(rows) or [])
    "".join(pieces([[(1, "a\0b"), (2, "c")]], ["n", "t"], "csv"))
    assert written  # its handling of NUL has changed between Python versions


def test_a_batch_of_numbers_and_plain_text_is_written_as_it_is(monkeypatch):
    def no_conversion(rows):
        raise AssertionError("converted")

    monkeypatch.setattr(formats, "_csv_rows", no_conversion)
    rows = [(1, "AGR-1", None, "2024-03-07T09:30:00+00:00", None), (2, "x", 3.5, "", None)]
    assert "".join(pieces([rows], list("abcde"), "csv")).endswith(",\r\n2,x,3.5,,\r\n")
