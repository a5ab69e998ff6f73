"""The authorisation step service, with the audit trail it writes."""

from datetime import date

import pytest

from registry.authorizations.models import Authorization
from registry.authorizations.services import authorizations
from registry.core.audit.models import AuditEvent
from registry.core.enums import (
    AuditAction,
    AuthorizationDecision,
    AuthorizationRequirement,
    Classification,
)
from registry.core.errors import Conflict, RuleViolation
from registry.extensions import db

from support import ACTOR, BAD_DATES, BAD_IDS, count_rows, events_for, writes_nothing


@pytest.fixture
def agreement(make_agreement):
    return make_agreement(title="North Atlantic Treaty")


@pytest.fixture
def senate(make_body):
    return make_body(name="United States Senate", kind="legislature")


@pytest.fixture
def valid(agreement, senate):
    return {
        "agreement_id": agreement.id,
        "requirement": "advice_and_consent",
        "body_id": senate.id,
        "submitted_on": "1949-04-12",
        "due_on": "1949-12-31",
        "decided_on": "1949-07-21",
        "decision": "approved",
        "votes_for": 82,
        "votes_against": 13,
        "instrument": "Resolution of ratification",
        "reference": "Ex. L, 81st Congress",
        "source": "Congressional Record, 21 July 1949",
    }


@pytest.fixture
def step(valid):
    return authorizations.create(ACTOR, valid)


# --- create -------------------------------------------------------------------------------------


def test_create_stores_the_step_and_writes_one_create_event(app, valid):
    events_before = count_rows(AuditEvent)

    step = authorizations.create(ACTOR, valid)
    db.session.commit()

    stored = db.session.get(Authorization, step.id)
    assert stored.requirement == AuthorizationRequirement.ADVICE_AND_CONSENT
    assert stored.decision == AuthorizationDecision.APPROVED
    assert stored.decided_on == date(1949, 7, 21)
    assert (stored.votes_for, stored.votes_against) == (82, 13)
    assert stored.classification == Classification.PUBLIC
    assert stored.recorded_by_id is None
    assert count_rows(AuditEvent) == events_before + 1
    [event] = events_for(stored)
    assert event.action == AuditAction.CREATE
    assert event.entity_type == "authorizations"
    assert event.actor_label == "system:tests"
    assert event.changes == {
        **{field: [None, value] for field, value in valid.items()},
        "classification": [None, "public"],
    }


def test_create_defaults_to_a_pending_step(app, agreement):
    step = authorizations.create(
        ACTOR, {"agreement_id": agreement.id, "requirement": "scrutiny_period"}
    )

    assert step.decision == AuthorizationDecision.PENDING
    assert step.decided_on is None


def test_create_by_a_user_records_who_entered_it(app, valid, make_user):
    clerk = make_user(email="clerk@example.org")

    step = authorizations.create(clerk, valid)

    assert step.recorded_by_id == clerk.id
    [event] = events_for(step)
    assert event.actor_label == "clerk@example.org"
    assert event.actor_id == clerk.id


def test_create_inherits_the_agreement_classification(app, make_agreement):
    secret = make_agreement(classification="secret")
    step = authorizations.create(ACTOR, {"agreement_id": secret.id, "requirement": "notification"})

    assert step.classification == Classification.SECRET


def test_create_stores_blank_optional_fields_as_null(app, agreement):
    step = authorizations.create(
        ACTOR,
        {
            "agreement_id": agreement.id,
            "requirement": "notification",
            "body_id": "",
            "submitted_on": "",
            "reference": "",
            "conditions": "  ",
        },
    )

    assert (step.body_id, step.submitted_on, step.reference, step.conditions) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize("field", ["agreement_id", "requirement"])
def test_create_refuses_a_missing_required_field(app, valid, field):
    del valid[field]
    with writes_nothing(Authorization, field=field):
        authorizations.create(ACTOR, valid)


def test_create_refuses_a_decision_before_the_submission(app, valid):
    with writes_nothing(Authorization, field="decided_on"):
        authorizations.create(
            ACTOR, {**valid, "submitted_on": "1949-07-22", "decided_on": "1949-07-21"}
        )


def test_create_refuses_a_pending_step_with_a_decision_date(app, valid):
    with writes_nothing(Authorization, field="decided_on"):
        authorizations.create(ACTOR, {**valid, "decision": "pending"})


@pytest.mark.parametrize("decision", ["approved", "approved_with_conditions", "rejected", "lapsed"])
def test_create_refuses_a_decision_without_its_date(app, valid, decision):
    with writes_nothing(Authorization, field="decided_on"):
        authorizations.create(ACTOR, {**valid, "decision": decision, "decided_on": None})


