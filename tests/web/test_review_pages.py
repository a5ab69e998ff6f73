"""The review pages: workflow buttons (each a POST with CSRF), sign-off rules, exit steps."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from registry.core.audit.models import AuditEvent
from registry.core.enums import ReviewStatus
from registry.extensions import db
from registry.reviews.models import ExitStep, Review
from registry.reviews.services import reviews

from support import ACTOR, count_rows


@pytest.fixture
def npt(make_agreement):
    return make_agreement(
        title="Treaty on the Non-Proliferation of Nuclear Weapons",
        short_title="NPT",
        instrument_type="nonproliferation",
        concluded_on="1968-07-01",
        entered_into_force_on="1970-03-05",
        notice_period="P3M",
        review_cadence="periodic",
        review_interval="P5Y",
    )


@pytest.fixture
def scheduled(npt):
    review = reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27))
    db.session.commit()
    return review


def post_button(client, page_url: str, action: str, extra: dict | None = None):
    """Press a workflow button: post the form whose action ends with `action`, as shown."""
    page = client.get(page_url).page
    form = next(
        (f for f in page.main.iter("form") if (f.attrs.get("action") or "").endswith(action)),
        None,
    )
    assert form is not None, f"no {action} button on {page_url}"
    return client.post(form.attrs["action"], data={**page.form_values(form), **(extra or {})})


def buttons(client, url: str) -> list[str]:
    return [button.text for button in client.get(url).page.main.iter("button")]


def test_record_return_resubmit_and_approve_through_the_pages(app, sign_in, scheduled, npt):
    editor = sign_in("editor", "secret")
    first = sign_in("reviewer", "secret")
    second = sign_in("reviewer", "secret")
    url = f"/reviews/{scheduled.id}"

    assert "Start review" in buttons(editor, url)
    assert "Approve review" not in buttons(first, url)
    response = post_button(editor, url, "/start")
    assert response.status_code == 302
    assert db.session.get(Review, scheduled.id).status == ReviewStatus.IN_PROGRESS

    # Submitting an empty review names what is missing and changes nothing.
    response = post_button(editor, url, "/submit")
    assert response.status_code == 422
    assert "Give the outcome before submitting." in response.page.text
    assert db.session.get(Review, scheduled.id).status == ReviewStatus.IN_PROGRESS

    edited = editor.submit(
        f"/reviews/{scheduled.id}/edit",
        {"compliance": "compliant", "outcome": "continue", "findings": "Reports were on time."},
    )
    assert edited.status_code == 302
    assert post_button(editor, url, "/submit").status_code == 302
    assert "Approve review" not in buttons(editor, url)  # an editor cannot sign off

    # Returning needs a reason; what the reviewer typed is kept on error.
    response = post_button(first, url, "/return", {"reason": "  "})
    assert response.status_code == 422
    assert response.page.error("reason") == "Say what must change before approval."
    assert db.session.get(Review, scheduled.id).status == ReviewStatus.SUBMITTED
    post_button(first, url, "/return", {"reason": "Add the parties that did not report."})
    page = editor.get(url).page
    assert "Returned for changes: Add the parties that did not report." in page.text
    assert "Resume work" in buttons(editor, url)

    post_button(editor, url, "/start")
    post_button(editor, url, "/submit")
    response = post_button(second, url, "/approve")
    assert response.status_code == 302
    stored = db.session.get(Review, scheduled.id)
    assert (stored.status, stored.approved_by_id) == (ReviewStatus.APPROVED, second.user.id)

    agreement_page = editor.get(f"/agreements/{npt.id}").page
    review_rows = [row for row in agreement_page.main.rows() if row and row[0] == "2035-03-05"]
    assert review_rows and review_rows[0][2] == "Scheduled"
    history = editor.get(url).page.by_id("history-heading").parent.text
    assert "Add the parties that did not report." in history
    assert "Status: submitted → approved" in history


def test_a_forged_approval_by_the_recorder_is_refused(app, sign_in, npt):
    recorder = sign_in("reviewer", "secret")
    review = reviews.create(
        recorder.user,
        {
            "agreement_id": npt.id,
            "due_on": "2030-03-05",
            "status": "submitted",
            "compliance": "compliant",
            "outcome": "continue",
            "findings": "Done.",
        },
    )
    db.session.commit()
    assert "Approve review" not in buttons(recorder, f"/reviews/{review.id}")
    events_before = count_rows(AuditEvent)

    response = recorder.post_with_token(
        f"/reviews/{review.id}/approve", {"version": str(review.version)}
    )

    assert response.status_code == 302
    page = recorder.get(response.headers["Location"]).page
    assert "The person who recorded a review cannot also approve it." in page.flashes("error")
    db.session.expire_all()
    assert db.session.get(Review, review.id).status == ReviewStatus.SUBMITTED
    assert count_rows(AuditEvent) == events_before


def test_a_post_without_the_csrf_token_is_refused(app, sign_in, scheduled):
    editor = sign_in("editor", "secret")
    response = editor.post(f"/reviews/{scheduled.id}/start", data={})
    assert response.status_code == 400
    assert db.session.get(Review, scheduled.id).status == ReviewStatus.SCHEDULED


def test_an_approved_review_cannot_be_edited_through_the_form(app, sign_in, npt):
    editor, reviewer = sign_in("editor", "secret"), sign_in("reviewer", "secret")
    review = reviews.create(
        editor.user,
        {
            "agreement_id": npt.id,
            "due_on": "2030-03-05",
            "status": "submitted",
            "compliance": "compliant",
            "outcome": "continue",
            "findings": "Original findings.",
        },
    )
    reviews.approve(reviewer.user, review, completed_on=date(2030, 3, 5))
    db.session.commit()

    page = editor.get(f"/reviews/{review.id}").page
    assert "Edit review" not in page.text
    assert "Record a correction" in page.text
    response = editor.post_with_token(
        f"/reviews/{review.id}/edit",
        {"due_on": "2030-03-05", "findings": "Rewritten", "version": str(review.version)},
    )
    assert response.status_code == 409
    assert "An approved review cannot be changed" in response.page.text
    db.session.expire_all()
    assert db.session.get(Review, review.id).findings == "Original findings."


def test_a_stale_button_is_refused(app, sign_in, scheduled):
    editor = sign_in("editor", "secret")
    response = editor.post_with_token(f"/reviews/{scheduled.id}/start", {"version": "99"})
    page = editor.get(response.headers["Location"]).page
    assert any("changed by someone else" in text for text in page.flashes("error"))
    assert db.session.get(Review, scheduled.id).status == ReviewStatus.SCHEDULED


def test_the_withdraw_outcome_shows_natos_dates_on_the_agreement_page(app, sign_in, make_agreement):
    nato = make_agreement(
        title="North Atlantic Treaty",
        short_title="NATO",
        notice_min_in_force="P20Y",
        notice_period="P1Y",
        review_cadence="on_request",
        review_interval="P10Y",
    )
    editor, reviewer = sign_in("editor", "secret"), sign_in("reviewer", "secret")
    review = reviews.create(
        editor.user,
        {
            "agreement_id": nato.id,
            "due_on": "2026-11-27",
            "completed_on": "2026-11-27",
            "status": "submitted",
            "compliance": "non_compliant",
            "outcome": "withdraw",
            "findings": "Withdrawal recommended for the test.",
        },
    )
    db.session.commit()

    post_button(reviewer, f"/reviews/{review.id}", "/approve")

    section = editor.get(f"/agreements/{nato.id}").page.by_id("exit-heading").parent
    assert "Withdrawal (open)" in section.text
    terms = dict(
        zip(
            [dt.text for dt in section.iter("dt")],
            [dd.text for dd in section.iter("dd")],
            strict=True,
        )
    )
    assert terms == {
        "Earliest notice date": "1969-08-24",
        "Withdrawal effective if notice was given on the earliest date": "1970-08-24",
        "Withdrawal effective if notice is given on 2026-11-27": "2027-11-27",
    }
    step = db.session.scalar(select(ExitStep).where(ExitStep.review_id == review.id))

    response = post_button(editor, f"/agreements/{nato.id}", "/close", {"reason": ""})
    assert db.session.get(ExitStep, step.id).closed_on is None
    post_button(editor, f"/agreements/{nato.id}", "/close", {"reason": "Decided to stay."})
    db.session.expire_all()
    assert db.session.get(ExitStep, step.id).close_reason == "Decided to stay."
    assert response.status_code == 302
