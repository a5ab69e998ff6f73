"""One transaction per request: a success commits once, anything else leaves nothing written.

What a request wrote is looked for from a fresh session of its own, so that nothing the test's
session still holds can pass for stored.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import redirect
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from registry import create_app
from registry.core.audit.models import AuditEvent
from registry.core.audit.writer import SystemActor
from registry.core.db import write_transaction
from registry.core.enums import AuditAction
from registry.core.errors import RuleViolation
from registry.extensions import db
from registry.parties.models import Party
from registry.parties.services import parties
from registry.web.access import public


def stored(query):
    """What a fresh session reads for `query`: only what was committed."""
    with Session(db.engine) as fresh:
        return fresh.scalar(query)


def stored_party(name: str) -> Party | None:
    return stored(select(Party).where(Party.name == name))


def stored_events(action: AuditAction | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return stored(query)


@pytest.fixture
def commits(app):
    """`with commits() as made:` counts the commits of every session but the test's own."""
    own = db.session()

    @contextmanager
    def counting():
        made: list[Session] = []

        def after_commit(session):
            if session is not own:
                made.append(session)

        event.listen(Session, "after_commit", after_commit)
        try:
            yield made
        finally:
            event.remove(Session, "after_commit", after_commit)

    return counting


@pytest.fixture
def editor(sign_in):
    return sign_in("editor", "secret")


def form_of(browser, url: str, changes: dict) -> dict:
    shown = browser.get(url)
    assert shown.status_code == 200
    return browser.fill(shown.page.form_values(), changes)


# --- the web -------------------------------------------------------------------------------------


def test_a_saved_form_is_committed_once_and_stored(app, editor, commits):
    data = form_of(editor, "/parties/new", {"name": "Sylvania", "kind": "state"})
    with commits() as made:
        response = editor.post("/parties/new", data=data)
    assert response.status_code == 302
    assert len(made) == 1
    saved = stored_party("Sylvania")
    assert saved is not None
    created = select(func.count()).where(
        AuditEvent.action == AuditAction.CREATE,
        AuditEvent.entity_type == "parties",
        AuditEvent.entity_id == saved.id,
    )
    assert stored(created) == 1


def test_a_rejected_form_writes_neither_record_nor_event(app, editor, commits):
    data = form_of(editor, "/parties/new", {"name": "Sylvania", "kind": "no such kind"})
    events_before = stored_events()
    with commits() as made:
        response = editor.post("/parties/new", data=data)
    assert response.status_code == 422
    assert response.page.error("kind")
    assert made == []
    assert stored_party("Sylvania") is None
    assert stored_events() == events_before


def test_a_conflicting_edit_shows_the_stored_record_and_keeps_nothing(app, editor, make_party):
    party = make_party(name="Sylvania")
    db.session.commit()
    data = form_of(editor, f"/parties/{party.id}/edit", {"name": "Mine"})
    parties.update(SystemActor("elsewhere"), party, {"name": "Theirs"})
    db.session.commit()
    events_before = stored_events()
    response = editor.post(f"/parties/{party.id}/edit", data=data)
    assert response.status_code == 409
    assert stored_party("Theirs") is not None
    assert stored_party("Mine") is None
    assert stored_events() == events_before


def test_a_refusal_is_recorded_although_the_request_ends_in_403(app, sign_in):
    viewer = sign_in("viewer", "secret")
    token = viewer.csrf_token()
    before = stored_events(AuditAction.ACCESS_DENIED)
    response = viewer.post(
        "/parties/new", data={"csrf_token": token, "name": "Sylvania", "kind": "state"}
    )
    assert response.status_code == 403
    assert stored_events(AuditAction.ACCESS_DENIED) == before + 1
    assert stored_party("Sylvania") is None


def test_a_failed_sign_in_is_on_record_although_it_answers_401(app, client, make_user):
    user = make_user()
    response = client.login(user.email, "not the password")
    assert response.status_code == 401
    assert stored_events(AuditAction.LOGIN_FAILED) == 1
    assert stored(select(type(user).failed_login_count).where(type(user).id == user.id)) == 1


# --- views that fail after a service wrote: a throwaway app with routes of its own --------------


@pytest.fixture
def throwaway(app, new_client):
    """A second app on the same database, with routes that write and then fail."""
    other = create_app({"TESTING": True, "LOGIN_FAILURE_DELAY": 0})

    def write(name: str) -> Party:
        return parties.create(SystemActor("tests"), {"name": name, "kind": "state"})

    @other.get("/test/fails-after-writing")
    @public
    def fails_after_writing():
        with write_transaction():
            write("Written before the error")
        raise RuntimeError("something broke after the service flushed")

    @other.get("/test/answers-an-error-after-writing")
    @public
    def answers_an_error_after_writing():
        write("Written before the error page")
        return "Not this time", 400

    @other.get("/test/redirects-after-a-refused-change")
    @public
    def redirects_after_a_refused_change():
        try:
            with write_transaction():
                write("Written before the refusal")
                raise RuleViolation("the rule forbids it")
        except RuleViolation:
            pass
        return redirect("/")

    @other.get("/test/writes")
    @public
    def writes():
        with write_transaction():
            write("Written and kept")
        return "saved"

    yield new_client(other)
    with other.app_context():
        db.engine.dispose()


def test_an_exception_after_a_service_wrote_rolls_everything_back(app, throwaway):
    events_before = stored_events()
    response = throwaway.get("/test/fails-after-writing")
    assert response.status_code == 500
    assert "Nothing was saved" in response.page.text
    assert stored_party("Written before the error") is None
    assert stored_events() == events_before


def test_an_error_answer_keeps_nothing_of_what_the_view_wrote(app, throwaway):
    response = throwaway.get("/test/answers-an-error-after-writing")
    assert response.status_code == 400
    assert stored_party("Written before the error page") is None


def test_a_change_refused_inside_a_redirecting_view_is_not_kept(app, throwaway):
    events_before = stored_events()
    response = throwaway.get("/test/redirects-after-a-refused-change")
    assert response.status_code == 302
    assert stored_party("Written before the refusal") is None
    assert stored_events() == events_before


def test_a_successful_view_commits_once(app, throwaway, commits):
    with commits() as made:
        response = throwaway.get("/test/writes")
    assert response.status_code == 200
    assert len(made) == 1
    assert stored_party("Written and kept") is not None


# --- the API -------------------------------------------------------------------------------------


def test_api_answers_422_409_and_412_leave_nothing_written(app, api_as, make_party):
    editor = api_as("editor", "secret")
    party = make_party(name="Sylvania")
    db.session.commit()
    read = editor.get(f"/api/v1/parties/{party.id}")
    etag = read.headers["ETag"]
    events_before = stored_events()

    invalid = editor.post("/api/v1/parties", json={"name": "Ruritania", "kind": "no such kind"})
    assert invalid.status_code == 422
    assert stored_party("Ruritania") is None

    changed = editor.patch(
        f"/api/v1/parties/{party.id}", json={"name": "Newland"}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200
    events_before += 1  # the change just made, and its event
    stale = editor.patch(
        f"/api/v1/parties/{party.id}", json={"name": "Otherland"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert stored_party("Otherland") is None

    archive = f"/api/v1/parties/{party.id}/archive"
    assert editor.post(archive, json={"reason": "Merged"}).status_code == 200
    events_before += 1
    again = editor.post(archive, json={"reason": "Merged again"})
    assert again.status_code == 409

    assert stored_events() == events_before
    kept = stored_party("Newland")
    assert kept is not None and kept.archive_reason == "Merged"
