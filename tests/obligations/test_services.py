"""The obligation and measurement services, with the audit trail each writes."""

from datetime import date
from decimal import Decimal

import pytest

from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction, Classification, ObligationKind, ObligationStatus
from registry.core.errors import Conflict, RuleViolation
from registry.extensions import db
from registry.obligations.models import Measurement, Obligation
from registry.obligations.services import measurements, obligations

from support import ACTOR, BAD_DATES, BAD_IDS, count_rows, events_for, writes_nothing

BAD_AMOUNTS = [
    pytest.param("NaN", id="nan-text"),
    pytest.param(float("nan"), id="nan-float"),
    pytest.param("Infinity", id="infinity-text"),
    pytest.param("-Infinity", id="minus-infinity"),
    pytest.param(float("inf"), id="infinity-float"),
    pytest.param("abc", id="text"),
    pytest.param(10**14, id="too-large"),
    pytest.param(-(10**14), id="too-small"),
    pytest.param("1e400", id="overflowing"),
    pytest.param([2], id="list"),
    pytest.param(True, id="boolean"),
]


@pytest.fixture
def agreement(make_agreement):
    return make_agreement(title="Washington Treaty")


@pytest.fixture
def party(make_party):
    return make_party(name="Freedonia", iso3="FRE")


@pytest.fixture
def valid_obligation(agreement, party, make_body):
    return {
        "agreement_id": agreement.id,
        "article_reference": "Art. 3",
        "title": "Maintain defence spending",
        "text": "The Parties will maintain and develop their capacity to resist attack.",
        "kind": "capability_target",
        "obligated_party_id": party.id,
        "responsible_office": "Ministry of Defence",
        "oversight_body_id": make_body().id,
        "due_on": "2027-01-31",
        "recurrence": "p1y",
        "target_value": "2.0",
        "target_unit": "% of GDP",
        "source": "Wales Summit Declaration",
    }


@pytest.fixture
def obligation(valid_obligation):
    return obligations.create(ACTOR, valid_obligation)


@pytest.fixture
def valid_measurement(obligation, party):
    return {
        "obligation_id": obligation.id,
        "party_id": party.id,
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
        "value": "2.15",
        "unit": "% of GDP",
        "is_estimate": True,
        "source": "Defence expenditure report 2024",
    }


# --- obligations: create ------------------------------------------------------------------------


def test_create_stores_the_obligation_and_writes_one_create_event(app, valid_obligation, make_user):
    valid_obligation["owner_id"] = make_user().id
    events_before = count_rows(AuditEvent)

    obligation = obligations.create(ACTOR, valid_obligation)
    db.session.commit()

    stored = db.session.get(Obligation, obligation.id)
    assert stored.title == "Maintain defence spending"
    assert stored.kind == ObligationKind.CAPABILITY_TARGET
    assert stored.due_on == date(2027, 1, 31)
    assert stored.recurrence == "P1Y"
    assert stored.target_value == Decimal("2")
    assert stored.status == ObligationStatus.ACTIVE
    assert stored.classification == Classification.PUBLIC
    assert stored.owner_id == valid_obligation["owner_id"]
    assert count_rows(AuditEvent) == events_before + 1
    [event] = events_for(stored)
    assert event.action == AuditAction.CREATE
    assert event.entity_type == "obligations"
    assert event.actor_label == "system:tests"
    expected = {
        **valid_obligation,
        "due_on": "2027-01-31",
        "recurrence": "P1Y",
        "target_value": "2",
        "status": "active",
        "classification": "public",
    }
    assert event.changes == {field: [None, value] for field, value in expected.items()}


def test_create_inherits_the_agreement_classification(app, make_agreement):
    secret = make_agreement(classification="secret")
    obligation = obligations.create(
        ACTOR, {"agreement_id": secret.id, "title": "Share warning data", "kind": "reporting"}
    )

    assert obligation.classification == Classification.SECRET


