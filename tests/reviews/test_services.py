"""The review service: recording, sign-off by a second reviewer and periodic scheduling."""

from datetime import date

import pytest

from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction, Classification, ReviewStatus
from registry.core.errors import Conflict, RuleViolation
from registry.extensions import db
from registry.obligations.services import obligations
from registry.reviews.models import Review
from registry.reviews.services import reviews

from support import ACTOR, BAD_DATES, BAD_IDS, count_rows, events_for, writes_nothing


@pytest.fixture
def agreement(make_agreement):
    return make_agreement(title="North Atlantic Treaty")


@pytest.fixture
def obligation(agreement):
    return obligations.create(
        ACTOR, {"agreement_id": agreement.id, "title": "Consult together", "kind": "consultation"}
    )


@pytest.fixture
def valid(agreement, obligation, make_body):
    return {
        "agreement_id": agreement.id,
        "obligation_id": obligation.id,
        "is_periodic": False,
        "due_on": "2027-06-30",
        "body_id": make_body().id,
        "status": "in_progress",
        "compliance": "partially_compliant",
        "outcome": "amend",
        "findings": "Consultations were held late.",
        "recommendations": "Set a standing timetable.",
    }


FILLED_IN = {"compliance": "compliant", "outcome": "continue", "findings": "All obligations met."}


def fill_in_and_submit(actor, review) -> None:
    reviews.update(actor, review, FILLED_IN)
    reviews.start(actor, review)
    reviews.submit(actor, review)


@pytest.fixture
def review(valid):
    return reviews.create(ACTOR, valid)


@pytest.fixture
def recorder(make_user):
    return make_user(email="recorder@example.org", role="reviewer")


@pytest.fixture
def submitted(agreement, recorder):
    """A submitted review recorded by a reviewer."""
    return reviews.create(
        recorder,
        {"agreement_id": agreement.id, "due_on": "2027-06-30", "status": "submitted", **FILLED_IN},
    )


# --- create -------------------------------------------------------------------------------------


def test_create_stores_the_review_and_writes_one_create_event(app, valid):
    events_before = count_rows(AuditEvent)

    review = reviews.create(ACTOR, valid)
    db.session.commit()

    stored = db.session.get(Review, review.id)
    assert stored.due_on == date(2027, 6, 30)
    assert stored.status == ReviewStatus.IN_PROGRESS
    assert stored.classification == Classification.PUBLIC
    assert stored.recorded_by_id is None
    assert stored.approved_by_id is None
    assert count_rows(AuditEvent) == events_before + 1
    [event] = events_for(stored)
    assert event.action == AuditAction.CREATE
    assert event.entity_type == "reviews"
    assert event.actor_label == "system:tests"
    assert event.changes == {
        **{field: [None, value] for field, value in valid.items()},
        "classification": [None, "public"],
    }


def test_create_defaults_to_a_scheduled_review(app, agreement):
    review = reviews.create(ACTOR, {"agreement_id": agreement.id, "due_on": "2027-06-30"})

    assert review.status == ReviewStatus.SCHEDULED
    assert review.is_periodic is False


def test_create_by_a_user_records_who_entered_it(app, submitted, recorder):
    assert submitted.recorded_by_id == recorder.id
    [event] = events_for(submitted)
    assert event.actor_label == "recorder@example.org"


def test_create_inherits_the_agreement_classification(app, make_agreement):
    secret = make_agreement(classification="secret")
    review = reviews.create(ACTOR, {"agreement_id": secret.id, "due_on": "2027-06-30"})

    assert review.classification == Classification.SECRET


def test_create_stores_blank_optional_fields_as_null(app, agreement):
    review = reviews.create(
        ACTOR,
        {
            "agreement_id": agreement.id,
            "due_on": "2027-06-30",
            "obligation_id": "",
            "completed_on": "",
            "findings": "",
        },
    )

    assert (review.obligation_id, review.completed_on, review.findings) == (None, None, None)


@pytest.mark.parametrize("field", ["agreement_id", "due_on"])
def test_create_refuses_a_missing_required_field(app, valid, field):
    del valid[field]
    with writes_nothing(Review, field=field):
        reviews.create(ACTOR, valid)


def test_create_refuses_the_approved_status(app, valid):
    with writes_nothing(Review, field="status"):
        reviews.create(ACTOR, {**valid, "status": "approved"})


