"""The oversight body and sitting day services, with the audit trail each writes."""

from datetime import date

import pytest

from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction, OversightBodyKind
from registry.core.errors import Conflict, RuleViolation
from registry.extensions import db
from registry.oversight.models import OversightBody, SittingDay
from registry.oversight.services import oversight_bodies, sitting_days

from support import ACTOR, BAD_DATES, BAD_IDS, count_rows, events_for, writes_nothing

VALID = {
    "name": "Senate Committee on Foreign Relations",
    "short_name": "SFRC",
    "kind": "legislative_committee",
    "jurisdiction": "USA",
    "contact_email": "clerk@foreign.example.org",
    "url": "https://www.foreign.example.org/",
    "source": "Senate rules",
}


# --- oversight bodies: create -------------------------------------------------------------------


def test_create_stores_the_body_and_writes_one_create_event(app):
    body = oversight_bodies.create(ACTOR, VALID)
    db.session.commit()

    stored = db.session.get(OversightBody, body.id)
    assert stored.name == "Senate Committee on Foreign Relations"
    assert stored.kind == OversightBodyKind.LEGISLATIVE_COMMITTEE
    assert stored.contact_email == "clerk@foreign.example.org"
    assert stored.parent_id is None
    assert count_rows(AuditEvent) == 1
    [event] = events_for(stored)
    assert event.action == AuditAction.CREATE
    assert event.entity_type == "oversight_bodies"
    assert event.actor_label == "system:tests"
    assert event.changes == {
        "name": [None, "Senate Committee on Foreign Relations"],
        "short_name": [None, "SFRC"],
        "kind": [None, "legislative_committee"],
        "jurisdiction": [None, "USA"],
        "contact_email": [None, "clerk@foreign.example.org"],
        "url": [None, "https://www.foreign.example.org/"],
        "source": [None, "Senate rules"],
    }


def test_create_links_a_parent_body(app, make_body):
    senate = make_body(name="United States Senate", kind="legislature")
    body = oversight_bodies.create(ACTOR, {**VALID, "parent_id": senate.id})

    assert body.parent is senate
    assert events_for(body)[0].changes["parent_id"] == [None, senate.id]


def test_create_stores_blank_optional_fields_as_null(app):
    body = oversight_bodies.create(
        ACTOR, {**VALID, "short_name": "", "contact_email": " ", "url": "", "parent_id": ""}
    )

    assert (body.short_name, body.contact_email, body.url, body.parent_id) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize("field", ["name", "kind"])
def test_create_refuses_a_missing_required_field(app, field):
    data = {key: value for key, value in VALID.items() if key != field}
    with writes_nothing(OversightBody, field=field):
        oversight_bodies.create(ACTOR, data)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("name", None, id="name-null"),
        pytest.param("name", "", id="name-empty"),
        pytest.param("name", "  ", id="name-blank"),
        pytest.param("name", ["Senate"], id="name-list"),
        pytest.param("name", {"en": "Senate"}, id="name-dict"),
        pytest.param("name", "x" * 201, id="name-too-long"),
        pytest.param("name", "Sen\x00ate", id="name-nul"),
        pytest.param("short_name", "x" * 101, id="short-name-too-long"),
        pytest.param("kind", "parliament", id="kind-unknown"),
        pytest.param("kind", None, id="kind-null"),
        pytest.param("jurisdiction", "x" * 65, id="jurisdiction-too-long"),
        pytest.param("contact_email", "not an email", id="email-invalid"),
        pytest.param("contact_email", "clerk@", id="email-no-domain"),
        pytest.param("contact_email", ["clerk@example.org"], id="email-list"),
        pytest.param("url", "javascript:alert(1)", id="url-script"),
        pytest.param("url", "ftp://example.org/", id="url-ftp"),
        pytest.param("url", "example.org", id="url-no-scheme"),
        pytest.param("url", "https://example.org/" + "a" * 2000, id="url-too-long"),
        pytest.param("source", "x" * 5001, id="source-too-long"),
        pytest.param("source", "a\x00b", id="source-nul"),
    ],
)
def test_create_refuses_a_bad_value(app, field, value):
    with writes_nothing(OversightBody, field=field):
        oversight_bodies.create(ACTOR, {**VALID, field: value})


