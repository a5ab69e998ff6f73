"""Answers kept between requests are served only while the recorded data is unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import insert, update

from registry.api.models import ApiTokenUsage
from registry.api.tokens import create_token
from registry.core.cache import Answers, remembered
from registry.extensions import db
from registry.parties.models import Party


@pytest.fixture
def asked():
    """A question whose answer counts how often it was worked out."""
    worked_out: list[int] = []

    def ask(key=("how many times",)):
        return remembered(key, lambda: worked_out.append(1) or len(worked_out))

    return ask


def test_an_answer_is_kept_while_nothing_changes(app, asked):
    assert asked() == 1
    assert asked() == 1
    db.session.commit()  # a transaction that wrote nothing changes nothing
    assert asked() == 1
    assert asked(("another question",)) == 2


def test_a_recorded_change_sets_every_answer_aside(app, asked, make_agreement):
    assert asked() == 1
    make_agreement(title="Treaty of Change")
    db.session.commit()
    assert asked() == 2
    assert asked() == 2


def test_a_write_without_an_audit_event_sets_answers_aside_too(app, asked, make_party):
    assert asked() == 1
    party = make_party(name="Quietland")
    db.session.commit()
    assert asked() == 2
    party.name = "Quieterland"  # straight through the session: no service, no event
    db.session.commit()
    assert asked() == 3


def test_a_write_below_the_session_sets_answers_aside_too(app, asked, make_party):
    party = make_party(name="Bulkland")
    db.session.commit()
    assert asked() == 1
    with db.engine.begin() as connection:  # as bulk inserts do: no session, no event
        connection.execute(update(Party).where(Party.id == party.id).values(name="Bulkerland"))
    assert asked() == 2


def test_an_answer_from_rolled_back_writes_is_not_served_afterwards(app, asked, make_agreement):
    assert asked() == 1
    make_agreement(title="Treaty never concluded")
    assert asked() == 2  # worked out from the pending change
    db.session.rollback()
    assert asked() == 3  # not the answer that saw what was rolled back


def test_a_change_committed_by_another_process_sets_answers_aside(
    app, asked, make_agreement, database_url
):
    agreement = make_agreement(title="Treaty of Elsewhere")
    db.session.commit()
    assert asked() == 1
    script = textwrap.dedent(
        f"""
        from registry import create_app
        from registry.agreements.models import Agreement
        from registry.agreements.services import agreements
        from registry.extensions import db
        from support import ACTOR
        with create_app().app_context():
            record = db.session.get(Agreement, {agreement.id})
            agreements.update(ACTOR, record, {{"title": "Treaty of Somewhere Else"}})
            db.session.commit()
        """
    )
    tests = os.path.dirname(os.path.dirname(__file__))
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        env={**os.environ, "REGISTRY_DATABASE_URL": database_url, "PYTHONPATH": tests},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    db.session.commit()  # this request is over; the next one begins afresh
    assert asked() == 2


def test_bookkeeping_writes_leave_answers_alone(app, asked, make_user):
    token, _ = create_token(make_user(), {"name": "bookkeeping"})
    db.session.commit()
    assert asked() == 1
    db.session.execute(
        insert(ApiTokenUsage).values(token_id=token.id, window_start=token.created_at, requests=1)
    )
    db.session.commit()
    assert asked() == 1


def test_the_least_recently_used_answer_is_dropped_first(app):
    answers = Answers(size=2)
    answers.get("a", lambda: "A")
    answers.get("b", lambda: "B")
    answers.get("a", lambda: "not worked out again")  # "a" is now the most recently used
    answers.get("c", lambda: "C")
    assert answers.get("a", lambda: "gone") == "A"
    assert answers.get("b", lambda: "worked out again") == "worked out again"