def test_create_refuses_an_obligation_of_another_agreement(app, valid, make_agreement):
    other = make_agreement(title="Other treaty")
    foreign = obligations.create(
        ACTOR, {"agreement_id": other.id, "title": "Report yearly", "kind": "reporting"}
    )
    with writes_nothing(Review, field="obligation_id"):
        reviews.create(ACTOR, {**valid, "obligation_id": foreign.id})


def test_create_refuses_a_classification_below_the_agreement(app, valid, make_agreement):
    secret = make_agreement(classification="secret")
    with writes_nothing(Review, field="classification"):
        reviews.create(
            ACTOR,
            {**valid, "agreement_id": secret.id, "obligation_id": None, "classification": "public"},
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("status", "done", id="status-unknown"),
        pytest.param("status", None, id="status-null"),
        pytest.param("status", ["submitted"], id="status-list"),
        pytest.param("compliance", "great", id="compliance-unknown"),
        pytest.param("outcome", "nuke", id="outcome-unknown"),
        pytest.param("classification", "cosmic", id="classification-unknown"),
        pytest.param("is_periodic", "sometimes", id="periodic-text"),
        pytest.param("is_periodic", None, id="periodic-null"),
        pytest.param("due_on", None, id="due-null"),
        pytest.param("due_on", "", id="due-empty"),
        pytest.param("findings", "x" * 100_001, id="findings-too-long"),
        pytest.param("findings", ["late"], id="findings-list"),
        pytest.param("findings", "Late\x00", id="findings-nul"),
        pytest.param("recommendations", "x" * 100_001, id="recommendations-too-long"),
        pytest.param("agreement_id", None, id="agreement-null"),
        pytest.param("agreement_id", "", id="agreement-empty"),
    ],
)
def test_create_refuses_a_bad_value(app, valid, field, value):
    with writes_nothing(Review, field=field):
        reviews.create(ACTOR, {**valid, field: value})


@pytest.mark.parametrize("field", ["due_on", "completed_on"])
@pytest.mark.parametrize("day", BAD_DATES)
def test_create_refuses_a_bad_date(app, valid, field, day):
    with writes_nothing(Review, field=field):
        reviews.create(ACTOR, {**valid, field: day})


@pytest.mark.parametrize("field", ["agreement_id", "obligation_id", "body_id"])
@pytest.mark.parametrize("record_id", BAD_IDS)
def test_create_refuses_a_reference_to_a_missing_record(app, valid, field, record_id):
    with writes_nothing(Review, field=field):
        reviews.create(ACTOR, {**valid, field: record_id})


@pytest.mark.parametrize("field", ["rating", "approved_by_id", "recorded_by_id"])
def test_create_refuses_an_unknown_field(app, valid, field):
    with writes_nothing(Review, field=field):
        reviews.create(ACTOR, {**valid, field: 1})


# --- update -------------------------------------------------------------------------------------


def test_update_audits_only_the_changed_fields(app, review):
    db.session.commit()

    reviews.update(ACTOR, review, {"outcome": "amend", "recommendations": "Meet twice a year."})
    db.session.commit()

    assert review.recommendations == "Meet twice a year."
    assert review.version == 2
    event = events_for(review)[-1]
    assert event.action == AuditAction.UPDATE
    assert event.actor_label == "system:tests"
    assert event.changes == {"recommendations": ["Set a standing timetable.", "Meet twice a year."]}


@pytest.mark.parametrize("status", ["scheduled", "submitted", "returned"])
def test_update_never_moves_a_review_along_its_workflow(app, review, status):
    db.session.commit()
    with writes_nothing(Review, field="status"):
        reviews.update(ACTOR, review, {"status": status})


def test_update_without_any_change_writes_no_event(app, review, valid):
    db.session.commit()

    reviews.update(ACTOR, review, valid)

    assert review.version == 1
    assert len(events_for(review)) == 1


def test_update_refuses_the_approved_status(app, review):
    with writes_nothing(Review, field="status"):
        reviews.update(ACTOR, review, {"status": "approved"})
    assert review.status == ReviewStatus.IN_PROGRESS
    assert review.approved_by_id is None


def test_update_refuses_an_obligation_of_another_agreement(app, review, make_agreement):
    other = make_agreement(title="Other treaty")
    foreign = obligations.create(
        ACTOR, {"agreement_id": other.id, "title": "Report yearly", "kind": "reporting"}
    )
    original = review.obligation_id
    with writes_nothing(Review, field="obligation_id"):
        reviews.update(ACTOR, review, {"obligation_id": foreign.id})
    assert review.obligation_id == original