def test_create_accepts_a_classification_above_the_agreement(app, agreement):
    obligation = obligations.create(
        ACTOR,
        {
            "agreement_id": agreement.id,
            "title": "Share warning data",
            "kind": "reporting",
            "classification": "confidential",
        },
    )

    assert obligation.classification == Classification.CONFIDENTIAL


def test_create_stores_blank_optional_fields_as_null(app, agreement):
    obligation = obligations.create(
        ACTOR,
        {
            "agreement_id": agreement.id,
            "title": "Consult",
            "kind": "consultation",
            "article_reference": "",
            "obligated_party_id": "",
            "due_on": "",
            "recurrence": "",
            "target_unit": " ",
        },
    )

    assert obligation.article_reference is None
    assert obligation.obligated_party_id is None
    assert obligation.due_on is None
    assert obligation.recurrence is None
    assert obligation.target_unit is None


@pytest.mark.parametrize("field", ["agreement_id", "title", "kind"])
def test_create_refuses_a_missing_required_field(app, valid_obligation, field):
    del valid_obligation[field]
    with writes_nothing(Obligation, field=field):
        obligations.create(ACTOR, valid_obligation)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("title", None, id="title-null"),
        pytest.param("title", "", id="title-empty"),
        pytest.param("title", "   ", id="title-blank"),
        pytest.param("title", ["Spend"], id="title-list"),
        pytest.param("title", {"en": "Spend"}, id="title-dict"),
        pytest.param("title", "x" * 501, id="title-too-long"),
        pytest.param("title", "Spend\x00", id="title-nul"),
        pytest.param("text", "x" * 50001, id="text-too-long"),
        pytest.param("article_reference", "x" * 65, id="article-too-long"),
        pytest.param("responsible_office", "x" * 501, id="office-too-long"),
        pytest.param("kind", "promise", id="kind-unknown"),
        pytest.param("kind", None, id="kind-null"),
        pytest.param("status", "finished", id="status-unknown"),
        pytest.param("status", None, id="status-null"),
        pytest.param("classification", "top_secret", id="classification-unknown"),
        pytest.param("recurrence", "yearly", id="recurrence-words"),
        pytest.param("recurrence", "P0Y", id="recurrence-empty-period"),
        pytest.param("recurrence", "PT1H", id="recurrence-time-part"),
        pytest.param("recurrence", "P9999Y9999M9999W99999D", id="recurrence-too-long"),
        pytest.param("recurrence", ["P1Y"], id="recurrence-list"),
        pytest.param("target_unit", "x" * 33, id="unit-too-long"),
        pytest.param("source", "x" * 5001, id="source-too-long"),
        pytest.param("agreement_id", None, id="agreement-null"),
        pytest.param("agreement_id", "", id="agreement-empty"),
    ],
)
def test_create_refuses_a_bad_value(app, valid_obligation, field, value):
    with writes_nothing(Obligation, field=field):
        obligations.create(ACTOR, {**valid_obligation, field: value})


@pytest.mark.parametrize("due_on", BAD_DATES)
def test_create_refuses_a_bad_due_date(app, valid_obligation, due_on):
    with writes_nothing(Obligation, field="due_on"):
        obligations.create(ACTOR, {**valid_obligation, "due_on": due_on})


@pytest.mark.parametrize("target_value", BAD_AMOUNTS)
def test_create_refuses_a_bad_target_value(app, valid_obligation, target_value):
    with writes_nothing(Obligation, field="target_value"):
        obligations.create(ACTOR, {**valid_obligation, "target_value": target_value})


@pytest.mark.parametrize(
    "field", ["agreement_id", "obligated_party_id", "owner_id", "oversight_body_id"]
)
@pytest.mark.parametrize("record_id", BAD_IDS)
def test_create_refuses_a_reference_to_a_missing_record(app, valid_obligation, field, record_id):
    with writes_nothing(Obligation, field=field):
        obligations.create(ACTOR, {**valid_obligation, field: record_id})


