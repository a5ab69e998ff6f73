"""Loading many rows with one schema gives exactly what `schema.load` gives, row by row.

The loader looks up cells it has loaded before instead of loading them again; a row with a
problem is loaded by marshmallow itself. Whatever the rows, valid or hostile, the values (in
their order, which the audit trail keeps) and the errors must be marshmallow's own.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

import registry.entities  # noqa: F401 - every entity described, for the parameters
from registry.agreements.schemas import AgreementSchema, TreatyActionSchema
from registry.core.entities import entity as described
from registry.core.schemas import Choice, Day, Period, Ref, RowLoader, WholeNumber
from registry.exports.importing import importable
from registry.extensions import db

# Cells any field may be given: blanks, wrong types, look-alikes and hostile text.
ANY_CELL = [
    None,
    "",
    "   ",
    "x",
    " Treaty ",
    "é\u2013",
    "\x00",
    "a" * 300,
    0,
    1,
    -1,
    1.0,
    1.5,
    0.0,
    -0.0,
    True,
    False,
    2**40,
    [],
    ["1"],
    {},
    {"a": 1},
    "1",
    " 2 ",
    "82.5",
    "2020-01-01",
    "2020-1-1",
    "1799-12-31",
    "P5Y",
    "P0D",
    "public",
    "secret",
    "none",
    "AGR-2020-0001",
    "https://example.org/t",
    "javascript:alert(1)",
]


def cells_for(field, ids: list[int]) -> list:
    """Cells likely to be valid for this field, beside the ones any field may get."""
    if isinstance(field, Choice):
        return [member.value for member in field.enum]
    if isinstance(field, Day):
        return ["1949-04-04", "1949-08-24", "2001-12-31", "2199-01-01"]
    if isinstance(field, Period):
        return ["P1Y", "P3M", "P90D", "p20y"]
    if isinstance(field, Ref):
        return [*ids, *map(str, ids), 999_999]
    if isinstance(field, WholeNumber):
        return ["3", 7, "100", 100_000]
    return ["Some text", "Treaty of Testing"]


@st.composite
def rows(draw, schema, ids: list[int]):
    fields = schema.load_fields
    names = draw(st.lists(st.sampled_from(sorted(fields)), unique=True))
    row = {name: draw(st.sampled_from(cells_for(fields[name], ids) + ANY_CELL)) for name in names}
    if draw(st.integers(0, 9)) == 0:
        row["not_a_field"] = "x"
    return row


def outcome(load, row):
    """What loading gives: the values by repr (Decimal 0 and -0 are equal, yet stored apart)."""
    try:
        return "loaded", [(name, repr(value)) for name, value in load(row).items()]
    except ValidationError as error:
        return "refused", error.messages


@pytest.fixture
def stored_ids(make_agreement, make_party) -> list[int]:
    ids = [make_agreement().id, make_party().id, make_party().id]
    db.session.flush()
    return ids


@pytest.mark.parametrize("entity", sorted(importable()))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_many_rows_load_as_marshmallow_loads_each(entity, stored_ids, data):
    schema = described(entity).service.loader
    batch = data.draw(st.lists(rows(schema, stored_ids), min_size=1, max_size=12))
    loader = RowLoader(schema)  # one loader for the batch: later rows meet remembered cells
    for row in batch:
        assert outcome(loader.load, row) == outcome(schema.load, row), row


def test_a_valid_row_is_loaded_without_marshmallow_and_a_bad_one_by_it(stored_ids, monkeypatch):
    schema = TreatyActionSchema()
    loader = RowLoader(schema)
    agreement_id, party_id, _ = stored_ids
    row = {
        "agreement_id": str(agreement_id),
        "party_id": party_id,
        "kind": "ratification",
        "effective_on": "2001-12-31",
        "deposited_on": "",
    }
    calls = []
    monkeypatch.setattr(schema, "load", lambda data: calls.append(data) or {})
    loaded = loader.load(row)
    assert loaded["agreement_id"] == agreement_id and loaded["deposited_on"] is None
    assert calls == []
    loader.load({**row, "deposited_on": "2002-01-01"})  # takes effect before it is deposited
    assert len(calls) == 1


def test_a_schema_with_hooks_it_does_not_run_is_loaded_by_marshmallow():
    schema = described("parties").service.loader
    assert not RowLoader(schema)._quick  # its post_load upper-cases ISO3
    assert RowLoader(schema).load({"name": "X", "kind": "state", "iso3": "fra"})["iso3"] == "FRA"
    assert RowLoader(AgreementSchema())._quick


def test_equal_cells_of_different_types_load_as_their_own_type():
    """1, 1.0 and True are equal in Python; only the first two are a whole number."""
    schema = AgreementSchema()
    loader = RowLoader(schema)
    base = {
        "title": "T",
        "instrument_type": "alliance_defence_pact",
        "form": "bilateral",
        "legal_nature": "treaty",
        "region": "europe",
        "extension_term": "P5Y",
    }
    for cell in (1, 1.0, True, "1", 1):
        row = {**base, "extension_options_left": cell}
        assert outcome(loader.load, row) == outcome(schema.load, row), cell
    with pytest.raises(ValidationError, match="whole number"):
        loader.load({**base, "extension_options_left": True})


def test_zero_and_minus_zero_load_as_the_amounts_they_are(stored_ids, make_obligation):
    schema = described("measurements").service.loader
    loader = RowLoader(schema)
    row = {
        "obligation_id": make_obligation().id,
        "party_id": stored_ids[1],
        "period_start": "2020-01-01",
        "period_end": "2020-12-31",
        "unit": "warheads",
        "source": "Annual report",
    }
    loaded = [loader.load({**row, "value": cell})["value"] for cell in (0.0, -0.0, "0", "-0")]
    assert [str(value) for value in loaded] == ["0.0000", "-0.0000", "0.0000", "-0.0000"]