def test_update_refuses_to_move_the_review_to_another_agreement(app, review, make_agreement):
    other = make_agreement(title="Other treaty")
    with writes_nothing(Review, field="agreement_id"):
        reviews.update(ACTOR, review, {"agreement_id": other.id, "obligation_id": None})


def test_update_with_a_stale_version_raises_conflict_and_changes_nothing(app, review):
    reviews.update(ACTOR, review, {"findings": "Second draft"})

    with writes_nothing(Review, error=Conflict):
        reviews.update(ACTOR, review, {"findings": "Third draft"}, expected_version=1)
    assert review.findings == "Second draft"
    assert review.version == 2


# --- approval -----------------------------------------------------------------------------------


def test_another_reviewer_approves_a_submitted_review(app, submitted, make_user):
    approver = make_user(email="approver@example.org", role="reviewer")
    db.session.commit()

    reviews.approve(approver, submitted, completed_on=date(2027, 7, 1))
    db.session.commit()

    stored = db.session.get(Review, submitted.id)
    assert stored.status == ReviewStatus.APPROVED
    assert stored.approved_by_id == approver.id
    assert stored.completed_on == date(2027, 7, 1)
    assert stored.version == 2
    event = events_for(stored)[-1]
    assert event.action == AuditAction.UPDATE
    assert event.actor_label == "approver@example.org"
    assert event.actor_id == approver.id
    assert event.reason == "Review approved"
    assert event.changes == {
        "status": ["submitted", "approved"],
        "approved_by_id": [None, approver.id],
        "completed_on": [None, "2027-07-01"],
    }


def test_an_admin_may_approve_a_review(app, submitted, make_user):
    admin = make_user(role="admin")

    reviews.approve(admin, submitted, completed_on=date(2027, 7, 1))

    assert submitted.status == ReviewStatus.APPROVED


def test_the_person_who_recorded_a_review_cannot_approve_it(app, submitted, recorder):
    with writes_nothing(Review, error=RuleViolation):
        reviews.approve(recorder, submitted, completed_on=date(2027, 7, 1))
    assert submitted.status == ReviewStatus.SUBMITTED
    assert submitted.approved_by_id is None


@pytest.mark.parametrize("role", ["viewer", "editor", "auditor"])
def test_only_a_reviewer_can_approve(app, submitted, make_user, role):
    someone = make_user(role=role)
    with writes_nothing(Review, error=RuleViolation):
        reviews.approve(someone, submitted, completed_on=date(2027, 7, 1))
    assert submitted.status == ReviewStatus.SUBMITTED


@pytest.mark.parametrize("status", ["scheduled", "in_progress", "returned"])
def test_only_a_submitted_review_can_be_approved(app, agreement, make_user, status):
    review = reviews.create(
        ACTOR, {"agreement_id": agreement.id, "due_on": "2027-06-30", "status": status}
    )
    approver = make_user(role="reviewer")
    with writes_nothing(Review, error=RuleViolation):
        reviews.approve(approver, review, completed_on=date(2027, 7, 1))
    assert review.status == ReviewStatus(status)
    assert review.approved_by_id is None


def test_an_approved_review_cannot_be_approved_again(app, submitted, make_user):
    first, second = make_user(role="reviewer"), make_user(role="reviewer")
    reviews.approve(first, submitted, completed_on=date(2027, 7, 1))

    with writes_nothing(Review, error=RuleViolation):
        reviews.approve(second, submitted, completed_on=date(2027, 7, 2))
    assert submitted.approved_by_id == first.id


def test_an_approved_review_cannot_be_updated(app, submitted, make_user):
    approver = make_user(role="reviewer")
    reviews.approve(approver, submitted, completed_on=date(2027, 7, 1))

    with writes_nothing(Review, error=RuleViolation):
        reviews.update(ACTOR, submitted, {"findings": "Rewritten afterwards"})
    assert submitted.findings == "All obligations met."
    assert submitted.version == 2


def test_an_approved_review_cannot_be_reopened(app, submitted, make_user):
    approver = make_user(role="reviewer")
    reviews.approve(approver, submitted, completed_on=date(2027, 7, 1))

    with writes_nothing(Review, error=RuleViolation):
        reviews.update(ACTOR, submitted, {"status": "in_progress"})
    assert submitted.status == ReviewStatus.APPROVED