def test_create_refuses_a_fractional_agreement_id_rather_than_truncating_it(
    app, valid_obligation, agreement
):
    with writes_nothing(Obligation, field="agreement_id"):
        obligations.create(ACTOR, {**valid_obligation, "agreement_id": agreement.id + 0.5})


def test_create_refuses_an_unknown_field(app, valid_obligation):
    with writes_nothing(Obligation, field="priority"):
        obligations.create(ACTOR, {**valid_obligation, "priority": "high"})


def test_create_refuses_a_target_value_without_a_unit(app, valid_obligation):
    with writes_nothing(Obligation, field="target_unit"):
        obligations.create(ACTOR, {**valid_obligation, "target_unit": None})


def test_create_refuses_a_recurrence_without_a_first_due_date(app, valid_obligation):
    with writes_nothing(Obligation, field="due_on"):
        obligations.create(ACTOR, {**valid_obligation, "due_on": None})


def test_create_refuses_a_classification_below_the_agreement(app, valid_obligation, make_agreement):
    secret = make_agreement(classification="secret")
    with writes_nothing(Obligation, field="classification"):
        obligations.create(
            ACTOR,
            {**valid_obligation, "agreement_id": secret.id, "classification": "restricted"},
        )


# --- obligations: update ------------------------------------------------------------------------


def test_update_audits_only_the_changed_fields(app, obligation):
    db.session.commit()

    obligations.update(
        ACTOR,
        obligation,
        {"target_value": "3.5", "status": "partially_met", "kind": "capability_target"},
    )
    db.session.commit()

    assert obligation.target_value == Decimal("3.5")
    assert obligation.status == ObligationStatus.PARTIALLY_MET
    assert obligation.version == 2
    event = events_for(obligation)[-1]
    assert event.action == AuditAction.UPDATE
    assert event.actor_label == "system:tests"
    assert event.changes == {
        "target_value": ["2", "3.5"],
        "status": ["active", "partially_met"],
    }


def test_update_without_any_change_writes_no_event(app, obligation, valid_obligation):
    db.session.commit()

    obligations.update(ACTOR, obligation, {**valid_obligation, "target_value": "2.0000"})

    assert obligation.version == 1
    assert len(events_for(obligation)) == 1


def test_update_refuses_to_move_the_obligation_to_another_agreement(
    app, obligation, make_agreement
):
    original_agreement_id = obligation.agreement_id
    other = make_agreement(title="Other treaty")
    with writes_nothing(Obligation, field="agreement_id"):
        obligations.update(ACTOR, obligation, {"agreement_id": other.id})
    assert obligation.agreement_id == original_agreement_id


def test_update_refuses_removing_the_unit_of_a_target(app, obligation):
    with writes_nothing(Obligation, field="target_unit"):
        obligations.update(ACTOR, obligation, {"target_unit": None})
    assert obligation.target_unit == "% of GDP"
    assert obligation.version == 1


def test_update_refuses_lowering_the_classification_below_the_agreement(app, make_agreement):
    secret = make_agreement(classification="secret")
    obligation = obligations.create(
        ACTOR, {"agreement_id": secret.id, "title": "Share warning data", "kind": "reporting"}
    )
    with writes_nothing(Obligation, field="classification"):
        obligations.update(ACTOR, obligation, {"classification": "public"})
    assert obligation.classification == Classification.SECRET


def test_update_with_a_stale_version_raises_conflict_and_changes_nothing(app, obligation):
    obligations.update(ACTOR, obligation, {"title": "Spend two per cent"})

    with writes_nothing(Obligation, error=Conflict):
        obligations.update(ACTOR, obligation, {"title": "Spend three"}, expected_version=1)
    assert obligation.title == "Spend two per cent"
    assert obligation.version == 2


# --- obligations: archive and restore -----------------------------------------------------------


