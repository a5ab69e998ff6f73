"""The periodic review workflow: start, submit, return, approve, corrections and exit steps."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from registry.agreements import rules
from registry.core.enums import DeadlineKind, ExitStepKind, ReviewStatus
from registry.core.errors import Conflict, RuleViolation, ValidationFailed
from registry.deadlines.queries import find_deadlines
from registry.extensions import db
from registry.reviews.models import ExitStep, Review
from registry.reviews.services import exit_steps, reviews

from support import ACTOR, events_for, writes_nothing

CONTENT = {
    "compliance": "compliant",
    "outcome": "continue",
    "findings": "All parties met the review conference's reporting commitments.",
}


@pytest.fixture
def npt(make_agreement):
    """The NPT: review conferences every five years from entry into force (Art. VIII(3))."""
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
def nato(make_agreement):
    """The North Atlantic Treaty: review on request after ten years (Art. 12), exit Art. 13."""
    return make_agreement(
        title="North Atlantic Treaty",
        short_title="NATO",
        concluded_on="1949-04-04",
        entered_into_force_on="1949-08-24",
        notice_min_in_force="P20Y",
        notice_period="P1Y",
        notice_to="Government of the United States of America",
        review_cadence="on_request",
        review_interval="P10Y",
    )


@pytest.fixture
def people(make_user):
    return {
        "editor": make_user(email="editor@example.org", role="editor"),
        "first": make_user(email="first.reviewer@example.org", role="reviewer"),
        "second": make_user(email="second.reviewer@example.org", role="reviewer"),
    }


def complete(review, editor, **content):
    """Start a scheduled review, fill it in and submit it, as the editor."""
    reviews.start(editor, review)
    reviews.update(editor, review, {**CONTENT, **content})
    reviews.submit(editor, review)
    return review


# --- cadence ------------------------------------------------------------------------------------


def test_the_npt_review_conferences_fall_every_five_years_from_1975(app, npt, people):
    first = reviews.schedule_next(ACTOR, npt, today=date(1970, 3, 6))
    assert first.due_on == date(1975, 3, 5)

    dues = [first.due_on]
    review = first
    for _ in range(3):
        complete(review, people["editor"])
        reviews.approve(people["first"], review, completed_on=review.due_on)
        review = reviews.open_periodic_review(npt)
        dues.append(review.due_on)

    assert dues == [date(1975, 3, 5), date(1980, 3, 5), date(1985, 3, 5), date(1990, 3, 5)]
    assert review.status == ReviewStatus.SCHEDULED
    assert review.is_periodic is True


def test_nato_reviews_only_on_request_from_ten_years_in_force(app, nato, people):
    assert rules.review_may_be_requested_from(nato) == date(1959, 8, 24)
    assert reviews.schedule_next(ACTOR, nato, today=date(2026, 11, 27)) is None

    requested = reviews.create(
        people["editor"], {"agreement_id": nato.id, "due_on": "2026-12-15", **CONTENT}
    )
    reviews.start(people["editor"], requested)
    reviews.submit(people["editor"], requested)
    reviews.approve(people["first"], requested, completed_on=date(2026, 12, 15))

    assert db.session.scalars(select(Review).where(Review.agreement_id == nato.id)).all() == [
        requested
    ]


# --- the workflow -------------------------------------------------------------------------------


def test_returned_resubmitted_and_approved_by_a_second_reviewer_schedules_the_next(
    app, npt, people
):
    review = reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27))
    assert review.due_on == date(2030, 3, 5)
    complete(review, people["editor"], findings="First draft.")

    reviews.return_for_changes(
        people["first"], review, reason="Cite the 2026 conference's final document."
    )
    assert review.status == ReviewStatus.RETURNED
    assert review.return_reason == "Cite the 2026 conference's final document."
    with pytest.raises(RuleViolation):
        reviews.submit(people["editor"], review)  # returned goes back to in progress first

    reviews.start(people["editor"], review)
    reviews.update(people["editor"], review, {"findings": "Second draft, citing NPT/CONF.2026."})
    reviews.submit(people["editor"], review)
    assert review.return_reason is None
    reviews.approve(people["second"], review, completed_on=date(2030, 3, 1))
    db.session.commit()

    assert review.status == ReviewStatus.APPROVED
    assert review.approved_by_id == people["second"].id
    assert review.recorded_by_id == people["editor"].id
    following = reviews.open_periodic_review(npt)
    assert following.due_on == date(2035, 3, 5)
    assert following.status == ReviewStatus.SCHEDULED
    reasons = [event.reason for event in events_for(review)]
    assert reasons[-4:] == [
        "Review resumed after return",
        None,
        "Review submitted for sign-off",
        "Review approved",
    ]
    assert "Cite the 2026 conference's final document." in reasons


def test_submitting_needs_the_finding_outcome_and_findings(app, npt, people):
    review = reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27))
    reviews.start(people["editor"], review)
    db.session.commit()

    with writes_nothing(Review, field="outcome") as caught:
        reviews.submit(people["editor"], review)
    assert set(caught.value.messages) == {"compliance", "outcome", "findings"}
    assert db.session.get(Review, review.id).status == ReviewStatus.IN_PROGRESS


def test_returning_needs_a_reason(app, npt, people):
    review = complete(reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27)), people["editor"])
    for reason in ("", "   ", None):
        with writes_nothing(Review, field="reason"):
            reviews.return_for_changes(people["first"], review, reason=reason)
    with writes_nothing(Review, field="reason"):
        reviews.return_for_changes(people["first"], review, reason="x" * 5001)
    assert db.session.get(Review, review.id).status == ReviewStatus.SUBMITTED


def test_the_recorder_can_neither_approve_nor_return_their_own_review(app, npt, make_user):
    recorder = make_user(role="reviewer")
    review = complete(reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27)), recorder)
    assert review.recorded_by_id == recorder.id

    with writes_nothing(Review, error=RuleViolation):
        reviews.approve(recorder, review, completed_on=date(2027, 1, 1))
    with writes_nothing(Review, error=RuleViolation):
        reviews.return_for_changes(recorder, review, reason="Looks wrong to me")
    assert db.session.get(Review, review.id).status == ReviewStatus.SUBMITTED


def test_the_database_refuses_an_approver_who_recorded_the_review(app, npt, people):
    review = complete(reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27)), people["editor"])
    db.session.commit()
    review.approved_by_id = people["editor"].id
    review.status = ReviewStatus.APPROVED
    review.completed_on = date(2027, 1, 1)
    with pytest.raises(Exception, match="approver_not_recorder"):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_only_editors_and_reviewers_work_on_reviews(app, npt, make_user, role):
    review = reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27))
    with writes_nothing(Review, error=RuleViolation):
        reviews.start(make_user(role=role), review)


def test_a_submitted_review_cannot_be_edited_until_returned(app, npt, people):
    review = complete(reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27)), people["editor"])
    with writes_nothing(Review, error=RuleViolation):
        reviews.update(people["editor"], review, {"findings": "Changed after submission"})
    assert review.findings == CONTENT["findings"]


def test_an_approved_review_cannot_be_changed_by_any_step(app, npt, people):
    review = complete(reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27)), people["editor"])
    reviews.approve(people["first"], review, completed_on=date(2030, 3, 1))
    db.session.commit()

    with writes_nothing(Review, error=RuleViolation):
        reviews.update(people["editor"], review, {"findings": "Rewritten afterwards"})
    with writes_nothing(Review, error=RuleViolation):
        reviews.start(people["editor"], review)
    with writes_nothing(Review, error=RuleViolation):
        reviews.submit(people["editor"], review)
    with writes_nothing(Review, error=RuleViolation):
        reviews.return_for_changes(people["second"], review, reason="Reopen it")
    with writes_nothing(Review, error=RuleViolation):
        reviews.approve(people["second"], review, completed_on=date(2030, 3, 2))
    stored = db.session.get(Review, review.id)
    assert (stored.status, stored.findings, stored.approved_by_id) == (
        ReviewStatus.APPROVED,
        CONTENT["findings"],
        people["first"].id,
    )


def test_a_correction_is_a_new_review_pointing_at_the_approved_one(app, npt, people):
    review = complete(reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27)), people["editor"])
    reviews.approve(people["first"], review, completed_on=date(2030, 3, 1))

    correction = reviews.create(
        people["editor"],
        {
            "agreement_id": npt.id,
            "due_on": "2030-04-01",
            "corrects_id": review.id,
            "findings": "Corrects the count of reporting parties.",
        },
    )

    assert correction.corrects_id == review.id
    assert review.findings == CONTENT["findings"]
    with writes_nothing(Review, field="corrects_id"):
        reviews.create(
            people["editor"],
            {"agreement_id": npt.id, "due_on": "2030-04-01", "corrects_id": correction.id},
        )
    with writes_nothing(Review, field="corrects_id"):
        reviews.update(people["editor"], correction, {"corrects_id": None})


def test_a_stale_version_is_refused(app, npt, people):
    review = reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27))
    version = review.version
    reviews.start(people["editor"], review)
    db.session.commit()
    with writes_nothing(Review, error=Conflict):
        reviews.submit(people["editor"], review, expected_version=version)


# --- withdraw and suspend -----------------------------------------------------------------------


def test_a_withdraw_outcome_opens_the_step_with_natos_dates(app, nato, people):
    review = reviews.create(
        people["editor"], {"agreement_id": nato.id, "due_on": "2026-11-27", "status": "in_progress"}
    )
    reviews.update(people["editor"], review, {**CONTENT, "outcome": "withdraw"})
    reviews.submit(people["editor"], review)
    reviews.approve(people["first"], review, completed_on=date(2026, 11, 27))
    db.session.commit()

    step = db.session.scalar(select(ExitStep).where(ExitStep.review_id == review.id))
    assert step.kind == ExitStepKind.WITHDRAWAL
    assert step.opened_on == date(2026, 11, 27)
    # Art. 13: notice allowed after 20 years in force, effective one year after notice.
    assert step.earliest_notice_on == date(1969, 8, 24)
    assert step.effective_if_notice_on_earliest == date(1970, 8, 24)
    assert step.effective_if_notice_on_opening == date(2027, 11, 27)
    assert events_for(step)[0].changes["earliest_notice_on"] == [None, "1969-08-24"]

    deadlines = find_deadlines(
        ACTOR_CLEARANCE, date(2026, 1, 1), date(2028, 12, 31), today=date(2026, 11, 27)
    )
    mine = [(d.kind, d.due_on) for d in deadlines if d.key.startswith(f"exit_steps:{step.id}:")]
    assert mine == [
        (DeadlineKind.EXIT_DECISION, date(2026, 11, 27)),
        (DeadlineKind.WITHDRAWAL_EFFECTIVE, date(2027, 11, 27)),
    ]

    exit_steps.close(
        people["editor"], step, reason="The government decided to stay.", closed_on=date(2027, 1, 5)
    )
    deadlines = find_deadlines(
        ACTOR_CLEARANCE, date(2026, 1, 1), date(2028, 12, 31), today=date(2026, 11, 27)
    )
    assert not [d for d in deadlines if d.key.startswith("exit_steps:")]


ACTOR_CLEARANCE = "secret"


def test_a_suspend_outcome_opens_a_suspension_step(app, npt, people):
    review = complete(
        reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27)),
        people["editor"],
        outcome="suspend",
    )
    reviews.approve(people["first"], review, completed_on=date(2030, 3, 1))

    step = db.session.scalar(select(ExitStep).where(ExitStep.review_id == review.id))
    assert step.kind == ExitStepKind.SUSPENSION
    # NPT Art. X(1): three months' notice, from entry into force.
    assert step.earliest_notice_on == date(1970, 3, 5)
    assert step.effective_if_notice_on_opening == date(2030, 6, 1)


def test_closing_an_exit_step_needs_a_reason(app, nato, people):
    review = reviews.create(
        people["editor"],
        {"agreement_id": nato.id, "due_on": "2026-11-27", "status": "in_progress", **CONTENT},
    )
    reviews.update(people["editor"], review, {"outcome": "withdraw"})
    reviews.submit(people["editor"], review)
    reviews.approve(people["first"], review, completed_on=date(2026, 11, 27))
    step = db.session.scalar(select(ExitStep).where(ExitStep.review_id == review.id))
    db.session.commit()

    with writes_nothing(ExitStep, field="reason"):
        exit_steps.close(people["editor"], step, reason=" ", closed_on=date(2026, 12, 1))
    with writes_nothing(ExitStep, field="closed_on"):
        exit_steps.close(people["editor"], step, reason="Early", closed_on=date(2026, 1, 1))
    with writes_nothing(ExitStep, error=RuleViolation):
        exit_steps.close(people["first"].__class__(), step, reason="x", closed_on=date(2027, 1, 1))


# --- concurrency --------------------------------------------------------------------------------


def test_two_concurrent_approvals_of_one_review_cannot_both_succeed(app, npt, people):
    review = complete(reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27)), people["editor"])
    db.session.commit()
    review_id = review.id
    approver_ids = [people["first"].id, people["second"].id]
    ready = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def approve_as(user_id: int) -> None:
        from registry.core.db import write_transaction
        from registry.users.models import User

        with app.app_context():
            try:
                approver = db.session.get(User, user_id)
                target = db.session.get(Review, review_id)
                assert target.status == ReviewStatus.SUBMITTED  # both have read it submitted
                ready.wait(timeout=30)
                with write_transaction():
                    reviews.approve(approver, target, completed_on=date(2030, 3, 1))
                    db.session.commit()
                outcomes[user_id] = "approved"
            except (RuleViolation, Conflict) as error:
                db.session.rollback()
                outcomes[user_id] = f"refused: {error}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve_as, args=(user_id,)) for user_id in approver_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcome.split(":")[0] for outcome in outcomes.values()) == [
        "approved",
        "refused",
    ], outcomes
    db.session.commit()  # end this session's snapshot to read what the threads wrote
    stored = db.session.get(Review, review_id)
    winner = next(uid for uid, outcome in outcomes.items() if outcome == "approved")
    assert stored.approved_by_id == winner
    scheduled = db.session.scalars(
        select(Review).where(Review.agreement_id == npt.id, Review.status == "scheduled")
    ).all()
    assert [r.due_on for r in scheduled] == [date(2035, 3, 5)]
    approvals = [e for e in events_for(stored) if e.reason == "Review approved"]
    assert len(approvals) == 1


def test_a_missing_field_error_names_the_field(app, npt, people):
    review = reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27))
    reviews.start(people["editor"], review)
    reviews.update(people["editor"], review, {"compliance": "compliant", "findings": "Done."})
    with pytest.raises(ValidationFailed) as caught:
        reviews.submit(people["editor"], review)
    assert caught.value.messages == {"outcome": ["Give the outcome before submitting."]}
