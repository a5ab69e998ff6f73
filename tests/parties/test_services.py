"""The party service: create, update, archive and restore, with the audit trail each writes."""

import pytest

from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction, PartyKind
from registry.core.errors import Conflict, RuleViolation
from registry.extensions import db
from registry.parties.models import Party
from registry.parties.services import parties

from support import ACTOR, count_rows, events_for, writes_nothing

VALID = {
    "name": "Republic of Freedonia",
    "short_name": "Freedonia",
    "kind": "state",
    "iso3": "fre",
    "source": "UN Member States list",
}


# --- create -------------------------------------------------------------------------------------


def test_create_stores_the_party_and_writes_one_create_event(app):
    party = parties.create(ACTOR, VALID)
    db.session.commit()

    stored = db.session.get(Party, party.id)
    assert stored.name == "Republic of Freedonia"
    assert stored.short_name == "Freedonia"
    assert stored.kind == PartyKind.STATE
    assert stored.iso3 == "FRE"
    assert stored.version == 1
    assert stored.archived_at is None
    assert count_rows(AuditEvent) == 1
    [event] = events_for(stored)
    assert event.action == AuditAction.CREATE
    assert event.entity_type == "parties"
    assert event.actor_label == "system:tests"
    assert event.actor_id is None
    assert event.changes == {
        "name": [None, "Republic of Freedonia"],
        "short_name": [None, "Freedonia"],
        "kind": [None, "state"],
        "iso3": [None, "FRE"],
        "source": [None, "UN Member States list"],
    }


def test_create_strips_surrounding_whitespace_and_stores_blank_optional_text_as_null(app):
    party = parties.create(ACTOR, {"name": "  Ruritania  ", "kind": "other", "short_name": "  "})

    assert party.name == "Ruritania"
    assert party.short_name is None
    [event] = events_for(party)
    assert "short_name" not in event.changes


@pytest.mark.parametrize("field", ["name", "kind"])
def test_create_refuses_a_missing_required_field(app, field):
    data = {key: value for key, value in VALID.items() if key != field}
    with writes_nothing(Party, field=field):
        parties.create(ACTOR, data)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("name", None, id="name-null"),
        pytest.param("name", "", id="name-empty"),
        pytest.param("name", "   ", id="name-blank"),
        pytest.param("name", ["Freedonia"], id="name-list"),
        pytest.param("name", {"en": "Freedonia"}, id="name-dict"),
        pytest.param("name", 42, id="name-number"),
        pytest.param("name", "x" * 201, id="name-too-long"),
        pytest.param("name", "Free\x00donia", id="name-nul"),
        pytest.param("name", "Free\ud800donia", id="name-lone-surrogate"),
        pytest.param("short_name", "x" * 101, id="short-name-too-long"),
        pytest.param("short_name", ["Fr"], id="short-name-list"),
        pytest.param("kind", "empire", id="kind-unknown"),
        pytest.param("kind", "STATE", id="kind-wrong-case"),
        pytest.param("kind", None, id="kind-null"),
        pytest.param("kind", ["state"], id="kind-list"),
        pytest.param("iso3", "FR", id="iso3-two-letters"),
        pytest.param("iso3", "FRED", id="iso3-four-letters"),
        pytest.param("iso3", "F1D", id="iso3-digit"),
        pytest.param("iso3", "ÄÖÜ", id="iso3-non-ascii"),
        pytest.param("iso3", 123, id="iso3-number"),
        pytest.param("source", "x" * 5001, id="source-too-long"),
        pytest.param("source", "a\x00b", id="source-nul"),
    ],
)
def test_create_refuses_a_bad_value(app, field, value):
    with writes_nothing(Party, field=field):
        parties.create(ACTOR, {**VALID, field: value})


def test_create_refuses_an_unknown_field(app):
    with writes_nothing(Party, field="colour"):
        parties.create(ACTOR, {**VALID, "colour": "blue"})


@pytest.mark.parametrize("data", [None, ["name"], "Freedonia"])
def test_create_refuses_data_that_is_not_an_object(app, data):
    with writes_nothing(Party, field="_schema"):
        parties.create(ACTOR, data)


def test_create_refuses_a_duplicate_name(app, make_party):
    make_party(name="Republic of Freedonia")
    with writes_nothing(Party, field="name"):
        parties.create(ACTOR, VALID)


def test_create_refuses_a_duplicate_iso3_whatever_its_case(app, make_party):
    make_party(iso3="FRE")
    with writes_nothing(Party, field="iso3"):
        parties.create(ACTOR, {**VALID, "iso3": "fre"})


# --- update -------------------------------------------------------------------------------------


def test_update_audits_only_the_changed_fields_as_old_and_new(app):
    party = parties.create(ACTOR, VALID)
    db.session.commit()

    parties.update(ACTOR, party, {"short_name": "Fredonia", "kind": "state", "iso3": "FRE"})
    db.session.commit()

    assert party.short_name == "Fredonia"
    assert party.version == 2
    create_event, update_event = events_for(party)
    assert update_event.action == AuditAction.UPDATE
    assert update_event.entity_type == "parties"
    assert update_event.actor_label == "system:tests"
    assert update_event.changes == {"short_name": ["Freedonia", "Fredonia"]}