def test_archive_records_the_reason_and_restore_undoes_it(app, obligation):
    obligations.archive(ACTOR, obligation, reason="Superseded by the Hague commitment")
    assert obligation.archive_reason == "Superseded by the Hague commitment"
    archive_event = events_for(obligation)[-1]
    assert archive_event.action == AuditAction.ARCHIVE
    assert archive_event.reason == "Superseded by the Hague commitment"

    obligations.restore(ACTOR, obligation)
    assert obligation.archived_at is None
    assert events_for(obligation)[-1].action == AuditAction.RESTORE


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_archive_requires_a_reason(app, obligation, reason):
    with writes_nothing(Obligation, field="reason"):
        obligations.archive(ACTOR, obligation, reason=reason)
    assert obligation.archived_at is None


def test_archiving_twice_is_refused(app, obligation):
    obligations.archive(ACTOR, obligation, reason="Superseded")
    with writes_nothing(Obligation, error=RuleViolation):
        obligations.archive(ACTOR, obligation, reason="Again")
    assert obligation.archive_reason == "Superseded"


# --- measurements -------------------------------------------------------------------------------


def test_measurement_create_stores_it_and_writes_one_create_event(app, valid_measurement):
    events_before = count_rows(AuditEvent)

    measurement = measurements.create(ACTOR, valid_measurement)
    db.session.commit()

    stored = db.session.get(Measurement, measurement.id)
    assert stored.value == Decimal("2.15")
    assert stored.unit == "% of GDP"
    assert stored.period_start == date(2024, 1, 1)
    assert stored.is_estimate is True
    assert count_rows(AuditEvent) == events_before + 1
    [event] = events_for(stored)
    assert event.action == AuditAction.CREATE
    assert event.entity_type == "measurements"
    assert event.actor_label == "system:tests"
    assert event.changes == {field: [None, value] for field, value in valid_measurement.items()}


def test_measurement_update_audits_only_the_changed_fields(app, valid_measurement):
    measurement = measurements.create(ACTOR, valid_measurement)
    db.session.commit()

    measurements.update(ACTOR, measurement, {"value": "2.2", "is_estimate": False})

    assert measurement.version == 2
    assert events_for(measurement)[-1].changes == {
        "value": ["2.15", "2.2"],
        "is_estimate": [True, False],
    }


def test_measurement_update_without_any_change_writes_no_event(app, valid_measurement):
    measurement = measurements.create(ACTOR, valid_measurement)
    db.session.commit()

    measurements.update(ACTOR, measurement, {**valid_measurement, "value": "2.1500"})

    assert measurement.version == 1
    assert len(events_for(measurement)) == 1


def test_measurement_refuses_an_end_before_the_start(app, valid_measurement):
    with writes_nothing(Measurement, field="period_end"):
        measurements.create(ACTOR, {**valid_measurement, "period_end": "2023-12-31"})


def test_measurement_refuses_a_unit_other_than_the_target_unit(app, valid_measurement):
    with writes_nothing(Measurement, field="unit"):
        measurements.create(ACTOR, {**valid_measurement, "unit": "USD million"})


def test_measurement_refuses_a_second_value_for_the_same_party_and_period(app, valid_measurement):
    measurements.create(ACTOR, valid_measurement)
    with writes_nothing(Measurement, field="period_start"):
        measurements.create(ACTOR, {**valid_measurement, "value": "1.9"})


def test_measurement_update_onto_an_existing_period_is_refused(app, valid_measurement):
    measurements.create(ACTOR, valid_measurement)
    later = measurements.create(
        ACTOR, {**valid_measurement, "period_start": "2025-01-01", "period_end": "2025-12-31"}
    )
    with writes_nothing(Measurement, field="period_start"):
        measurements.update(
            ACTOR, later, {"period_start": "2024-01-01", "period_end": "2024-12-31"}
        )
    assert later.period_start == date(2025, 1, 1)


def test_measurement_refuses_to_move_to_another_obligation(app, valid_measurement, agreement):
    measurement = measurements.create(ACTOR, valid_measurement)
    other = obligations.create(
        ACTOR, {"agreement_id": agreement.id, "title": "Other", "kind": "reporting"}
    )
    with writes_nothing(Measurement, field="obligation_id"):
        measurements.update(ACTOR, measurement, {"obligation_id": other.id})


