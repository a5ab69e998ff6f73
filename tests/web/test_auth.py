"""Signing in and out, the lockout, changing one's password, and the admins' user pages."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction, Classification, Role
from registry.extensions import db
from registry.users.models import User

from support import count_rows, events_for

PASSWORD = "correct horse battery staple"
REFUSAL = "The email or password is not right, or the account cannot sign in now."


def login_failures() -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == AuditAction.LOGIN_FAILED)
        .order_by(AuditEvent.id)
    ).all()


def is_signed_in(browser) -> bool:
    response = browser.get("/dashboard")
    return response.status_code == 200


@pytest.fixture
def ada(make_user) -> User:
    user = make_user(email="ada@example.org", name="Ada", role="editor", password=PASSWORD)
    db.session.commit()
    return user


# --- signing in ---------------------------------------------------------------------------------


def test_good_credentials_lead_to_the_dashboard(client, ada):
    response = client.login("ada@example.org", PASSWORD)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/dashboard"
    page = client.get("/dashboard").page
    assert "Signed in as ada@example.org." in page.flashes("success")
    assert events_for(ada)[-1].action == AuditAction.LOGIN
    assert ada.last_login_at is not None


def test_the_email_is_matched_without_regard_to_case_or_spaces(client, ada):
    response = client.login("  ADA@Example.org ", PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(client)


def test_a_wrong_password_and_an_unknown_email_are_refused_alike(new_client, ada):
    wrong_password = new_client().login("ada@example.org", "not the password at all")
    unknown_email = new_client().login("nobody@example.org", PASSWORD)
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.page.flashes() == unknown_email.page.flashes() == [REFUSAL]
    # Apart from the echoed email, the two pages are the same: no hint which case it was.
    assert wrong_password.page.text.replace("ada@example.org", "E") == (
        unknown_email.page.text.replace("nobody@example.org", "E")
    )
    assert wrong_password.page.value("email") == "ada@example.org"


def test_each_failed_sign_in_is_an_audit_event(client, ada):
    client.login("ada@example.org", "not the password at all")
    client.login("nobody@example.org", PASSWORD)
    failures = login_failures()
    assert len(failures) == 2
    assert failures[0].entity_id == ada.id
    assert "Wrong password" in failures[0].reason
    assert failures[1].entity_id is None
    assert "nobody@example.org" in failures[1].reason
    assert not is_signed_in(client)


def test_the_account_locks_after_too_many_failures(app, client, ada):
    limit = app.config.get("LOGIN_MAX_FAILURES", 5)
    for _ in range(limit):
        assert client.login("ada@example.org", "not the password at all").status_code == 401
    db.session.expire_all()
    assert ada.failed_login_count == limit
    assert ada.locked_until is not None and ada.locked_until > datetime.now(UTC)
    assert "locked after" in login_failures()[-1].reason

    refused = client.login("ada@example.org", PASSWORD)
    assert refused.status_code == 401
    assert refused.page.flashes() == [REFUSAL]
    assert not is_signed_in(client)
    assert login_failures()[-1].reason == "Account locked"


def test_fewer_failures_than_the_limit_do_not_lock_and_success_resets_the_count(app, client, ada):
    for _ in range(app.config.get("LOGIN_MAX_FAILURES", 5) - 1):
        client.login("ada@example.org", "not the password at all")
    assert client.login("ada@example.org", PASSWORD).status_code == 302
    db.session.expire_all()
    assert ada.failed_login_count == 0
    assert ada.locked_until is None


def test_an_inactive_user_cannot_sign_in(client, make_user):
    make_user(email="gone@example.org", active=False, password=PASSWORD)
    response = client.login("gone@example.org", PASSWORD)
    assert response.status_code == 401
    assert response.page.flashes() == [REFUSAL]
    assert not is_signed_in(client)
    assert "Inactive account" in login_failures()[-1].reason


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param("/agreements", "/agreements", id="same-site-path"),
        pytest.param("/agreements?status=in_force", "/agreements", id="same-site-with-query"),
        pytest.param("https://evil.example", "/dashboard", id="absolute-url"),
        pytest.param("//evil.example", "/dashboard", id="protocol-relative"),
        pytest.param("/\\evil.example", "/dashboard", id="backslash"),
        pytest.param("javascript:alert(1)", "/dashboard", id="javascript"),
        pytest.param("/\t/evil.example", "/dashboard", id="tab-hidden-slashes"),
        pytest.param("https:evil.example", "/dashboard", id="scheme-without-slashes"),
    ],
)
def test_next_only_leads_to_a_path_on_this_site(client, ada, target, expected):
    response = client.login("ada@example.org", PASSWORD, next=target)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.scheme in ("", "http")
    assert location.path == expected
    # A signed-in user opening the login page is sent on by the same rule.
    again = client.get("/login", query_string={"next": target})
    assert urlsplit(again.headers["Location"]).path == expected


def test_the_login_form_carries_next_through(client, ada):
    page = client.get("/login?next=/parties").page
    assert page.value("next") == "/parties"
    response = client.submit(
        "/login",
        {"email": "ada@example.org", "password": PASSWORD},
        form_url="/login?next=/parties",
    )
    assert urlsplit(response.headers["Location"]).path == "/parties"


# --- signing out ----------------------------------------------------------------------------------


def test_logout_is_post_only_and_needs_the_csrf_token(client, ada):
    client.login("ada@example.org", PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert is_signed_in(client)
    response = client.post_with_token("/logout")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"
    assert not is_signed_in(client)


# --- changing one's password ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "repeat", "field", "message"),
    [
        pytest.param(
            "not my password", "a brand new passphrase", "a brand new passphrase",
            "current_password", "This is not your current password.", id="wrong-current",
        ),
        pytest.param(
            PASSWORD, "a brand new passphrase", "a brand new passphrase!",
            "repeat", "The two new passwords differ.", id="mismatch",
        ),
        pytest.param(
            PASSWORD, "short", "short",
            "new_password", "Must be at least 12 characters.", id="too-short",
        ),
    ],
)  # fmt: skip
def test_a_bad_password_change_is_refused_next_to_the_field(
    client, ada, current, new, repeat, field, message
):
    client.login("ada@example.org", PASSWORD)
    hash_before = ada.password_hash
    response = client.submit(
        "/account/password", {"current_password": current, "new_password": new, "repeat": repeat}
    )
    assert response.status_code == 422
    assert response.page.error(field) == message
    db.session.expire_all()
    assert ada.password_hash == hash_before


def test_a_password_change_replaces_the_old_password(new_client, client, ada):
    client.login("ada@example.org", PASSWORD)
    response = client.submit(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "repeat": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert "Your password was changed." in client.get("/dashboard").page.flashes("success")
    event = events_for(ada)[-1]
    assert event.action == AuditAction.UPDATE and event.actor_id == ada.id
    assert "password" in event.changes
    assert "brand new" not in str(event.changes)

    assert new_client().login("ada@example.org", PASSWORD).status_code == 401
    assert new_client().login("ada@example.org", "a brand new passphrase").status_code == 302


# --- the admins' user pages ---------------------------------------------------------------------


NEW_USER = {
    "email": "grace@example.org",
    "name": "Grace",
    "role": "reviewer",
    "clearance": "confidential",
    "active": True,
    "password": "a brand new passphrase",
    "repeat": "a brand new passphrase",
}


def test_an_admin_creates_a_user_who_can_then_sign_in(new_client, sign_in):
    admin = sign_in("admin")
    response = admin.submit("/users/new", NEW_USER)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/users"
    assert "User grace@example.org was created." in admin.get("/users").page.flashes()
    grace = db.session.scalar(select(User).where(User.email == "grace@example.org"))
    assert (grace.name, grace.role, grace.clearance, grace.active) == (
        "Grace",
        Role.REVIEWER,
        Classification.CONFIDENTIAL,
        True,
    )
    event = events_for(grace)[-1]
    assert event.action == AuditAction.CREATE and event.actor_id == admin.user.id
    assert "password_hash" not in event.changes
    assert new_client().login("grace@example.org", "a brand new passphrase").status_code == 302


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param(
            {"repeat": "a different passphrase"}, "repeat", "The two passwords differ.",
            id="passwords-differ",
        ),
        pytest.param(
            {"password": "short", "repeat": "short"}, "password",
            "Must be at least 12 characters.", id="weak-password",
        ),
        pytest.param(
            {"password": " padded passphrase ", "repeat": " padded passphrase "}, "password",
            "Must not start or end with spaces.", id="padded-password",
        ),
        pytest.param(
            {"email": "taken@example.org"}, "email", "already used", id="duplicate-email",
        ),
        pytest.param(
            {"email": "TAKEN@example.org"}, "email", "already used",
            id="duplicate-email-other-case",
        ),
        pytest.param({"email": "not an email"}, "email", "Not a valid email", id="bad-email"),
        pytest.param({"name": ""}, "name", "Must not be blank.", id="no-name"),
        pytest.param({"role": "superuser"}, "role", "Must be one of", id="unknown-role"),
        pytest.param(
            {"clearance": "cosmic"}, "clearance", "Must be one of", id="unknown-clearance"
        ),
    ],
)  # fmt: skip
def test_a_bad_new_user_is_refused_next_to_the_field(sign_in, make_user, changes, field, message):
    make_user(email="taken@example.org")
    admin = sign_in("admin")
    users_before = count_rows(User)
    events_before = count_rows(AuditEvent)
    response = admin.submit("/users/new", {**NEW_USER, **changes})
    assert response.status_code == 422
    assert message in (response.page.error(field) or ""), response.page.errors()
    assert response.page.value("email") == changes.get("email", NEW_USER["email"])
    assert response.page.value("name") == changes.get("name", NEW_USER["name"])
    assert response.page.value("password") == "", "a refused password is not sent back"
    assert count_rows(User) == users_before
    assert count_rows(AuditEvent) == events_before


def test_an_admin_changes_a_users_role_clearance_and_active_flag(new_client, sign_in, make_user):
    bob = make_user(email="bob@example.org", role="viewer", clearance="public", password=PASSWORD)
    bobs_browser = new_client()
    bobs_browser.login("bob@example.org", PASSWORD)
    admin = sign_in("admin")

    response = admin.submit(
        f"/users/{bob.id}/edit", {"role": "editor", "clearance": "restricted", "active": False}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (bob.role, bob.clearance, bob.active) == (
        Role.EDITOR,
        Classification.RESTRICTED,
        False,
    )
    event = events_for(bob)[-1]
    assert event.action == AuditAction.UPDATE and event.actor_id == admin.user.id
    assert set(event.changes) == {"role", "clearance", "active"}
    # A deactivated user is signed out at once and cannot sign in again.
    assert not is_signed_in(bobs_browser)
    assert new_client().login("bob@example.org", PASSWORD).status_code == 401

    response = admin.submit(f"/users/{bob.id}/edit", {"active": True})
    assert response.status_code == 302
    assert new_client().login("bob@example.org", PASSWORD).status_code == 302


def test_the_user_list_shows_everyone_to_an_admin(sign_in, make_user):
    make_user(email="carol@example.org", name="Carol")
    page = sign_in("admin").get("/users").page
    assert "carol@example.org" in page.text


@pytest.mark.parametrize("role", ["viewer", "editor", "reviewer", "auditor"])
def test_only_admins_manage_users(sign_in, role):
    browser = sign_in(role)
    assert browser.get("/users").status_code == 403
    assert browser.get("/users/new").status_code == 403