@pytest.mark.parametrize("parent_id", BAD_IDS)
def test_create_refuses_a_parent_that_does_not_exist(app, make_body, parent_id):
    make_body()
    with writes_nothing(OversightBody, field="parent_id"):
        oversight_bodies.create(ACTOR, {**VALID, "parent_id": parent_id})


def test_create_refuses_a_fractional_parent_id_rather_than_truncating_it(app, make_body):
    senate = make_body()
    with writes_nothing(OversightBody, field="parent_id"):
        oversight_bodies.create(ACTOR, {**VALID, "parent_id": senate.id + 0.5})


def test_create_refuses_an_unknown_field(app):
    with writes_nothing(OversightBody, field="chair"):
        oversight_bodies.create(ACTOR, {**VALID, "chair": "Senator X"})


def test_create_refuses_a_duplicate_name(app, make_body):
    make_body(name=VALID["name"])
    with writes_nothing(OversightBody, field="name"):
        oversight_bodies.create(ACTOR, VALID)


# --- oversight bodies: update -------------------------------------------------------------------


def test_update_audits_only_the_changed_fields(app):
    body = oversight_bodies.create(ACTOR, VALID)
    db.session.commit()

    oversight_bodies.update(
        ACTOR, body, {"short_name": "SFRC", "contact_email": "chair@foreign.example.org"}
    )
    db.session.commit()

    assert body.version == 2
    event = events_for(body)[-1]
    assert event.action == AuditAction.UPDATE
    assert event.actor_label == "system:tests"
    assert event.changes == {
        "contact_email": ["clerk@foreign.example.org", "chair@foreign.example.org"]
    }


def test_update_without_any_change_writes_no_event(app):
    body = oversight_bodies.create(ACTOR, VALID)
    db.session.commit()

    oversight_bodies.update(ACTOR, body, dict(VALID))

    assert body.version == 1
    assert len(events_for(body)) == 1


def test_update_refuses_to_make_a_body_its_own_parent(app, make_body):
    body = make_body()
    with writes_nothing(OversightBody, field="parent_id"):
        oversight_bodies.update(ACTOR, body, {"parent_id": body.id})
    assert body.parent_id is None
    assert body.version == 1


def test_update_refuses_a_parent_cycle(app, make_body):
    senate = make_body(name="Senate", kind="legislature")
    committee = make_body(name="Committee", parent_id=senate.id)
    with writes_nothing(OversightBody, field="parent_id"):
        oversight_bodies.update(ACTOR, senate, {"parent_id": committee.id})
    assert senate.parent_id is None


def test_update_refuses_a_name_used_by_another_body(app, make_body):
    make_body(name="Senate")
    body = make_body(name="House")
    with writes_nothing(OversightBody, field="name"):
        oversight_bodies.update(ACTOR, body, {"name": "Senate"})
    assert body.name == "House"


def test_update_with_a_stale_version_raises_conflict_and_changes_nothing(app, make_body):
    body = make_body(name="Senate")
    oversight_bodies.update(ACTOR, body, {"short_name": "S"})

    with writes_nothing(OversightBody, error=Conflict):
        oversight_bodies.update(ACTOR, body, {"name": "House"}, expected_version=1)
    assert body.name == "Senate"
    assert body.version == 2


# --- oversight bodies: archive and restore ------------------------------------------------------


def test_archive_records_the_reason_and_restore_undoes_it(app, make_body):
    body = make_body()
    oversight_bodies.archive(ACTOR, body, reason="Committee abolished")
    assert body.archived_at is not None
    assert body.archive_reason == "Committee abolished"
    archive_event = events_for(body)[-1]
    assert archive_event.action == AuditAction.ARCHIVE
    assert archive_event.reason == "Committee abolished"

    oversight_bodies.restore(ACTOR, body)
    assert body.archived_at is None
    assert body.archive_reason is None
    assert events_for(body)[-1].action == AuditAction.RESTORE


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_archive_requires_a_reason(app, make_body, reason):
    body = make_body()
    with writes_nothing(OversightBody, field="reason"):
        oversight_bodies.archive(ACTOR, body, reason=reason)
    assert body.archived_at is None