def test_create_refuses_a_classification_below_the_agreement(app, valid, make_agreement):
    secret = make_agreement(classification="secret")
    with writes_nothing(Authorization, field="classification"):
        authorizations.create(
            ACTOR, {**valid, "agreement_id": secret.id, "classification": "confidential"}
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("requirement", "vibes", id="requirement-unknown"),
        pytest.param("requirement", None, id="requirement-null"),
        pytest.param("requirement", ["notification"], id="requirement-list"),
        pytest.param("decision", "maybe", id="decision-unknown"),
        pytest.param("decision", None, id="decision-null"),
        pytest.param("classification", "cosmic", id="classification-unknown"),
        pytest.param("votes_for", -1, id="votes-for-negative"),
        pytest.param("votes_against", -5, id="votes-against-negative"),
        pytest.param("votes_for", 100_001, id="votes-for-too-many"),
        pytest.param("votes_for", 10**20, id="votes-for-huge"),
        pytest.param("votes_for", "abc", id="votes-for-text"),
        pytest.param("votes_for", 82.5, id="votes-for-fraction"),
        pytest.param("votes_for", True, id="votes-for-boolean"),
        pytest.param("votes_for", [82], id="votes-for-list"),
        pytest.param("votes_against", float("nan"), id="votes-against-nan"),
        pytest.param("reference", "x" * 65, id="reference-too-long"),
        pytest.param("instrument", "x" * 2001, id="instrument-too-long"),
        pytest.param("instrument", {"text": "Resolution"}, id="instrument-dict"),
        pytest.param("conditions", "x" * 50001, id="conditions-too-long"),
        pytest.param("conditions", "Subject to\x00", id="conditions-nul"),
        pytest.param("source", "x" * 5001, id="source-too-long"),
        pytest.param("agreement_id", None, id="agreement-null"),
        pytest.param("agreement_id", "", id="agreement-empty"),
    ],
)
def test_create_refuses_a_bad_value(app, valid, field, value):
    with writes_nothing(Authorization, field=field):
        authorizations.create(ACTOR, {**valid, field: value})


@pytest.mark.parametrize("field", ["submitted_on", "due_on", "decided_on"])
@pytest.mark.parametrize("day", BAD_DATES)
def test_create_refuses_a_bad_date(app, valid, field, day):
    with writes_nothing(Authorization, field=field):
        authorizations.create(ACTOR, {**valid, field: day})


@pytest.mark.parametrize("field", ["agreement_id", "body_id"])
@pytest.mark.parametrize("record_id", BAD_IDS)
def test_create_refuses_a_reference_to_a_missing_record(app, valid, field, record_id):
    with writes_nothing(Authorization, field=field):
        authorizations.create(ACTOR, {**valid, field: record_id})


def test_create_refuses_an_unknown_field(app, valid):
    with writes_nothing(Authorization, field="chamber"):
        authorizations.create(ACTOR, {**valid, "chamber": "upper"})


def test_create_refuses_a_recorded_by_given_as_input(app, valid, make_user):
    someone = make_user()
    with writes_nothing(Authorization, field="recorded_by_id"):
        authorizations.create(ACTOR, {**valid, "recorded_by_id": someone.id})


# --- update -------------------------------------------------------------------------------------


def test_update_audits_only_the_changed_fields(app, agreement):
    step = authorizations.create(
        ACTOR,
        {
            "agreement_id": agreement.id,
            "requirement": "advice_and_consent",
            "submitted_on": "1949-04-12",
        },
    )
    db.session.commit()

    authorizations.update(
        ACTOR,
        step,
        {"decision": "approved", "decided_on": "1949-07-21", "requirement": "advice_and_consent"},
    )
    db.session.commit()

    assert step.decision == AuthorizationDecision.APPROVED
    assert step.version == 2
    event = events_for(step)[-1]
    assert event.action == AuditAction.UPDATE
    assert event.actor_label == "system:tests"
    assert event.changes == {
        "decision": ["pending", "approved"],
        "decided_on": [None, "1949-07-21"],
    }


def test_update_without_any_change_writes_no_event(app, step, valid):
    db.session.commit()

    authorizations.update(ACTOR, step, valid)

    assert step.version == 1
    assert len(events_for(step)) == 1


def test_update_by_another_user_keeps_who_recorded_the_step(app, valid, make_user):
    clerk, editor = make_user(), make_user()
    step = authorizations.create(clerk, valid)

    authorizations.update(editor, step, {"votes_for": 83})

    assert step.recorded_by_id == clerk.id


def test_update_refuses_contradictory_values_and_leaves_the_step_unchanged(app, step):
    with writes_nothing(Authorization, field="decided_on"):
        authorizations.update(ACTOR, step, {"decision": "pending"})
    assert step.decision == AuthorizationDecision.APPROVED
    assert step.version == 1


def test_update_refuses_to_move_the_step_to_another_agreement(app, step, make_agreement):
    other = make_agreement(title="Other treaty")
    with writes_nothing(Authorization, field="agreement_id"):
        authorizations.update(ACTOR, step, {"agreement_id": other.id})


def test_update_with_a_stale_version_raises_conflict_and_changes_nothing(app, step):
    authorizations.update(ACTOR, step, {"votes_for": 83})

    with writes_nothing(Authorization, error=Conflict):
        authorizations.update(ACTOR, step, {"votes_for": 90}, expected_version=1)
    assert step.votes_for == 83
    assert step.version == 2


# --- archive and restore ------------------------------------------------------------------------


def test_archive_records_the_reason_and_restore_undoes_it(app, step):
    authorizations.archive(ACTOR, step, reason="Entered twice")
    assert step.archive_reason == "Entered twice"
    assert events_for(step)[-1].action == AuditAction.ARCHIVE
    assert events_for(step)[-1].reason == "Entered twice"

    authorizations.restore(ACTOR, step, reason="Not a duplicate")
    assert step.archived_at is None
    assert events_for(step)[-1].action == AuditAction.RESTORE


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_archive_requires_a_reason(app, step, reason):
    with writes_nothing(Authorization, field="reason"):
        authorizations.archive(ACTOR, step, reason=reason)
    assert step.archived_at is None


def test_archiving_twice_is_refused(app, step):
    authorizations.archive(ACTOR, step, reason="Entered twice")
    with writes_nothing(Authorization, error=RuleViolation):
        authorizations.archive(ACTOR, step, reason="Again")
    assert step.archive_reason == "Entered twice"
