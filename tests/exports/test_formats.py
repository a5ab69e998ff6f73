"""The CSV writer of exports: every cell exactly as csv_cell makes it, whatever the batch."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from registry.core.enums import Classification
from registry.exports import formats
from registry.exports.formats import csv_cell, pieces

FIRST = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'", '"', ",", "\n", "a", ""])
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


def one_cell_at_a_time(batches, columns) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for rows in batches:
        writer.writerows([csv_cell(value) for value in row] for row in rows)
    return "\ufeff" + out.getvalue()


@st.composite
def batches(draw) -> tuple[list[str], list[list[tuple]]]:
    width = draw(st.integers(1, 3))
    values = draw(st.sampled_from([PLAIN, st.one_of(PLAIN, OTHER)]))
    rows = st.lists(st.tuples(*[values] * width), max_size=4)
    return [f"c{index}" for index in range(width)], draw(st.lists(rows, min_size=1, max_size=3))


@given(batches())
def test_csv_batches_are_written_as_csv_cell_makes_each_cell(example):
    columns, rows = example
    assert "".join(pieces(rows, columns, "csv")) == one_cell_at_a_time(rows, columns)


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


def test_a_batch_of_numbers_and_plain_text_is_written_as_it_is(monkeypatch):
    def no_conversion(rows):
        raise AssertionError("converted")

    monkeypatch.setattr(formats, "_csv_rows", no_conversion)
    rows = [(1, "AGR-1", None, "2024-03-07T09:30:00+00:00", None), (2, "x", 3.5, "", None)]
    assert "".join(pieces([rows], list("abcde"), "csv")).endswith(",\r\n2,x,3.5,,\r\n")
