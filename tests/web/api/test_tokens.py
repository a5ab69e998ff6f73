"""Personal API tokens: made and revoked by their owner in the web interface, stored hashed."""

from __future__ import annotations

from sqlalchemy import select

from registry.api import tokens
from registry.api.models import ApiToken
from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction
from registry.extensions import db


def test_a_user_creates_a_token_sees_it_once_and_it_works(app, sign_in, new_client):
    browser = sign_in("viewer", "public")
    response = browser.submit("/account/tokens", {"name": "Monthly report"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = response.page.value("new-token") or response.page.by_id("new-token").attrs["value"]
    assert secret.startswith("trk_")
    [token] = db.session.scalars(select(ApiToken)).all()
    assert token.user_id == browser.user.id and token.name == "Monthly report"
    assert secret not in {token.secret_hash, token.prefix} and secret.startswith(token.prefix)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "api_tokens"))
    assert event.action == AuditAction.CREATE and secret not in str(event.changes)
    again = browser.get("/account/tokens")
    assert secret not in again.get_data(as_text=True)
    assert "Monthly report" in again.page.text

    script = new_client()
    answer = script.get("/api/v1/parties", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None


def test_revoking_asks_first_then_stops_the_token(app, sign_in, new_client):
    browser = sign_in("editor", "secret")
    token, secret = tokens.create_token(browser.user, {"name": "Old script"})
    db.session.commit()
    confirm = browser.get(f"/account/tokens/{token.id}/revoke")
    assert "Revoke" in confirm.page.title and "Old script" in confirm.page.text
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    done = browser.post_with_token(f"/account/tokens/{token.id}/revoke", follow_redirects=True)
    assert "revoked" in " ".join(done.page.flashes())
    script = new_client()
    answer = script.get("/api/v1/parties", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 401


def test_nobody_else_can_see_or_revoke_a_users_token(app, sign_in, make_user):
    owner = make_user(role="editor")
    token, _ = tokens.create_token(owner, {"name": "Owner's script"})
    db.session.commit()
    other = sign_in("admin", "secret")
    assert other.get(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert other.post_with_token(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert "Owner's script" not in other.get("/account/tokens").page.text
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_bad_token_names_are_refused_and_nothing_is_made(app, sign_in):
    browser = sign_in("viewer", "public")
    for name in ("", "   ", "x" * 101, "nul\x00byte"):
        page = browser.submit("/account/tokens", {"name": name}).page
        assert page.error("name"), name
    assert db.session.scalars(select(ApiToken)).all() == []


def test_too_many_live_tokens_are_refused(app, sign_in):
    browser = sign_in("viewer", "public")
    for number in range(tokens.MAX_LIVE_TOKENS):
        tokens.create_token(browser.user, {"name": f"Script {number}"})
    db.session.commit()
    page = browser.submit("/account/tokens", {"name": "One more"}).page
    assert "revoke one" in page.error("name")
