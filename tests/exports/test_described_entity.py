"""An entity described once is exported and bundled with no other change.

The test registers a throwaway entity (its own model, table, schema and service) and exports
it through `registry export` and `registry export-bundle`, then takes its description away.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.db import Base, Timestamped
from registry.core.entities import Entity, register, unregister
from registry.core.schemas import Day, EntitySchema, Ref, Text
from registry.core.services import EntityService
from registry.extensions import db
from registry.parties.models import Party

from support import ACTOR


class FieldNote(Timestamped, Base):
    """A note on a party: a kind of record no module of the registry knows."""

    __tablename__ = "field_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    text: Mapped[str] = mapped_column(String(200))
    noted_on: Mapped[date | None]


# Kept out of the shared metadata: the migrations do not make this table, the test does.
Base.metadata.remove(FieldNote.__table__)


class FieldNoteSchema(EntitySchema):
    party_id = Ref(Party, "party")
    text = Text(required=True, max_length=200)
    noted_on = Day()


class FieldNoteService(EntityService):
    model = FieldNote
    schema = FieldNoteSchema
    noun = "field note"


FIELD_NOTES = Entity(
    name="field_notes",
    model=FieldNote,
    service=FieldNoteService(),
    natural_key=("party_id", "text"),
    depends_on=("parties",),
    labels={"noted_on": "Noted on"},
)


@pytest.fixture
def field_notes(app, make_party):
    """The throwaway entity registered, its table made, and two notes on a party recorded."""
    FieldNote.__table__.create(db.engine)
    register(FIELD_NOTES)
    try:
        france = make_party(name="France", iso3="FRA")
        notes = FIELD_NOTES.service
        notes.create(
            ACTOR,
            {
                "party_id": france.id,
                "text": "Ratified, with a declaration",
                "noted_on": "2026-11-02",
            },
        )
        notes.create(ACTOR, {"text": "Nothing to report"})
        db.session.commit()
        yield FIELD_NOTES
    finally:
        unregister(FIELD_NOTES.name)
        db.session.rollback()
        db.session.remove()
        FieldNote.__table__.drop(db.engine)


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


EXPECTED = [
    {
        "id": "1",
        "party_id": "1",
        "party_iso3": "FRA",
        "party_name": "France",
        "text": "Ratified, with a declaration",
        "noted_on": "2026-11-02",
    },
    {
        "id": "2",
        "party_id": "",
        "party_iso3": "",
        "party_name": "",
        "text": "Nothing to report",
        "noted_on": "",
    },
]


def without_stamps(row: dict) -> dict:
    return {key: value for key, value in row.items() if key not in ("created_at", "updated_at")}


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_a_described_entity_is_exported_in_every_format(app, field_notes, fmt):
    result = run(app, "export", "field_notes", "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.output.removeprefix("\ufeff"))))
    else:
        lines = [result.output] if fmt == "json" else result.output.splitlines()
        rows = [
            {key: "" if value is None else str(value) for key, value in row.items()}
            for line in lines
            for row in (json.loads(line) if fmt == "json" else [json.loads(line)])
        ]
    assert list(rows[0]) == [
        "id",
        "party_id",
        "party_iso3",
        "party_name",
        "text",
        "noted_on",
        "created_at",
        "updated_at",
    ]
    assert [without_stamps(row) for row in rows] == EXPECTED


def test_a_described_entity_is_in_the_bundle_with_its_schema_and_checksum(
    app, field_notes, tmp_path
):
    path = tmp_path / "bundle.zip"
    result = run(app, "export-bundle", "--output", str(path))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        notes = archive.read("field_notes.csv")
        package = json.loads(archive.read("datapackage.json"))
        sums = archive.read("SHA256SUMS").decode()
    # The records' files in registration order, then the deadlines, then the audit trail.
    assert names.index("reviews.csv") < names.index("field_notes.csv")
    assert names[names.index("field_notes.csv") + 1 :] == [
        "deadlines.csv",
        "audit_events.csv",
        "datapackage.json",
        "SHA256SUMS",
    ]
    rows = list(csv.DictReader(io.StringIO(notes.decode("utf-8-sig"))))
    assert [without_stamps(row) for row in rows] == EXPECTED
    assert f"{hashlib.sha256(notes).hexdigest()}  field_notes.csv\n" in sums
    [resource] = [item for item in package["resources"] if item["name"] == "field_notes"]
    assert resource["path"] == "field_notes.csv"
    fields = {field["name"]: field for field in resource["schema"]["fields"]}
    assert fields["noted_on"]["type"] == "date"
    assert fields["text"]["constraints"] == {"required": True}
    assert resource["schema"]["foreignKeys"] == [
        {"fields": "party_id", "reference": {"resource": "parties", "fields": "id"}}
    ]
    assert package["registry"]["rows"]["field_notes"] == 2
    assert run(app, "audit", "verify", "--bundle", str(path)).exit_code == 0


def test_an_entity_taken_away_is_no_longer_exported(app):
    result = run(app, "export", "field_notes")
    assert result.exit_code == 2
    assert "'field_notes' is not one of" in result.output
