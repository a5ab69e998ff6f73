"""`registry import`: the export formats read back, all or nothing, with a row-by-row report."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from registry.agreements.models import Agreement
from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction
from registry.exports import importing
from registry.exports.importing import importable, loading
from registry.extensions import db
from registry.parties.models import Party

from support import count_rows


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def export_all(app, folder, fmt) -> dict[str, bytes]:
    files = {}
    for entity in importable():
        path = folder / f"{entity}.{fmt}"
        result = run(
            app, "export", entity, "--format", fmt, "--clearance", "secret", "--output", str(path)
        )
        assert result.exit_code == 0, result.output
        files[entity] = path.read_bytes()
    return files


def empty_database():
    from conftest import _empty_tables

    db.session.rollback()
    db.session.remove()
    _empty_tables()


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_round_trip_into_an_empty_registry_gives_identical_files(
    app, loaded_fixtures, tmp_path, fmt
):
    (tmp_path / "first").mkdir()
    first = export_all(app, tmp_path / "first", fmt)
    assert len(first["treaty_actions"].splitlines()) > 100
    empty_database()
    assert count_rows(Agreement) == 0
    for entity in importable():  # in dependency order
        result = run(app, "import", entity, str(tmp_path / "first" / f"{entity}.{fmt}"))
        assert result.exit_code == 0, (entity, result.stderr)
    (tmp_path / "second").mkdir()
    second = export_all(app, tmp_path / "second", fmt)
    for entity in importable():
        assert second[entity] == first[entity], entity
    # A second import of the same files changes nothing, and writes no event.
    events = count_rows(AuditEvent)
    for entity in importable():
        result = run(app, "import", entity, str(tmp_path / "first" / f"{entity}.{fmt}"))
        assert result.exit_code == 0, result.stderr
        assert " 0 created, 0 updated" in result.stdout
    assert count_rows(AuditEvent) == events


def test_a_new_id_moves_the_sequence_past_imported_ids(app, tmp_path, make_party):
    path = tmp_path / "parties.json"
    path.write_text(json.dumps([{"id": 40, "name": "Freedonia", "kind": "state", "iso3": "FRE"}]))
    assert run(app, "import", "parties", str(path)).exit_code == 0
    db.session.commit()
    later = make_party(name="Sylvania", iso3="SYL")
    assert db.session.get(Party, 40).name == "Freedonia"
    assert later.id > 40


def test_one_bad_row_among_many_writes_nothing_and_is_reported(app, tmp_path, make_party):
    lines = ["name,kind,iso3"] + [f"State {n},state," for n in range(1, 60)]
    lines[37] = "State 37,kingdom,"  # row 37: no such kind
    path = tmp_path / "parties.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    events = count_rows(AuditEvent)
    result = run(app, "import", "parties", str(path))
    assert result.exit_code == 1
    assert "row 37, kind: Must be one of" in result.stderr
    assert "1 problem(s) in 1 of 59 rows; nothing was imported." in result.stderr
    assert count_rows(Party) == 0
    assert count_rows(AuditEvent) == events


def test_every_problem_names_its_row_and_field(app, tmp_path, make_agreement):
    make_agreement(reference="AGR-1949-0001")
    db.session.commit()
    path = tmp_path / "treaty_actions.csv"
    path.write_text(
        "agreement_reference,party_iso3,party_name,kind,effective_on\n"
        "AGR-1949-0001,ZZZ,,signature,1949-04-04\n"
        "AGR-2099-0001,,,signature,1949-04-04\n"
        ",,,signature,not a date\n",
        encoding="utf-8",
    )
    result = run(app, "import", "treaty_actions", str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "row 1, party_iso3: No party with ISO3 'ZZZ'." in lines
    assert "row 2, agreement_reference: No agreement with reference 'AGR-2099-0001'." in lines
    assert any(line.startswith("row 3, effective_on: Not a valid date") for line in lines)


def test_dry_run_says_what_would_change_and_writes_nothing(app, tmp_path, make_party):
    make_party(name="France", iso3="FRA", kind="state")
    db.session.commit()
    path = tmp_path / "parties.jsonl"
    path.write_text(
        '{"name": "France", "iso3": "FRA", "kind": "state", "short_name": "FR"}\n'
        '{"name": "Atlantis", "kind": "other"}\n',
        encoding="utf-8",
    )
    result = run(app, "import", "parties", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "row 1: would be updated: France" in result.stdout
    assert "row 2: would be created: Atlantis" in result.stdout
    assert "1 created, 1 updated, 0 unchanged" in result.stdout
    db.session.expire_all()
    assert count_rows(Party) == 1
    assert db.session.scalar(select(Party.short_name)) is None


HOSTILE_TEXT = [
    'Comma, "quotes" and\nnew lines',
    '=HYPERLINK("http://evil.example")',
    "+1-202-555",
    "-5 is not a number here",
    "@SUM(A1)",
    "'already quoted",
    "Договор о нераспространении ядерного оружия 核不扩散条约 معاهدة",
    "x" * 19999,
]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_hostile_text_round_trips_intact(app, make_agreement, tmp_path, fmt):
    for number, text in enumerate(HOSTILE_TEXT, start=1):
        make_agreement(reference=f"AGR-2001-{number:04d}", summary=text, title=f"T{number}")
    db.session.commit()
    first = tmp_path / f"agreements.{fmt}"
    run(
        app,
        "export",
        "agreements",
        "--format",
        fmt,
        "--clearance",
        "secret",
        "--output",
        str(first),
    )
    if fmt == "csv":
        assert "'=HYPERLINK" in first.read_text(encoding="utf-8")
    empty_database()
    result = run(app, "import", "agreements", str(first))
    assert result.exit_code == 0, result.stderr
    summaries = db.session.scalars(select(Agreement.summary).order_by(Agreement.id)).all()
    assert summaries == HOSTILE_TEXT


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        ("name,kind\nFrançais,state\n".encode("latin-1"), "is not UTF-8 text"),
        ("name,kind\nX,state\n".encode("utf-16"), "UTF-16"),
        (bytes(range(256)) * 4, "not a text file"),
        (b"name,kind,colour\nX,state,red\n", "Unknown column(s) for parties: colour"),
        (b"short_name,iso3\nX,XXX\n", "Missing column(s) every parties row needs: name, kind"),
        (b'name,kind\n"unterminated,state\n', "Not valid CSV"),
    ],
    ids=["empty", "latin-1", "utf-16", "binary", "extra-column", "missing-columns", "bad-csv"],
)
def test_unreadable_files_get_one_clear_line(app, tmp_path, content, message):
    path = tmp_path / "parties.csv"
    path.write_bytes(content)
    result = run(app, "import", "parties", str(path))
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert count_rows(Party) == 0


def test_rows_with_too_many_or_too_few_cells_are_reported(app, tmp_path):
    path = tmp_path / "parties.csv"
    path.write_text("name,kind\nA,state,extra\nB\nC,state\n", encoding="utf-8")
    result = run(app, "import", "parties", str(path))
    assert "row 1: Has 3 cells; the header has 2 columns." in result.stderr
    assert "row 2: Has 1 cells; the header has 2 columns." in result.stderr
    assert count_rows(Party) == 0


def test_json_rows_that_are_not_objects_or_hold_nested_values(app, tmp_path):
    path = tmp_path / "parties.json"
    path.write_text(json.dumps([["A", "state"], {"name": {"x": 1}, "kind": "state"}]))
    result = run(app, "import", "parties", str(path))
    assert "row 1: Expected an object of fields." in result.stderr
    assert "row 2, name: Expected a single value" in result.stderr


def test_a_too_long_field_is_reported_not_truncated(app, tmp_path):
    path = tmp_path / "parties.csv"
    path.write_text(f"name,kind\n{'N' * 201},state\n", encoding="utf-8")
    result = run(app, "import", "parties", str(path))
    assert "row 1, name: Longer than maximum length 200." in result.stderr


def test_huge_files_are_refused_before_reading(app, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "IMPORT_MAX_BYTES", 1000)
    path = tmp_path / "parties.csv"
    path.write_text("name,kind\n" + "A,state\n" * 200, encoding="utf-8")
    result = run(app, "import", "parties", str(path))
    assert result.exit_code == 1
    assert "imports take at most 1,000 bytes" in result.stderr


@pytest.mark.parametrize(
    ("entity", "message"),
    [
        ("deadlines", "Deadlines are derived from the records and cannot be imported"),
        ("audit_events", "Audit events are append-only and cannot be imported"),
        ("users", "Users are invited and managed by administrators, not imported."),
        ("treaties", "Unknown entity 'treaties': importable are parties, oversight_bodies"),
    ],
)
def test_derived_and_append_only_entities_are_not_importable(app, tmp_path, entity, message):
    path = tmp_path / "x.csv"
    path.write_text("id\n1\n", encoding="utf-8")
    result = run(app, "import", entity, str(path))
    assert result.exit_code == 1
    assert message in result.stderr


def test_duplicate_rows_and_unknown_extensions(app, tmp_path):
    path = tmp_path / "parties.csv"
    path.write_text("name,kind,iso3\nA,state,AAA\nB,state,aaa\n", encoding="utf-8")
    assert (
        "row 2: Stands for the same record as row 1."
        in run(app, "import", "parties", str(path)).stderr
    )
    other = tmp_path / "parties.txt"
    other.write_text("name,kind\nA,state\n", encoding="utf-8")
    assert "Cannot tell the format" in run(app, "import", "parties", str(other)).stderr
    assert run(app, "import", "parties", str(other), "--format", "csv").exit_code == 0


def test_imports_go_through_the_services_and_the_audit_trail(app, tmp_path, make_party):
    party = make_party(name="France", iso3="FRA", kind="state")
    db.session.commit()
    path = tmp_path / "parties.csv"
    path.write_text("name,kind,iso3,short_name\nFrance,state,fra,République\n", encoding="utf-8")
    result = run(app, "import", "parties", str(path))
    assert "0 created, 1 updated" in result.stdout
    db.session.expire_all()
    assert party.short_name == "République"
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == AuditAction.UPDATE
    assert event.changes == {"short_name": [None, "République"]}
    assert event.reason == "Imported from parties.csv"


def test_archived_records_keep_their_archive(app, tmp_path, make_party):
    from registry.parties.services import parties

    from support import ACTOR

    party = make_party(name="Yugoslavia", kind="state")
    parties.archive(ACTOR, party, reason="Dissolved in 1992")
    db.session.commit()
    path = tmp_path / "parties.csv"
    run(app, "export", "parties", "--clearance", "secret", "--output", str(path))
    empty_database()
    assert run(app, "import", "parties", str(path)).exit_code == 0
    restored = db.session.scalar(select(Party))
    assert restored.archive_reason == "Dissolved in 1992"
    assert restored.archived_at is not None
    second = tmp_path / "again.csv"
    run(app, "export", "parties", "--clearance", "secret", "--output", str(second))
    assert second.read_bytes() == path.read_bytes()


def test_an_import_changing_a_stored_agreements_status_meets_the_lifecycle(
    app, make_agreement, tmp_path
):
    agreement = make_agreement(status="draft", entered_into_force_on=None, concluded_on=None)
    db.session.commit()
    path = tmp_path / "agreements.csv"
    exported = run(app, "export", "agreements", "--clearance", "secret", "--output", str(path))
    assert exported.exit_code == 0, exported.output
    path.write_text(path.read_text(encoding="utf-8-sig").replace(",draft,", ",expired,"))
    result = run(app, "import", "agreements", str(path))
    assert result.exit_code == 1
    assert "row 1, status:" in result.output
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).status.value == "draft"


def test_a_bulk_import_writes_one_chained_event_per_record(app, tmp_path, make_party):
    make_party(name="Already Here", iso3="AHR")  # the import's events continue this chain
    db.session.commit()
    lines = ["id,name,kind,iso3,archived_at,archive_reason"]
    lines += [f"{n},State {n},state,,," for n in range(10, 610)]
    lines.append("700,Old State,state,,2001-01-01T00:00:00+00:00,Dissolved")
    path = tmp_path / "parties.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(app, "import", "parties", str(path))
    assert result.exit_code == 0, result.stderr
    assert "601 created" in result.stdout
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    created = [event for event in events[1:] if event.action == AuditAction.CREATE]
    assert [event.entity_id for event in created] == [*range(10, 610), 700]
    assert created[0].entity_label == "State 10"
    assert created[0].changes == {"name": [None, "State 10"], "kind": [None, "state"]}
    assert {event.reason for event in created} == {"Imported from parties.csv"}
    (archived,) = [event for event in events if event.action == AuditAction.ARCHIVE]
    assert (archived.entity_id, archived.reason) == (700, "Dissolved")
    assert len(events) == 1 + 601 + 1
    verified = run(app, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert f"intact: {len(events)} events" in verified.output
    old = db.session.get(Party, 700)
    assert (old.archive_reason, old.archived_at.year) == ("Dissolved", 2001)


def test_a_bulk_import_checks_rows_with_few_queries(app, tmp_path, count_queries):
    path = tmp_path / "agreements.csv"
    lines = ["reference,title,instrument_type,form,legal_nature,region,concluded_on"]
    lines += [
        f"AGR-1990-{n:04d},Treaty {n},arms_control,bilateral,treaty,europe,1990-01-01"
        for n in range(1, 401)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with count_queries() as statements:
        result = run(app, "import", "agreements", str(path))
    assert result.exit_code == 0, result.stderr
    assert "400 created" in result.stdout
    assert len(statements) < 20, statements


def test_parents_in_the_same_file_and_rows_without_id_or_reference(app, tmp_path):
    path = tmp_path / "agreements.csv"
    path.write_text(
        "reference,title,instrument_type,form,legal_nature,region,concluded_on,parent_reference\n"
        "AGR-1990-0003,Protocol,arms_control,bilateral,treaty,europe,1990-05-01,AGR-1990-0002\n"
        "AGR-1990-0002,Treaty,arms_control,bilateral,treaty,europe,1990-01-01,\n"
        ",Unnumbered A,arms_control,bilateral,treaty,europe,1991-02-01,\n"
        ",Unnumbered B,arms_control,bilateral,treaty,europe,1991-03-01,AGR-1990-0002\n"
        ",Unnumbered C,arms_control,bilateral,treaty,europe,1991-04-01,\n",
        encoding="utf-8",
    )
    result = run(app, "import", "agreements", str(path))
    assert result.exit_code == 0, result.stderr
    stored = {a.title: a for a in db.session.scalars(select(Agreement))}
    assert stored["Protocol"].parent_id == stored["Treaty"].id
    assert stored["Unnumbered B"].parent_id == stored["Treaty"].id
    references = {stored[f"Unnumbered {letter}"].reference for letter in "ABC"}
    assert references == {"AGR-1991-0001", "AGR-1991-0002", "AGR-1991-0003"}
    assert run(app, "audit", "verify").exit_code == 0


def test_two_new_rows_cannot_share_a_unique_value(app, tmp_path):
    path = tmp_path / "parties.csv"
    path.write_text("name,kind,iso3\nRuritania,state,RUR\nRuritania,state,RUT\n", encoding="utf-8")
    result = run(app, "import", "parties", str(path))
    assert result.exit_code == 1
    assert "row 2, name: Ruritania is already used by another party." in result.stderr
    assert count_rows(Party) == 0


def test_agreements_imported_in_bulk_are_found_by_search(app, tmp_path):
    from registry.agreements.queries import AgreementFilters, search_agreements
    from registry.core.enums import Classification

    lines = ["reference,title,short_title,instrument_type,form,legal_nature,region"]
    lines += [
        f"AGR-1990-{n:04d},Treaty {n:04d},Short {n:04d},arms_control,bilateral,treaty,europe"
        for n in range(1, 1201)
    ]
    path = tmp_path / "agreements.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(app, "import", "agreements", str(path))
    assert result.exit_code == 0, result.stderr
    db.session.commit()

    def found(text):
        query = search_agreements(Classification.SECRET, AgreementFilters(text=text))
        return [agreement.reference for agreement in db.session.scalars(query)]

    assert found("Treaty 0007") == ["AGR-1990-0007"]
    assert found("short 1200") == ["AGR-1990-1200"]
    assert found("AGR-1990-0599") == ["AGR-1990-0599"]


def test_an_import_leaves_the_garbage_collector_as_it_found_it(app, tmp_path):
    import gc

    from registry.core.enums import Classification

    from support import ACTOR

    before = gc.get_threshold()
    good = b"name,kind\nRuritania,state\n"
    assert importing.import_file("parties", good, "csv", ACTOR, Classification.SECRET).ok
    with pytest.raises(importing.ImportFileError):
        importing.import_file(
            "parties", b"name,colour\nX,red\n", "csv", ACTOR, Classification.SECRET
        )
    with importing.fewer_collections():
        with importing.fewer_collections():  # another import at the same time
            assert gc.get_threshold()[0] >= 100_000
        assert gc.get_threshold()[0] >= 100_000
    assert gc.get_threshold() == before


def test_a_bad_row_in_a_later_batch_writes_nothing_of_the_earlier_ones(
    app, tmp_path, monkeypatch, make_agreement, make_party
):
    from datetime import date, timedelta

    from registry.agreements.models import TreatyAction

    monkeypatch.setattr(loading, "BATCH_ROWS", 40)  # earlier batches are written first
    make_agreement(reference="AGR-1949-0001")
    for number in range(1, 6):
        make_party(name=f"State {number}", iso3=f"ST{chr(64 + number)}")
    db.session.commit()
    events = count_rows(AuditEvent)
    lines = ["agreement_reference,party_iso3,kind,deposited_on,effective_on"]
    days = [(date(1950, 1, 1) + timedelta(days=n)).isoformat() for n in range(1, 151)]
    lines += [
        f"AGR-1949-0001,ST{chr(65 + n % 5)},signature,{day},{day}"
        for n, day in enumerate(days, start=1)
    ]
    lines[137] = "AGR-1949-0001,STA,ratification,1951-02-30,1951-03-01"  # row 137
    path = tmp_path / "treaty_actions.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(app, "import", "treaty_actions", str(path))
    assert result.exit_code == 1
    assert "row 137, deposited_on: Not a valid date." in result.stderr
    assert "1 problem(s) in 1 of 150 rows; nothing was imported." in result.stderr
    assert count_rows(TreatyAction) == 0
    assert count_rows(AuditEvent) == events
    lines[137] = "AGR-1949-0001,STA,ratification,1951-02-28,1951-03-01"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(app, "import", "treaty_actions", str(path))
    assert result.exit_code == 0, result.stderr
    assert count_rows(TreatyAction) == 150
    assert count_rows(AuditEvent) == events + 150
    assert run(app, "audit", "verify").exit_code == 0


def test_an_import_leaves_the_connections_page_cache_as_it_found_it(app, backend):
    from registry.core.enums import Classification

    from support import ACTOR

    if backend != "sqlite":
        pytest.skip("a setting of SQLite connections")

    def cache_size() -> int:
        return db.session.connection().exec_driver_sql("PRAGMA cache_size").scalar()

    before = cache_size()
    good = b"name,kind\nRuritania,state\n"
    assert importing.import_file("parties", good, "csv", ACTOR, Classification.SECRET).ok
    assert cache_size() == before
    with pytest.raises(importing.ImportFileError):
        importing.import_file(
            "parties", b"name,colour\nX,red\n", "csv", ACTOR, Classification.SECRET
        )
    assert cache_size() == before
