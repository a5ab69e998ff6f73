"""Agreements and treaty actions change only through their services, which validate and audit."""

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from registry.agreements.models import Agreement, TreatyAction
from registry.agreements.services import agreements, treaty_actions
from registry.core.audit.models import AuditEvent
from registry.core.errors import Conflict, RuleViolation, ValidationFailed
from registry.extensions import db

from support import ACTOR, count_rows, events_for


def test_create_generates_a_reference_per_year_and_audits(make_agreement):
    first = make_agreement(concluded_on="1949-04-04")
    second = make_agreement(concluded_on="1949-12-01", entered_into_force_on=None)
    other_year = make_agreement(concluded_on="1951-09-01", entered_into_force_on=None)
    assert (first.reference, second.reference) == ("AGR-1949-0001", "AGR-1949-0002")
    assert other_year.reference == "AGR-1951-0001"
    [event] = events_for(first)
    assert event.action.value == "create"
    assert event.actor_label == "system:tests"
    assert event.changes["title"] == [None, "Treaty of Testing"]
    assert event.changes["concluded_on"] == [None, "1949-04-04"]


def test_update_records_only_changed_fields_and_a_no_op_writes_nothing(make_agreement):
    agreement = make_agreement()
    agreements.update(
        ACTOR,
        agreement,
        {"summary": "Collective defence.", "title": agreement.title},
        reason="Summary added",
    )
    events = events_for(agreement)
    assert len(events) == 2
    assert events[1].changes == {"summary": [None, "Collective defence."]}
    assert events[1].reason == "Summary added"
    assert agreement.version == 2
    agreements.update(ACTOR, agreement, {"summary": "Collective defence."})
    assert len(events_for(agreement)) == 2


def test_update_checks_rules_against_the_stored_values(make_agreement):
    agreement = make_agreement()  # in force 1949-08-24
    with pytest.raises(ValidationFailed) as raised:
        agreements.update(ACTOR, agreement, {"expires_on": "1949-01-01"})
    assert "expires_on" in raised.value.messages


def test_reference_cannot_change_and_must_be_unique(make_agreement):
    agreement = make_agreement(reference="AGR-1949-0001")
    with pytest.raises(ValidationFailed, match="reference: Cannot be changed"):
        agreements.update(ACTOR, agreement, {"reference": "AGR-1949-0009"})
    with pytest.raises(ValidationFailed, match="already used"):
        make_agreement(reference="AGR-1949-0001")


def test_a_stale_version_is_refused(make_agreement):
    agreement = make_agreement()
    agreements.update(ACTOR, agreement, {"summary": "First"})
    with pytest.raises(Conflict, match="changed by someone else"):
        agreements.update(ACTOR, agreement, {"summary": "Second"}, expected_version=1)
    assert agreement.summary == "First"


def test_a_concurrent_update_is_refused_not_lost(app, make_agreement):
    agreement = make_agreement()
    db.session.commit()
    assert agreement.version == 1  # this session now holds version 1 in memory
    db.session.expunge(agreement)
    db.session.rollback()
    # A second writer changes the row behind this session's back.
    with db.engine.begin() as connection:
        connection.execute(
            Agreement.__table__.update()
            .where(Agreement.id == agreement.id)
            .values(summary="Theirs", version=Agreement.version + 1)
        )
    db.session.add(agreement)
    with pytest.raises(Conflict):
        agreements.update(ACTOR, agreement, {"summary": "Mine"})
    db.session.rollback()
    assert db.session.get(Agreement, agreement.id).summary == "Theirs"


def test_new_start_extension_is_exercised_once(make_agreement):
    new_start = make_agreement(
        title="New START",
        form="bilateral",
        instrument_type="arms_control",
        concluded_on="2010-04-08",
        entered_into_force_on="2011-02-05",
        expires_on="2021-02-05",
        term="P10Y",
        extension_term="P5Y",
        extension_options_left=1,
    )
    agreements.extend(ACTOR, new_start, reason="Extension agreed 2021-02-03")
    assert new_start.expires_on == date(2026, 2, 5)
    assert new_start.extension_options_left == 0
    assert events_for(new_start)[-1].changes["expires_on"] == ["2021-02-05", "2026-02-05"]
    with pytest.raises(RuleViolation, match="No extension options"):
        agreements.extend(ACTOR, new_start)


