"""The user service: accounts, their passwords and the audit trail, which never holds a hash."""

import json

import pytest
from sqlalchemy import select

from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction, Classification, Role
from registry.core.errors import Conflict
from registry.extensions import db
from registry.users.models import User
from registry.users.services import users, verify_password

from support import ACTOR, count_rows, events_for, writes_nothing

PASSWORD = "correct horse battery staple"

VALID = {
    "email": "  Ada.Lovelace@Example.ORG ",
    "name": "Ada Lovelace",
    "role": "reviewer",
    "clearance": "secret",
}


def all_events_text() -> str:
    return json.dumps([event.changes for event in db.session.scalars(select(AuditEvent))])


@pytest.fixture
def ada(app):
    return users.create(ACTOR, VALID, password=PASSWORD)


# --- create -------------------------------------------------------------------------------------


def test_create_stores_the_user_and_writes_one_create_event(app):
    user = users.create(ACTOR, VALID, password=PASSWORD)
    db.session.commit()

    stored = db.session.get(User, user.id)
    assert stored.email == "ada.lovelace@example.org"
    assert stored.name == "Ada Lovelace"
    assert stored.role == Role.REVIEWER
    assert stored.clearance == Classification.SECRET
    assert stored.active is True
    assert stored.version == 1
    assert count_rows(AuditEvent) == 1
    [event] = events_for(stored)
    assert event.action == AuditAction.CREATE
    assert event.entity_type == "users"
    assert event.actor_label == "system:tests"
    assert event.changes == {
        "email": [None, "ada.lovelace@example.org"],
        "name": [None, "Ada Lovelace"],
        "role": [None, "reviewer"],
        "clearance": [None, "secret"],
        "active": [None, True],
    }


def test_create_stores_the_email_in_lower_case(app, ada):
    assert ada.email == "ada.lovelace@example.org"


def test_create_defaults_to_public_clearance_and_an_active_account(app):
    user = users.create(
        ACTOR, {"email": "b@example.org", "name": "B", "role": "viewer"}, password=PASSWORD
    )

    assert user.clearance == Classification.PUBLIC
    assert user.active is True


def test_create_hashes_the_password_with_argon2(app, ada):
    assert ada.password_hash.startswith("$argon2")
    assert PASSWORD not in ada.password_hash


def test_the_password_and_its_hash_never_reach_the_audit_trail(app, ada):
    users.set_password(ACTOR, ada, "another long passphrase")
    db.session.commit()

    trail = all_events_text()
    assert ada.password_hash not in trail
    assert "$argon2" not in trail
    assert PASSWORD not in trail
    assert "another long passphrase" not in trail
    assert all("password_hash" not in event.changes for event in events_for(ada))


def test_verify_password_accepts_the_right_password_only(app, ada):
    assert verify_password(ada, PASSWORD) is True
    assert verify_password(ada, "wrong horse battery staple") is False
    assert verify_password(ada, PASSWORD.upper()) is False
    assert verify_password(ada, "") is False


@pytest.mark.parametrize("password", [None, 123, ["correct horse battery staple"]])
def test_verify_password_is_false_for_a_password_that_is_not_text(app, ada, password):
    assert verify_password(ada, password) is False


@pytest.mark.parametrize("field", ["email", "name", "role"])
def test_create_refuses_a_missing_required_field(app, field):
    data = {key: value for key, value in VALID.items() if key != field}
    with writes_nothing(User, field=field):
        users.create(ACTOR, data, password=PASSWORD)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("email", None, id="email-null"),
        pytest.param("email", "", id="email-empty"),
        pytest.param("email", "  ", id="email-blank"),
        pytest.param("email", "ada", id="email-no-at"),
        pytest.param("email", "ada@", id="email-no-domain"),
        pytest.param("email", "ada@example.org\x00", id="email-nul"),
        pytest.param("email", ["ada@example.org"], id="email-list"),
        pytest.param("email", {"address": "ada@example.org"}, id="email-dict"),
        pytest.param(
            "email", "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".org", id="email-too-long"
        ),
        pytest.param(
            "email",
            "a" * 60 + "@" + ".".join(["İ" * 60] * 3) + ".org",
            id="email-too-long-once-lower-cased",
        ),
        pytest.param("name", None, id="name-null"),
        pytest.param("name", "", id="name-empty"),
        pytest.param("name", "   ", id="name-blank"),
        pytest.param("name", "x" * 201, id="name-too-long"),
        pytest.param("name", "Ada\x00", id="name-nul"),
        pytest.param("name", ["Ada"], id="name-list"),
        pytest.param("role", "god", id="role-unknown"),
        pytest.param("role", "Reviewer", id="role-wrong-case"),
        pytest.param("role", None, id="role-null"),
        pytest.param("clearance", "cosmic", id="clearance-unknown"),
        pytest.param("clearance", None, id="clearance-null"),
        pytest.param("active", "maybe", id="active-text"),
        pytest.param("active", None, id="active-null"),
    ],
)
def test_create_refuses_a_bad_value(app, field, value):
    with writes_nothing(User, field=field):
        users.create(ACTOR, {**VALID, field: value}, password=PASSWORD)


@pytest.mark.parametrize("field", ["password", "password_hash", "failed_login_count", "nickname"])
def test_create_refuses_fields_outside_the_profile(app, field):
    with writes_nothing(User, field=field):
        users.create(ACTOR, {**VALID, field: "x"}, password=PASSWORD)