def test_update_with_a_reason_records_it(app, make_party):
    party = make_party()
    parties.update(ACTOR, party, {"short_name": "T"}, reason="Official short form")

    assert events_for(party)[-1].reason == "Official short form"


def test_update_without_any_change_writes_no_event(app):
    party = parties.create(ACTOR, VALID)
    db.session.commit()

    parties.update(ACTOR, party, {"name": " Republic of Freedonia ", "iso3": "fre"})
    db.session.commit()

    assert party.version == 1
    assert len(events_for(party)) == 1


def test_update_refuses_a_name_used_by_another_party(app, make_party):
    make_party(name="Ruritania")
    party = make_party(name="Freedonia")
    with writes_nothing(Party, field="name"):
        parties.update(ACTOR, party, {"name": "Ruritania"})
    assert party.name == "Freedonia"
    assert party.version == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("name", None), ("kind", "empire"), ("iso3", "FR"), ("colour", "blue")],
)
def test_update_refuses_bad_input_and_leaves_the_party_unchanged(app, make_party, field, value):
    party = make_party(name="Freedonia", iso3="FRE")
    with writes_nothing(Party, field=field):
        parties.update(ACTOR, party, {field: value})
    assert (party.name, party.kind, party.iso3, party.version) == (
        "Freedonia",
        PartyKind.STATE,
        "FRE",
        1,
    )


@pytest.mark.parametrize("data", [None, ["name"], "Freedonia"])
def test_update_refuses_data_that_is_not_an_object(app, make_party, data):
    party = make_party(name="Freedonia")
    with writes_nothing(Party, field="_schema"):
        parties.update(ACTOR, party, data)
    assert party.name == "Freedonia"


# --- optimistic locking -------------------------------------------------------------------------


def test_update_with_a_stale_version_raises_conflict_and_changes_nothing(app, make_party):
    party = make_party(name="Freedonia")
    parties.update(ACTOR, party, {"short_name": "F"})
    assert party.version == 2

    with writes_nothing(Party, error=Conflict):
        parties.update(ACTOR, party, {"name": "Ruritania"}, expected_version=1)
    assert party.name == "Freedonia"
    assert party.version == 2
    assert len(events_for(party)) == 2


def test_update_with_the_current_version_succeeds(app, make_party):
    party = make_party(name="Freedonia")
    parties.update(ACTOR, party, {"name": "Ruritania"}, expected_version=1)

    assert party.name == "Ruritania"
    assert party.version == 2


# --- archive and restore ------------------------------------------------------------------------


def test_archive_records_the_reason_and_audits_it(app, make_party):
    party = make_party()
    parties.archive(ACTOR, party, reason="  State dissolved  ")
    db.session.commit()

    assert party.archived_at is not None
    assert party.archive_reason == "State dissolved"
    event = events_for(party)[-1]
    assert event.action == AuditAction.ARCHIVE
    assert event.reason == "State dissolved"
    assert event.actor_label == "system:tests"
    assert event.changes["archived_at"][0] is None
    assert event.changes["archived_at"][1] is not None


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_archive_requires_a_reason(app, make_party, reason):
    party = make_party()
    with writes_nothing(Party, field="reason"):
        parties.archive(ACTOR, party, reason=reason)
    assert party.archived_at is None


@pytest.mark.parametrize(
    "reason",
    [
        pytest.param("Dissolved\x00", id="nul"),
        pytest.param(["Dissolved"], id="list"),
        pytest.param(42, id="number"),
    ],
)
def test_archive_refuses_a_reason_that_is_not_clean_text(app, make_party, reason):
    party = make_party()
    with writes_nothing(Party, field="reason"):
        parties.archive(ACTOR, party, reason=reason)
    assert party.archived_at is None


def test_archiving_twice_is_refused(app, make_party):
    party = make_party()
    parties.archive(ACTOR, party, reason="Dissolved")
    archived_at = party.archived_at

    with writes_nothing(Party, error=RuleViolation):
        parties.archive(ACTOR, party, reason="Again")
    assert party.archived_at == archived_at
    assert party.archive_reason == "Dissolved"


def test_restore_clears_the_archive_and_audits_it(app, make_party):
    party = make_party()
    parties.archive(ACTOR, party, reason="Dissolved")
    parties.restore(ACTOR, party, reason="Archived by mistake")
    db.session.commit()

    assert party.archived_at is None
    assert party.archive_reason is None
    event = events_for(party)[-1]
    assert event.action == AuditAction.RESTORE
    assert event.reason == "Archived by mistake"
    assert event.changes["archived_at"][1] is None


def test_restoring_a_party_that_is_not_archived_is_refused(app, make_party):
    party = make_party()
    with writes_nothing(Party, error=RuleViolation):
        parties.restore(ACTOR, party)