BAD_AGREEMENTS = [
    ({"title": ""}, "title"),
    ({"title": None}, "title"),
    ({"title": ["a list"]}, "title"),
    ({"title": "x" * 2001}, "title"),
    ({"title": "nul\x00byte"}, "title"),
    ({"form": "trilateral"}, "form"),
    ({"instrument_type": None}, "instrument_type"),
    ({"concluded_on": "1949-02-30"}, "concluded_on"),
    ({"concluded_on": "1492-10-12"}, "concluded_on"),
    ({"concluded_on": 19490404}, "concluded_on"),
    ({"entered_into_force_on": "1949-01-01"}, "entered_into_force_on"),
    ({"expires_on": "1949-08-23"}, "expires_on"),
    ({"terminated_on": "1900-01-01"}, "terminated_on"),
    ({"notice_period": "a year"}, "notice_period"),
    ({"notice_min_in_force": "P20Y", "notice_period": None}, "notice_period"),
    ({"review_cadence": "periodic"}, "review_interval"),
    ({"extension_options_left": -1}, "extension_options_left"),
    ({"extension_options_left": 2}, "extension_term"),
    ({"unts_volume": 0}, "unts_volume"),
    ({"unts_page": 243}, "unts_volume"),
    ({"text_url": "javascript:alert(1)"}, "text_url"),
    ({"parent_id": 999999}, "parent_id"),
    ({"parent_id": 10**20}, "parent_id"),
    ({"parent_id": "abc"}, "parent_id"),
    ({"reference": "NATO-1"}, "reference"),
    ({"classification": "top secret"}, "classification"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_AGREEMENTS)
def test_bad_agreement_input_names_the_field_and_writes_nothing(make_agreement, overrides, field):
    with pytest.raises(ValidationFailed) as raised:
        make_agreement(**overrides)
    assert field in raised.value.messages
    db.session.rollback()
    assert count_rows(Agreement) == 0
    assert count_rows(AuditEvent) == 0


def test_non_dict_input_is_refused(app):
    with pytest.raises(ValidationFailed, match="Expected an object"):
        agreements.create(ACTOR, ["not", "a", "dict"])


@pytest.fixture
def pact(make_agreement, make_party):
    records = make_agreement(), make_party(iso3="AAA"), make_party(iso3="BBB")
    db.session.commit()
    return records


BAD_ACTIONS = [
    (
        {"kind": "ratification", "deposited_on": "2000-01-02", "effective_on": "2000-01-01"},
        "effective_on",
    ),
    ({"kind": "withdrawal_notice", "effective_on": "2001-01-01"}, "deposited_on"),
    ({"kind": "coronation", "effective_on": "2001-01-01"}, "kind"),
    ({"kind": "signature"}, "effective_on"),
    ({"kind": "signature", "effective_on": ""}, "effective_on"),
    ({"kind": "signature", "effective_on": "2001-01-01", "party_id": 424242}, "party_id"),
    ({"kind": "signature", "effective_on": "2001-01-01", "agreement_id": None}, "agreement_id"),
    (
        {"kind": "signature", "effective_on": "2001-01-01", "depositary_notification": "C" * 65},
        "depositary_notification",
    ),
]


@pytest.mark.parametrize(("data", "field"), BAD_ACTIONS)
def test_bad_treaty_actions_are_refused(pact, data, field):
    agreement, party, _ = pact
    before = count_rows(AuditEvent)
    with pytest.raises(ValidationFailed) as raised:
        treaty_actions.create(ACTOR, {"agreement_id": agreement.id, "party_id": party.id, **data})
    assert field in raised.value.messages
    db.session.rollback()
    assert count_rows(TreatyAction) == 0
    assert count_rows(AuditEvent) == before


def test_succession_alone_may_take_effect_before_deposit_and_names_a_predecessor(pact):
    agreement, successor, predecessor = pact
    action = treaty_actions.create(
        ACTOR,
        {
            "agreement_id": agreement.id,
            "party_id": successor.id,
            "kind": "succession",
            "deposited_on": "1993-02-22",
            "effective_on": "1993-01-01",
            "predecessor_id": predecessor.id,
        },
    )
    assert action.effective_on < action.deposited_on
    with pytest.raises(ValidationFailed, match="predecessor_id"):
        treaty_actions.create(
            ACTOR,
            {
                "agreement_id": agreement.id,
                "party_id": successor.id,
                "kind": "accession",
                "effective_on": "1993-01-01",
                "predecessor_id": predecessor.id,
            },
        )
    with pytest.raises(ValidationFailed, match="cannot succeed itself"):
        treaty_actions.create(
            ACTOR,
            {
                "agreement_id": agreement.id,
                "party_id": successor.id,
                "kind": "succession",
                "effective_on": "1993-01-01",
                "predecessor_id": successor.id,
            },
        )


def test_a_treaty_action_cannot_move_to_another_agreement(pact, make_agreement, make_action):
    agreement, party, _ = pact
    action = make_action(agreement, party, "signature", "1949-04-04")
    other = make_agreement(title="Other")
    with pytest.raises(ValidationFailed, match="agreement_id"):
        treaty_actions.update(ACTOR, action, {"agreement_id": other.id})


def test_archive_keeps_the_record_and_needs_a_reason(pact, make_action):
    agreement, party, _ = pact
    action = make_action(agreement, party, "signature", "1949-04-04")
    with pytest.raises(ValidationFailed, match="reason"):
        treaty_actions.archive(ACTOR, action, reason="  ")
    treaty_actions.archive(ACTOR, action, reason="Recorded against the wrong party")
    assert action.is_archived
    assert count_rows(TreatyAction) == 1
    assert events_for(action)[-1].reason == "Recorded against the wrong party"
    with pytest.raises(RuleViolation):
        treaty_actions.archive(ACTOR, action, reason="again")
    treaty_actions.restore(ACTOR, action)
    assert not action.is_archived


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"expires_on": date(1900, 1, 1)}, "expiry_not_before_force"),
        ({"extension_options_left": -1}, "extension_options_not_negative"),
        ({"review_cadence": "periodic"}, "review_cadence_has_interval"),
    ],
)
def test_the_database_enforces_its_own_constraints(make_agreement, values, constraint):
    agreement = make_agreement()
    db.session.commit()
    with pytest.raises(IntegrityError, match=f"(?i){constraint}|check constraint"):
        with db.engine.begin() as connection:
            connection.execute(
                Agreement.__table__.update().where(Agreement.id == agreement.id).values(**values)
            )