def test_measurement_update_with_a_stale_version_raises_conflict(app, valid_measurement):
    measurement = measurements.create(ACTOR, valid_measurement)
    measurements.update(ACTOR, measurement, {"value": "2.2"})

    with writes_nothing(Measurement, error=Conflict):
        measurements.update(ACTOR, measurement, {"value": "9"}, expected_version=1)
    assert measurement.value == Decimal("2.2")


@pytest.mark.parametrize(
    "field", ["obligation_id", "party_id", "period_start", "period_end", "value", "unit", "source"]
)
def test_measurement_refuses_a_missing_required_field(app, valid_measurement, field):
    del valid_measurement[field]
    with writes_nothing(Measurement, field=field):
        measurements.create(ACTOR, valid_measurement)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("obligation_id", "", id="obligation-empty"),
        pytest.param("obligation_id", None, id="obligation-null"),
        pytest.param("party_id", "", id="party-empty"),
        pytest.param("party_id", None, id="party-null"),
        pytest.param("unit", "", id="unit-empty"),
        pytest.param("unit", "  ", id="unit-blank"),
        pytest.param("unit", "x" * 33, id="unit-too-long"),
        pytest.param("unit", ["%"], id="unit-list"),
        pytest.param("source", "", id="source-empty"),
        pytest.param("source", " ", id="source-blank"),
        pytest.param("source", "x" * 5001, id="source-too-long"),
        pytest.param("source", "Report\x00", id="source-nul"),
        pytest.param("is_estimate", "maybe", id="estimate-text"),
        pytest.param("is_estimate", None, id="estimate-null"),
        pytest.param("value", None, id="value-null"),
        pytest.param("period_start", "", id="start-empty"),
        pytest.param("period_end", None, id="end-null"),
    ],
)
def test_measurement_refuses_a_bad_value(app, valid_measurement, field, value):
    with writes_nothing(Measurement, field=field):
        measurements.create(ACTOR, {**valid_measurement, field: value})


@pytest.mark.parametrize("value", BAD_AMOUNTS)
def test_measurement_refuses_a_bad_amount(app, valid_measurement, value):
    with writes_nothing(Measurement, field="value"):
        measurements.create(ACTOR, {**valid_measurement, "value": value})


@pytest.mark.parametrize("field", ["period_start", "period_end"])
@pytest.mark.parametrize("day", BAD_DATES)
def test_measurement_refuses_a_bad_period_date(app, valid_measurement, field, day):
    with writes_nothing(Measurement, field=field):
        measurements.create(ACTOR, {**valid_measurement, field: day})


@pytest.mark.parametrize("field", ["obligation_id", "party_id"])
@pytest.mark.parametrize("record_id", BAD_IDS)
def test_measurement_refuses_a_reference_to_a_missing_record(
    app, valid_measurement, field, record_id
):
    with writes_nothing(Measurement, field=field):
        measurements.create(ACTOR, {**valid_measurement, field: record_id})


def test_measurement_refuses_an_unknown_field(app, valid_measurement):
    with writes_nothing(Measurement, field="currency"):
        measurements.create(ACTOR, {**valid_measurement, "currency": "EUR"})


def test_measurement_archive_requires_a_reason_and_refuses_twice(app, valid_measurement):
    measurement = measurements.create(ACTOR, valid_measurement)
    with writes_nothing(Measurement, field="reason"):
        measurements.archive(ACTOR, measurement, reason=" ")

    measurements.archive(ACTOR, measurement, reason="Revised figures published")
    assert measurement.archive_reason == "Revised figures published"
    assert events_for(measurement)[-1].reason == "Revised figures published"
    with writes_nothing(Measurement, error=RuleViolation):
        measurements.archive(ACTOR, measurement, reason="Again")

    measurements.restore(ACTOR, measurement)
    assert measurement.archived_at is None
