"""`registry export`: every entity in CSV, JSON and JSON Lines, streamed and clearance-limited."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, Text, cast, insert, literal, select

from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction, Classification
from registry.exports import tables
from registry.exports.formats import csv_cell, plain
from registry.exports.tables import export_names, export_table, stream_batches
from registry.extensions import db

# The stored exports, as the design names them; `deadlines` is derived.
STORED = (
    "parties",
    "agreements",
    "treaty_actions",
    "obligations",
    "measurements",
    "oversight_bodies",
    "authorization_rules",
    "authorizations",
    "reviews",
    "audit_events",
)


def export(app, *args):
    return app.test_cli_runner().invoke(args=["export", *args])


def parse(output: str, fmt: str) -> list[dict]:
    if fmt == "csv":
        assert output.startswith("\ufeff")
        return list(csv.DictReader(io.StringIO(output.removeprefix("\ufeff"))))
    if fmt == "json":
        return json.loads(output)
    return [json.loads(line) for line in output.splitlines()]


def test_every_described_export_and_the_deadlines_can_be_exported(app):
    assert sorted(export_names()) == sorted([*STORED, "deadlines"])
    result = export(app, "users")
    assert result.exit_code == 2
    assert "'users' is not one of 'agreements', 'audit_events'," in result.output


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_every_entity_exports_in_every_format(app, loaded_fixtures, fmt):
    for entity in STORED:
        query = export_table(entity, Classification.SECRET).query
        expected = [str(row[0]) for row in db.session.execute(query)]
        result = export(app, entity, "--format", fmt, "--clearance", "secret")
        assert result.exit_code == 0, (entity, result.output)
        assert [str(row["id"]) for row in parse(result.output, fmt)] == expected, entity


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_deadlines_export_matches_the_derived_deadlines(app, loaded_fixtures, fmt):
    from datetime import date

    from registry.deadlines.queries import find_deadlines

    today = date.today()
    expected = find_deadlines(
        Classification.PUBLIC,
        today.replace(year=today.year - 5),
        today.replace(year=today.year + 5),
        today=today,
    )
    rows = parse(export(app, "deadlines", "--format", fmt).output, fmt)
    assert [row["key"] for row in rows] == [deadline.uid for deadline in expected]
    assert {row["kind"] for row in rows} >= {"review_due"}
    bounded = parse(
        export(
            app, "deadlines", "--format", fmt, "--since", "2030-01-01", "--until", "2030-12-31"
        ).output,
        fmt,
    )
    assert bounded and all(row["due_on"].startswith("2030-") for row in bounded)


def straightforward(entity: str, clearance: str, fmt: str) -> str:
    """An export as the plain rendering of SQLAlchemy's rows writes it: JSON decoded by
    json.loads, each CSV cell made by csv_cell and written by the csv module, each JSON row
    encoded by the json module."""
    table = export_table(entity, Classification(clearance))
    decode = [isinstance(table.sources[name].type, JSON) for name in table.columns]
    rows = [
        [
            json.loads(value) if is_json else value
            for value, is_json in zip(row, decode, strict=True)
        ]
        for row in db.session.execute(table.query)
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(table.columns)
        writer.writerows([csv_cell(value) for value in row] for row in rows)
        return "\ufeff" + out.getvalue()
    lines = [
        json.dumps(dict(zip(table.columns, row, strict=True)), ensure_ascii=False, default=plain)
        for row in rows
    ]
    if fmt == "jsonl":
        return "".join(line + "\n" for line in lines)
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


# The audit trail's changes as anyone may have stored them: keys in any order, escaped or
# raw non-ASCII, spaces, nesting, floats, repeated keys, values that are no object.
STORED_CHANGES = [
    '{"b": 1, "a": "\u00e9t\u00e9"}',
    '{"title": [null, "Trait\\u00e9 de Paris"]}',
    '{"a": "=1+1", "n": -0, "z": [null, "-x"]}',
    '{"x": {"nested": [1, 2.50, true, 1e3]}}',
    ' {"spaced" : 1} ',
    '[1, "two"]',
    '"=cmd|calc"',
    "{}",
    '{"rows": [null, 2]}',
    '{"format": [null, "csv"], "rows": [null, 2]}',
    '{"a": 1, "a": 2}',
]


@pytest.fixture
def awkward_records(app, loaded_fixtures, make_party, make_agreement, make_action):
    """Records whose every kind of value an export must write exactly."""
    from registry.obligations.services import measurements, obligations

    from support import ACTOR

    party = make_party(name='=HYPERLINK("http://evil.example")', short_name="-2+3", iso3="EVL")
    agreement = make_agreement(
        title='Treaty of "Quotes", Commas\nand Lines — été', classification="restricted"
    )
    make_action(agreement, party, "signature", "2001-02-03", source="@SUM(A1)\r\n'x'")
    obligation = obligations.create(
        ACTOR,
        {
            "agreement_id": agreement.id,
            "title": "+Report, annually",
            "kind": "reporting",
            "due_on": "2030-01-01",
            "target_value": "1.50",
            "target_unit": "%",
        },
    )
    measurements.create(
        ACTOR,
        {
            "obligation_id": obligation.id,
            "party_id": party.id,
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "value": "-2.5000",
            "unit": "%",
            "is_estimate": True,
            "source": "\tTabbed",
        },
    )
    postgresql = db.engine.dialect.name == "postgresql"
    for number, text in enumerate(STORED_CHANGES):
        stored = literal(text, Text)
        db.session.execute(
            insert(AuditEvent).values(
                occurred_at=datetime(2024, 1, 1, 12, 0, number, number * 1000, tzinfo=UTC),
                actor_label="=someone",
                action=AuditAction.UPDATE,
                entity_type="agreements",
                entity_id=agreement.id,
                entity_label='AGR, "quoted"',
                changes=cast(stored, JSON) if postgresql else stored,
                reason=None if number % 2 else "-because",
                prev_hash=f"prev-{number}",
                hash=f"hash-{number}",
            )
        )
    db.session.commit()


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
@pytest.mark.parametrize("clearance", ["public", "secret"])
def test_every_export_is_the_plain_rendering_of_its_rows(app, awkward_records, fmt, clearance):
    for entity in STORED:
        expected = straightforward(entity, clearance, fmt)
        result = export(app, entity, "--format", fmt, "--clearance", clearance)
        assert result.exit_code == 0, (entity, result.output)
        assert result.stdout_bytes == expected.encode("utf-8"), entity


def test_references_carry_natural_keys(app, loaded_fixtures):
    rows = parse(export(app, "treaty_actions", "--format", "jsonl").output, "jsonl")
    [sweden_joins_nato] = [
        row
        for row in rows
        if row["party_iso3"] == "SWE" and row["agreement_reference"] == "AGR-1949-0001"
    ]
    assert sweden_joins_nato["party_name"] == "Sweden"
    assert sweden_joins_nato["kind"] == "accession"
    assert sweden_joins_nato["effective_on"] == "2024-03-07"
    users = parse(export(app, "audit_events", "--format", "json").output, "json")
    assert "password_hash" not in json.dumps(users)


def test_exports_stay_within_the_clearance(app, make_agreement, make_party, make_action):
    hidden = make_agreement(title="Hidden Accord", classification="secret")
    make_agreement(title="Open Accord")
    make_action(hidden, make_party(iso3="HID"), "signature", "2001-01-01")
    db.session.commit()
    public = export(app, "agreements").output
    assert "Open Accord" in public and "Hidden Accord" not in public
    assert "HID" not in export(app, "treaty_actions").output
    assert "Hidden Accord" not in export(app, "audit_events").output
    assert "Hidden Accord" in export(app, "agreements", "--clearance", "secret").output


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_dates_timestamps_and_enums_keep_their_exact_text(
    app, make_agreement, make_party, make_action, fmt
):
    action = make_action(make_agreement(), make_party(), "accession", "2024-03-07", "2024-02-06")
    action.created_at = datetime(2024, 3, 7, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    action.updated_at = datetime(2024, 3, 8, 10, 15, 30, 250, tzinfo=UTC)
    db.session.commit()
    [row] = parse(export(app, "treaty_actions", "--format", fmt).output, fmt)
    assert row["created_at"] == "2024-03-07T09:30:00+00:00"  # no fraction when it is zero
    assert row["updated_at"] == "2024-03-08T10:15:30.000250+00:00"
    assert row["archived_at"] in ("", None)
    assert (row["effective_on"], row["deposited_on"]) == ("2024-03-07", "2024-02-06")
    assert row["kind"] == "accession"


def test_csv_neutralises_formulas_and_keeps_numbers(app, make_party):
    make_party(name='=HYPERLINK("http://evil.example")', short_name="-2+3", iso3="EVL")
    db.session.commit()
    [row] = parse(export(app, "parties").output, "csv")
    assert row["name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["short_name"] == "'-2+3"
    assert row["id"] == "1"


def test_rows_are_read_in_batches_by_key(app, make_party, monkeypatch):
    for number in range(7):
        make_party(name=f"Party {number}")
    db.session.commit()
    monkeypatch.setattr(tables, "BATCH", 3)
    statements = []

    from sqlalchemy import event

    def count(conn, cursor, statement, *args):
        if "FROM parties" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        table = export_table("parties", Classification.PUBLIC)
        name = table.columns.index("name")
        names = [row[name] for rows in stream_batches(table) for row in rows]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert names == [f"Party {number}" for number in range(7)]
    assert len(statements) == 3  # 3 + 3 + 1 rows
    assert all("parties.id >" in statement for statement in statements)  # by key, not offset


def test_each_export_is_an_audit_event(app, make_party):
    make_party()
    make_party()
    db.session.commit()
    assert export(app, "parties", "--format", "json").exit_code == 0
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)
    ).one()
    assert event.entity_type == "parties"
    assert event.changes == {"rows": [None, 2]}
    assert "format=json" in event.reason and "clearance=public" in event.reason


def test_since_and_until_select_by_creation_date(app, make_party):
    make_party()
    db.session.commit()
    assert len(parse(export(app, "parties", "--since", "2000-01-01").output, "csv")) == 1
    assert parse(export(app, "parties", "--until", "2000-01-01").output, "csv") == []


def test_output_to_a_file(app, make_party, tmp_path):
    make_party(name="Ruritania")
    db.session.commit()
    target = tmp_path / "parties.jsonl"
    assert export(app, "parties", "--format", "jsonl", "--output", str(target)).exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["name"] == "Ruritania"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["users"], "Invalid value for '{"),
        (["parties", "--format", "xml"], "Invalid value for '--format'"),
        (["parties", "--since", "last week"], "YYYY-MM-DD"),
        (["parties", "--clearance", "cosmic"], "Invalid value for '--clearance'"),
    ],
)
def test_bad_options_are_refused_without_an_export_event(app, args, expected):
    result = export(app, *args)
    assert result.exit_code == 2
    assert expected.split("{")[0] in result.output
    assert db.session.scalars(select(AuditEvent)).all() == []