# --- periodic scheduling ------------------------------------------------------------------------


@pytest.fixture
def periodic_agreement(make_agreement):
    return make_agreement(
        title="Treaty with a five-year review",
        concluded_on="1968-07-01",
        entered_into_force_on="1970-03-05",
        review_cadence="periodic",
        review_interval="P5Y",
    )


def test_schedule_next_schedules_the_next_review_on_the_cadence(app, periodic_agreement):
    events_before = count_rows(AuditEvent)

    review = reviews.schedule_next(ACTOR, periodic_agreement, today=date(2026, 11, 27))
    db.session.commit()

    assert review.agreement_id == periodic_agreement.id
    assert review.due_on == date(2030, 3, 5)
    assert review.is_periodic is True
    assert review.status == ReviewStatus.SCHEDULED
    assert count_rows(AuditEvent) == events_before + 1
    [event] = events_for(review)
    assert event.action == AuditAction.CREATE
    assert event.actor_label == "system:tests"
    assert event.changes["due_on"] == [None, "2030-03-05"]


def test_schedule_next_twice_returns_the_same_review(app, periodic_agreement):
    first = reviews.schedule_next(ACTOR, periodic_agreement, today=date(2026, 11, 27))
    db.session.commit()
    events_before = count_rows(AuditEvent)

    second = reviews.schedule_next(ACTOR, periodic_agreement, today=date(2026, 11, 27))

    assert second.id == first.id
    assert count_rows(Review) == 1
    assert count_rows(AuditEvent) == events_before


def test_schedule_next_after_an_approved_review_counts_from_its_due_date(
    app, periodic_agreement, make_user
):
    review = reviews.schedule_next(ACTOR, periodic_agreement, today=date(2026, 11, 27))
    fill_in_and_submit(make_user(role="editor"), review)
    reviews.approve(make_user(role="reviewer"), review, completed_on=date(2030, 3, 1))

    following = reviews.schedule_next(ACTOR, periodic_agreement, today=date(2030, 3, 2))

    assert following.id != review.id
    assert following.due_on == date(2035, 3, 5)


def test_whoever_fills_in_a_scheduled_review_cannot_approve_it(app, periodic_agreement, make_user):
    review = reviews.schedule_next(ACTOR, periodic_agreement, today=date(2026, 11, 27))
    assert review.recorded_by_id is None
    reviewer = make_user(role="reviewer")
    fill_in_and_submit(reviewer, review)
    assert review.recorded_by_id == reviewer.id
    with pytest.raises(RuleViolation, match="recorded a review cannot also approve"):
        reviews.approve(reviewer, review, completed_on=date(2030, 3, 1))


def test_a_review_nobody_recorded_cannot_be_approved(app, periodic_agreement, make_user):
    review = reviews.create(
        ACTOR,
        {
            "agreement_id": periodic_agreement.id,
            "due_on": "2030-03-05",
            "status": "submitted",
            **FILLED_IN,
        },
    )
    assert review.recorded_by_id is None
    with pytest.raises(RuleViolation, match="recorded by someone"):
        reviews.approve(make_user(role="reviewer"), review, completed_on=date(2030, 3, 1))


def test_schedule_next_does_nothing_without_a_periodic_review_clause(app, agreement):
    assert reviews.schedule_next(ACTOR, agreement, today=date(2026, 11, 27)) is None
    assert count_rows(Review) == 0


# --- archive and restore ------------------------------------------------------------------------


def test_archive_records_the_reason_and_restore_undoes_it(app, review):
    reviews.archive(ACTOR, review, reason="Recorded against the wrong treaty")
    assert review.archive_reason == "Recorded against the wrong treaty"
    assert events_for(review)[-1].action == AuditAction.ARCHIVE
    assert events_for(review)[-1].reason == "Recorded against the wrong treaty"

    reviews.restore(ACTOR, review)
    assert review.archived_at is None
    assert events_for(review)[-1].action == AuditAction.RESTORE


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_archive_requires_a_reason(app, review, reason):
    with writes_nothing(Review, field="reason"):
        reviews.archive(ACTOR, review, reason=reason)
    assert review.archived_at is None


def test_archiving_twice_is_refused(app, review):
    reviews.archive(ACTOR, review, reason="Duplicate")
    with writes_nothing(Review, error=RuleViolation):
        reviews.archive(ACTOR, review, reason="Again")
    assert review.archive_reason == "Duplicate"