def test_archiving_twice_is_refused(app, make_body):
    body = make_body()
    oversight_bodies.archive(ACTOR, body, reason="Abolished")
    with writes_nothing(OversightBody, error=RuleViolation):
        oversight_bodies.archive(ACTOR, body, reason="Again")
    assert body.archive_reason == "Abolished"


# --- sitting days -------------------------------------------------------------------------------


def test_sitting_day_create_stores_it_and_writes_one_create_event(app, make_body):
    body = make_body()
    events_before = count_rows(AuditEvent)

    day = sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": "2025-01-06"})
    db.session.commit()

    assert day.body_id == body.id
    assert day.sat_on == date(2025, 1, 6)
    assert body.sitting_days == [day]
    assert count_rows(AuditEvent) == events_before + 1
    [event] = events_for(day)
    assert event.action == AuditAction.CREATE
    assert event.entity_type == "sitting_days"
    assert event.actor_label == "system:tests"
    assert event.changes == {"body_id": [None, body.id], "sat_on": [None, "2025-01-06"]}


def test_sitting_day_update_audits_the_moved_date(app, make_body):
    body = make_body()
    day = sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": "2025-01-06"})

    sitting_days.update(ACTOR, day, {"sat_on": "2025-01-07"})

    assert day.sat_on == date(2025, 1, 7)
    assert events_for(day)[-1].changes == {"sat_on": ["2025-01-06", "2025-01-07"]}


def test_sitting_day_refuses_a_duplicate_day_for_the_same_body(app, make_body):
    body = make_body()
    sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": "2025-01-06"})
    with writes_nothing(SittingDay, field="sat_on"):
        sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": "2025-01-06"})


def test_sitting_day_allows_the_same_day_for_another_body(app, make_body):
    senate, house = make_body(), make_body()
    sitting_days.create(ACTOR, {"body_id": senate.id, "sat_on": "2025-01-06"})
    sitting_days.create(ACTOR, {"body_id": house.id, "sat_on": "2025-01-06"})

    assert count_rows(SittingDay) == 2


def test_sitting_day_update_onto_another_sitting_day_is_refused(app, make_body):
    body = make_body()
    sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": "2025-01-06"})
    day = sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": "2025-01-07"})
    with writes_nothing(SittingDay, field="sat_on"):
        sitting_days.update(ACTOR, day, {"sat_on": "2025-01-06"})
    assert day.sat_on == date(2025, 1, 7)


@pytest.mark.parametrize("field", ["body_id", "sat_on"])
def test_sitting_day_refuses_a_missing_required_field(app, make_body, field):
    data = {"body_id": make_body().id, "sat_on": "2025-01-06"}
    del data[field]
    with writes_nothing(SittingDay, field=field):
        sitting_days.create(ACTOR, data)


@pytest.mark.parametrize(
    "sat_on",
    [pytest.param(None, id="null"), pytest.param("", id="empty"), *BAD_DATES],
)
def test_sitting_day_refuses_a_bad_date(app, make_body, sat_on):
    body = make_body()
    with writes_nothing(SittingDay, field="sat_on"):
        sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": sat_on})


@pytest.mark.parametrize("body_id", [pytest.param("", id="empty"), pytest.param(None, id="null")])
def test_sitting_day_refuses_a_blank_body(app, make_body, body_id):
    make_body()
    with writes_nothing(SittingDay, field="body_id"):
        sitting_days.create(ACTOR, {"body_id": body_id, "sat_on": "2025-01-06"})


@pytest.mark.parametrize("body_id", BAD_IDS)
def test_sitting_day_refuses_a_body_that_does_not_exist(app, make_body, body_id):
    make_body()
    with writes_nothing(SittingDay, field="body_id"):
        sitting_days.create(ACTOR, {"body_id": body_id, "sat_on": "2025-01-06"})


def test_sitting_day_refuses_an_unknown_field(app, make_body):
    body = make_body()
    with writes_nothing(SittingDay, field="hours"):
        sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": "2025-01-06", "hours": 6})
