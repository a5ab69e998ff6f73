"""Two people edit the same agreement: the second save is never silently lost or applied."""

from __future__ import annotations

import pytest

from registry.core.enums import AuditAction
from registry.extensions import db

from support import events_for


@pytest.fixture
def agreement(make_agreement):
    record = make_agreement(title="Treaty of Two Editors", depositary="Washington")
    db.session.commit()
    return record


def conflict_rows(page) -> dict[str, tuple[str, str]]:
    """The conflict table: field label → (saved now, yours)."""
    heading = page.by_id("conflict-heading")
    assert heading is not None, "no conflict section on the page"
    section = heading.parent
    rows = {}
    for row in section.iter("tr"):
        cells = [cell.text for cell in row.children if not isinstance(cell, str)]
        if row.find("th", scope="row") is not None:
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def test_the_second_save_of_a_stale_form_answers_409_and_keeps_the_users_values(sign_in, agreement):
    first, second = sign_in("editor"), sign_in("editor")
    url = f"/agreements/{agreement.id}/edit"
    first_form = first.get(url).page.form_values()
    second_form = second.get(url).page.form_values()
    assert first_form["version"] == second_form["version"] == "1"

    saved = first.post(url, data={**first_form, "title": "Treaty as First Saved"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert (agreement.title, agreement.version) == ("Treaty as First Saved", 2)

    stale = second.post(
        url, data={**second_form, "title": "Treaty as Second Typed", "depositary": "London"}
    )
    assert stale.status_code == 409
    page = stale.page
    heading = page.by_id("conflict-heading")
    assert heading is not None and "Someone else saved this agreement" in heading.text
    rows = conflict_rows(page)
    assert rows["Title"] == ("Treaty as First Saved", "Treaty as Second Typed")
    assert rows["Depositary"] == ("Washington", "London")
    assert set(rows) == {"Title", "Depositary"}, "only the fields that differ are listed"
    # The form keeps what the second user typed, ready to save over the new version.
    assert page.value("title") == "Treaty as Second Typed"
    assert page.value("depositary") == "London"
    assert page.value("version") == "2"
    # The refused save wrote nothing.
    db.session.expire_all()
    assert (agreement.title, agreement.depositary, agreement.version) == (
        "Treaty as First Saved",
        "Washington",
        2,
    )
    assert [event.action for event in events_for(agreement)] == [
        AuditAction.CREATE,
        AuditAction.UPDATE,
    ]

    # Saving the form as shown applies the second user's values on top of the first save.
    again = second.post(url, data=page.form_values())
    assert again.status_code == 302
    assert "The agreement was saved." in second.get(again.headers["Location"]).page.flashes()
    db.session.expire_all()
    assert (agreement.title, agreement.depositary, agreement.version) == (
        "Treaty as Second Typed",
        "London",
        3,
    )
    events = events_for(agreement)
    assert [event.actor_id for event in events[1:]] == [first.user.id, second.user.id]
    assert events[-1].changes["title"] == ["Treaty as First Saved", "Treaty as Second Typed"]


def test_a_stale_form_that_matches_the_saved_record_asks_only_to_confirm(sign_in, agreement):
    first, second = sign_in("editor"), sign_in("editor")
    url = f"/agreements/{agreement.id}/edit"
    second_form = second.get(url).page.form_values()
    assert first.submit(url, {"title": "Same Title"}).status_code == 302

    stale = second.post(url, data={**second_form, "title": "Same Title"})
    assert stale.status_code == 409
    assert stale.page.by_id("conflict-heading") is not None
    assert "already holds your values" in stale.page.text
    assert stale.page.value("version") == "2"
    db.session.expire_all()
    assert agreement.version == 2