@pytest.mark.parametrize(
    "email",
    ["ada.lovelace@example.org", "ADA.LOVELACE@EXAMPLE.ORG", " Ada.Lovelace@example.org"],
)
def test_create_refuses_an_email_already_used_whatever_its_case(app, ada, email):
    with writes_nothing(User, field="email"):
        users.create(ACTOR, {**VALID, "email": email, "name": "Impostor"}, password=PASSWORD)


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("", id="empty"),
        pytest.param("short", id="short"),
        pytest.param("x" * 11, id="eleven-characters"),
        pytest.param(" " * 12, id="only-spaces"),
        pytest.param("  leading spaces here", id="leading-spaces"),
        pytest.param("trailing spaces here  ", id="trailing-spaces"),
        pytest.param("x" * 1025, id="too-long"),
        pytest.param(None, id="null"),
        pytest.param(1234567890123, id="number"),
        pytest.param(["a long enough password"], id="list"),
    ],
)
def test_create_refuses_a_weak_or_malformed_password(app, password):
    with writes_nothing(User, field="password"):
        users.create(ACTOR, VALID, password=password)


# --- update -------------------------------------------------------------------------------------


def test_update_audits_only_the_changed_fields(app, ada):
    db.session.commit()

    users.update(ACTOR, ada, {"name": "Augusta Ada King", "role": "reviewer"})
    db.session.commit()

    assert ada.name == "Augusta Ada King"
    assert ada.version == 2
    event = events_for(ada)[-1]
    assert event.action == AuditAction.UPDATE
    assert event.actor_label == "system:tests"
    assert event.changes == {"name": ["Ada Lovelace", "Augusta Ada King"]}


def test_update_of_the_email_in_another_case_is_no_change(app, ada):
    db.session.commit()

    users.update(ACTOR, ada, {"email": "ADA.LOVELACE@EXAMPLE.ORG"})

    assert ada.email == "ada.lovelace@example.org"
    assert ada.version == 1
    assert len(events_for(ada)) == 1


def test_update_can_deactivate_an_account(app, ada):
    users.update(ACTOR, ada, {"active": False}, reason="Left the office")

    assert ada.active is False
    assert ada.is_active is False
    event = events_for(ada)[-1]
    assert event.changes == {"active": [True, False]}
    assert event.reason == "Left the office"


def test_update_refuses_an_email_used_by_another_user_whatever_its_case(app, ada, make_user):
    other = make_user(email="other@example.org")
    with writes_nothing(User, field="email"):
        users.update(ACTOR, other, {"email": "Ada.Lovelace@example.org"})
    assert other.email == "other@example.org"
    assert other.version == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not-an-email"), ("name", ""), ("role", "god"), ("password_hash", "$argon2id$x")],
)
def test_update_refuses_bad_input_and_leaves_the_user_unchanged(app, ada, field, value):
    hash_before = ada.password_hash
    with writes_nothing(User, field=field):
        users.update(ACTOR, ada, {field: value})
    assert ada.email == "ada.lovelace@example.org"
    assert ada.name == "Ada Lovelace"
    assert ada.role == Role.REVIEWER
    assert ada.password_hash == hash_before
    assert ada.version == 1


def test_update_with_a_stale_version_raises_conflict_and_changes_nothing(app, ada):
    users.update(ACTOR, ada, {"name": "Ada King"})

    with writes_nothing(User, error=Conflict):
        users.update(ACTOR, ada, {"name": "Someone else"}, expected_version=1)
    assert ada.name == "Ada King"
    assert ada.version == 2


# --- passwords ----------------------------------------------------------------------------------


def test_set_password_replaces_the_hash_and_audits_without_it(app, ada):
    db.session.commit()
    old_hash = ada.password_hash
    events_before = count_rows(AuditEvent)

    users.set_password(ACTOR, ada, "another long passphrase")
    db.session.commit()

    assert ada.password_hash != old_hash
    assert ada.password_hash.startswith("$argon2")
    assert verify_password(ada, "another long passphrase") is True
    assert verify_password(ada, PASSWORD) is False
    assert count_rows(AuditEvent) == events_before + 1
    event = events_for(ada)[-1]
    assert event.action == AuditAction.UPDATE
    assert event.actor_label == "system:tests"
    assert "password_hash" not in event.changes
    assert ada.password_hash not in json.dumps(event.changes)
    assert old_hash not in json.dumps(event.changes)


def test_set_password_by_the_user_names_them_in_the_audit_event(app, ada):
    users.set_password(ada, ada, "another long passphrase")

    event = events_for(ada)[-1]
    assert event.actor_id == ada.id
    assert event.actor_label == "ada.lovelace@example.org"


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("short", id="short"),
        pytest.param(" " * 12, id="only-spaces"),
        pytest.param(" padded password ", id="padded"),
        pytest.param("x" * 1025, id="too-long"),
        pytest.param(None, id="null"),
    ],
)
def test_set_password_refuses_a_weak_password_and_keeps_the_old_one(app, ada, password):
    old_hash = ada.password_hash
    with writes_nothing(User, field="password"):
        users.set_password(ACTOR, ada, password)
    assert ada.password_hash == old_hash
    assert verify_password(ada, PASSWORD) is True
