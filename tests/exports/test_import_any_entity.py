"""A new entity is importable from its description alone: no importer table names it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.agreements.models import Agreement
from registry.core import entities as registry_of
from registry.core.audit.models import AuditEvent
from registry.core.db import Base, Timestamped, Versioned
from registry.core.entities import Entity
from registry.core.enums import AuditAction, Classification
from registry.core.schemas import Day, EntitySchema, Ref, Text
from registry.core.services import EntityService
from registry.exports.importing import import_file, importable
from registry.extensions import db
from registry.parties.models import Party

from support import ACTOR

_made: dict[str, type] = {}


def note_model() -> type:
    """A model of notes on agreements, made once and kept out of the project's metadata."""
    if "Note" not in _made:

        class Note(Timestamped, Versioned, Base):
            __tablename__ = "throwaway_notes"
            id: Mapped[int] = mapped_column(Integer, primary_key=True)
            agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
            party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
            noted_on: Mapped[date]
            text: Mapped[str] = mapped_column(String(200))
            agreement = relationship(Agreement)

            @property
            def label(self) -> str:
                return f"Note of {self.noted_on}"

        # Every other test empties the tables of the metadata: this one is not always there.
        Base.metadata.remove(Note.__table__)
        _made["Note"] = Note
    return _made["Note"]


@pytest.fixture
def notes(app):
    """The throwaway entity, described, registered and given its table for one test."""
    model = note_model()

    class NoteSchema(EntitySchema):
        agreement_id = Ref(Agreement, "agreement", required=True)
        party_id = Ref(Party, "party")
        noted_on = Day(required=True)
        text = Text(max_length=200, required=True)

    class NoteService(EntityService):
        noun = "note"

    NoteService.model, NoteService.schema = model, NoteSchema
    described = Entity(
        name="throwaway_notes",
        model=model,
        service=NoteService(),
        natural_key=("agreement_id", "party_id", "noted_on"),
        depends_on=("agreements", "parties"),
    )
    model.__table__.create(db.engine)
    registry_of.register(described)
    try:
        yield described
    finally:
        registry_of.unregister(described.name)
        db.session.rollback()
        db.session.remove()
        model.__table__.drop(db.engine)


@pytest.fixture
def named(make_agreement, make_party):
    make_agreement(reference="AGR-1949-0001")
    make_party(name="France", iso3="FRA", kind="state")
    db.session.commit()


def stored(model) -> list[tuple]:
    records = db.session.scalars(select(model).order_by(model.id))
    return [(r.agreement.reference, r.party_id, r.noted_on.isoformat(), r.text) for r in records]


def test_a_registered_entity_imports_from_csv_with_references_by_natural_key(notes, named):
    assert notes.name in importable()
    data = (
        b"agreement_reference,party_iso3,party_name,noted_on,text\n"
        b"AGR-1949-0001,fra,,1950-01-01,Signed in Paris\n"
        b"AGR-1949-0001,,France,1950-01-02,Ratified\n"
        b"AGR-1949-0001,,,1950-01-03,Entered into force\n"
    )
    report = import_file(notes.name, data, "csv", ACTOR, Classification.SECRET, source="n.csv")
    assert report.ok, report.problems
    assert report.summary() == f"{notes.name}: 3 rows: 3 created, 0 updated, 0 unchanged"
    france = db.session.scalar(select(Party.id).where(Party.iso3 == "FRA"))
    assert stored(notes.model) == [
        ("AGR-1949-0001", france, "1950-01-01", "Signed in Paris"),
        ("AGR-1949-0001", france, "1950-01-02", "Ratified"),
        ("AGR-1949-0001", None, "1950-01-03", "Entered into force"),
    ]
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == notes.name).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.entity_label, e.reason) for e in events] == [
        (AuditAction.CREATE, "Note of 1950-01-01", "Imported from n.csv"),
        (AuditAction.CREATE, "Note of 1950-01-02", "Imported from n.csv"),
        (AuditAction.CREATE, "Note of 1950-01-03", "Imported from n.csv"),
    ]
    assert events[0].changes["text"] == [None, "Signed in Paris"]


def test_a_registered_entity_imports_from_json_matching_stored_records(notes, named):
    rows = [
        {"agreement_reference": "AGR-1949-0001", "party_iso3": "FRA", "noted_on": "1950-01-01",
         "text": "Signed"},
    ]  # fmt: skip
    first = import_file(notes.name, json.dumps(rows).encode(), "json", ACTOR, Classification.SECRET)
    assert first.ok, first.problems
    db.session.commit()
    rows[0]["text"] = "Signed in Paris"
    rows.append({**rows[0], "noted_on": "1950-02-01", "text": "Ratified"})
    second = import_file(
        notes.name, json.dumps(rows).encode(), "json", ACTOR, Classification.SECRET
    )
    assert second.ok, second.problems
    assert second.summary() == f"{notes.name}: 2 rows: 1 created, 1 updated, 0 unchanged"
    assert [text for *_, text in stored(notes.model)] == ["Signed in Paris", "Ratified"]


def test_a_registered_entity_reports_each_bad_row_and_writes_nothing(notes, named):
    data = (
        b"agreement_reference,party_iso3,noted_on,text\n"
        b"AGR-1949-0001,FRA,1950-01-01,Fine\n"
        b"AGR-2099-0001,FRA,1950-01-02,Unknown agreement\n"
        b"AGR-1949-0001,ZZZ,1950-01-03,Unknown party\n"
        b"AGR-1949-0001,FRA,1950-02-30,No such day\n"
        b"AGR-1949-0001,FRA,1950-01-01,Fine again\n"
    )
    events = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    report = import_file(notes.name, data, "csv", ACTOR, Classification.SECRET)
    assert [problem.line() for problem in report.problems] == [
        "row 2, agreement_reference: No agreement with reference 'AGR-2099-0001'.",
        "row 3, party_iso3: No party with ISO3 'ZZZ'.",
        "row 4, noted_on: Not a valid date. Enter a date as YYYY-MM-DD, for example 1990-01-01.",
        "row 5: Stands for the same record as row 1.",
    ]
    db.session.rollback()
    assert stored(notes.model) == []
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == events


def test_a_reference_given_as_a_list_or_object_is_reported(notes, named):
    rows = [
        {"agreement_reference": ["AGR-1949-0001"], "noted_on": "1950-01-01", "text": "A"},
        {"agreement_reference": {"ref": 1}, "noted_on": "1950-01-02", "text": "B"},
    ]
    report = import_file(
        notes.name, json.dumps(rows).encode(), "json", ACTOR, Classification.SECRET
    )
    assert [(problem.row, problem.field) for problem in report.problems] == [
        (1, "agreement_reference"),
        (2, "agreement_reference"),
    ]


def test_an_unregistered_entity_is_no_longer_importable(app):
    assert "throwaway_notes" not in importable()
