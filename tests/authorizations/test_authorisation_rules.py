"""Authorisation rules as data: their clocks as deadlines, the consent check, votes, dates.

The rules are the presets shipped in fixtures/authorisation_rules.json; each test creates
the ones it needs through the service, with the bodies they name.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from registry.agreements.models import Agreement
from registry.agreements.services import agreements
from registry.authorizations.models import Authorization, AuthorizationRule
from registry.authorizations.services import authorization_rules, authorizations
from registry.cli import FIXTURES_DIR
from registry.core.enums import AgreementStatus, Classification, DeadlineKind
from registry.deadlines.queries import find_deadlines
from registry.extensions import db
from registry.oversight.models import SittingDay
from registry.oversight.services import sitting_days

from support import ACTOR, events_for, writes_nothing

PRESETS = {
    rule["name"]: rule
    for rule in json.loads((FIXTURES_DIR / "authorisation_rules.json").read_text())
}
CRAG = "UK treaty: CRaG scrutiny, 21 sitting days"
SENATE = "US treaty: Senate advice and consent"


def days(*spans: tuple[str, str]) -> list[date]:
    """Every weekday Monday to Thursday from each span's first to last date."""
    found = []
    for first, last in spans:
        day = date.fromisoformat(first)
        while day <= date.fromisoformat(last):
            if day.weekday() < 4:
                found.append(day)
            day += timedelta(days=1)
    return found


# Both Houses of the UK Parliament sitting Monday to Thursday, with a February recess
# (13–22 February) and an Easter recess (27 March – 12 April).
UK_CALENDAR = days(
    ("2026-01-12", "2026-02-12"), ("2026-02-23", "2026-03-26"), ("2026-04-13", "2026-05-21")
)


@pytest.fixture
def preset(app, make_body):
    """`preset(name)`: the shipped rule, with its body and (optionally) a sitting calendar."""

    def make(name: str, calendar: list[date] = ()):
        data = dict(PRESETS[name])
        body_name = data.pop("body")
        if body_name:
            body = make_body(name=body_name, kind="legislature")
            data["body_id"] = body.id
            for day in calendar:
                sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": day.isoformat()})
        return authorization_rules.create(ACTOR, data)

    return make


@pytest.fixture
def home(app, monkeypatch):
    def set_home(iso3: str):
        monkeypatch.setitem(app.config, "HOME_PARTY", iso3)

    return set_home


def clocks(agreement, kind=None) -> list[tuple[DeadlineKind, date, str]]:
    found = find_deadlines(
        Classification.SECRET,
        date(2020, 1, 1),
        date(2030, 12, 31),
        today=date(2026, 1, 1),
    )
    return [
        (d.kind, d.due_on, d.title)
        for d in found
        if d.agreement_id == agreement.id and (kind is None or d.kind == kind)
    ]


def lay(agreement, rule, laid_on: str, **fields) -> Authorization:
    return authorizations.create(
        ACTOR,
        {"agreement_id": agreement.id, "rule_id": rule.id, "submitted_on": laid_on, **fields},
    )


# --- the United Kingdom: 21 sitting days, and a new period after a resolution against -------


def test_a_uk_treaty_laid_before_a_recess_is_due_on_the_21st_sitting_day(
    home, preset, make_agreement
):
    home("GBR")
    rule = preset(CRAG, UK_CALENDAR)
    treaty = make_agreement(concluded_on="2026-01-05", entered_into_force_on=None)
    step = lay(treaty, rule, "2026-01-15")  # a Thursday, itself a sitting day: not counted
    # Counted by hand: 19–22 Jan (4), 26–29 Jan (8), 2–5 Feb (12), 9–12 Feb (16),
    # recess 13–22 Feb, 23–26 Feb (20), 2 March (21).
    assert clocks(treaty) == [
        (DeadlineKind.AUTHORIZATION_DUE, date(2026, 3, 2), f"{CRAG}: Treaty of Testing")
    ]
    assert step.due_on is None  # the clock is derived, never stored


def test_a_commons_resolution_against_then_a_statement_starts_a_new_period(
    home, preset, make_agreement
):
    home("GBR")
    rule = preset(CRAG, UK_CALENDAR)
    treaty = make_agreement(concluded_on="2026-01-05", entered_into_force_on=None)
    first = lay(treaty, rule, "2026-01-15")
    authorizations.update(
        ACTOR,
        first,
        {"decision": "rejected", "decided_on": "2026-02-10", "instrument": "Commons resolution"},
    )
    assert clocks(treaty) == []  # the first period ended with the resolution

    with writes_nothing(Authorization, field="submitted_on") as refused:
        lay(treaty, rule, "2026-02-09")
    assert "after the resolution against of 2026-02-10" in str(refused.value)

    lay(treaty, rule, "2026-02-24", instrument="Minister's statement under s.20(4)")
    # 25–26 Feb (2), 2–5 Mar (6), 9–12 (10), 16–19 (14), 23–26 (18), Easter recess,
    # 13, 14, 15 April (21).
    assert [due for _, due, _ in clocks(treaty)] == [date(2026, 4, 15)]


def test_a_scrutiny_period_cannot_be_marked_passed_before_it_ends(home, preset, make_agreement):
    home("GBR")
    rule = preset(CRAG, UK_CALENDAR)
    treaty = make_agreement(concluded_on="2026-01-05", entered_into_force_on=None)
    step = lay(treaty, rule, "2026-01-15")
    db.session.commit()
    with writes_nothing(Authorization, field="decided_on") as refused:
        authorizations.update(ACTOR, step, {"decision": "approved", "decided_on": "2026-03-01"})
    assert "run until 2026-03-02" in str(refused.value)
    db.session.expire_all()
    authorizations.update(ACTOR, step, {"decision": "approved", "decided_on": "2026-03-02"})
    assert clocks(treaty) == []


def test_an_extension_moves_the_end_of_the_period(home, preset, make_agreement):
    home("GBR")
    rule = preset(CRAG, UK_CALENDAR)
    treaty = make_agreement(concluded_on="2026-01-05", entered_into_force_on=None)
    lay(treaty, rule, "2026-01-15", extended_by=3)
    # The 21st sitting day is 2 March; three more are 3, 4 and 5 March.
    assert [due for _, due, _ in clocks(treaty)] == [date(2026, 3, 5)]
    with writes_nothing(Authorization, field="extended_by"):
        lay(treaty, rule, "2026-01-15", extended_by=22)


def test_a_calendar_too_short_gives_no_date_and_says_why(home, preset, make_agreement):
    home("GBR")
    rule = preset(CRAG, UK_CALENDAR[:10])
    treaty = make_agreement(concluded_on="2026-01-05", entered_into_force_on=None)
    lay(treaty, rule, "2026-01-15")
    assert clocks(treaty) == []
    from registry.authorizations.queries import clocks_of

    (reading,) = clocks_of(treaty, Classification.SECRET)
    assert reading.problem == (
        "the sitting calendar ends on 2026-01-27, after 6 of the 21 sitting days"
    )


# --- Australia: 20 joint sitting days for category 1, 15 for category 2 --------------------


AUSTRALIA = "Parliament of Australia"


def test_australian_category_1_and_2_treaty_actions(home, app, make_body, make_agreement):
    home("AUS")
    body = make_body(name=AUSTRALIA, kind="legislature")
    joint_days = days(
        ("2026-02-02", "2026-02-12"), ("2026-02-23", "2026-03-05"), ("2026-03-23", "2026-03-26")
    ) + days(("2026-05-11", "2026-05-14"))
    for day in joint_days:
        sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": day.isoformat()})
    rules = {}
    for category in (1, 2):
        name = next(n for n in PRESETS if n.startswith(f"Australia: category {category}"))
        rules[category] = authorization_rules.create(
            ACTOR, {**{k: v for k, v in PRESETS[name].items() if k != "body"}, "body_id": body.id}
        )
    first = make_agreement(
        title="First treaty", concluded_on="2026-01-20", entered_into_force_on=None
    )
    second = make_agreement(
        title="Second treaty", concluded_on="2026-01-20", entered_into_force_on=None
    )
    lay(first, rules[1], "2026-02-03")
    lay(second, rules[2], "2026-02-03")
    # After 3 Feb: 4–5 Feb (2), 9–12 Feb (6), 23–26 Feb (10), 2–5 Mar (14), 23 Mar (15),
    # 24–26 Mar (18), 11–12 May (20).
    assert [due for _, due, _ in clocks(first)] == [date(2026, 5, 12)]
    assert [due for _, due, _ in clocks(second)] == [date(2026, 3, 23)]


# --- the United States: 1 U.S.C. §112b clocks and the Senate's two thirds ---------------------


def test_a_us_agreement_gets_its_15_day_monthly_report_and_120_day_publication_deadlines(
    home, preset, make_agreement
):
    home("USA")
    for name in PRESETS:
        if name.startswith("US agreement"):
            preset(name)
    agreement = make_agreement(
        title="Defence Cooperation Arrangement",
        legal_nature="executive_agreement",
        concluded_on="2026-03-10",
        entered_into_force_on="2026-04-01",
    )
    assert [(kind, due) for kind, due, _ in clocks(agreement)] == [
        (DeadlineKind.REPORTING_DUE, date(2026, 3, 25)),  # text to State within 15 days
        (DeadlineKind.REPORTING_DUE, date(2026, 4, 30)),  # the report on March's signatures
        (DeadlineKind.REPORTING_DUE, date(2026, 5, 31)),  # the report on April's entries
        (DeadlineKind.PUBLICATION_DUE, date(2026, 7, 30)),  # 120 days after 1 April
    ]
    transmission = (
        db.session.query(AuthorizationRule)
        .filter_by(name="US agreement: text to the State Department within 15 days")
        .one()
    )
    authorizations.create(
        ACTOR,
        {
            "agreement_id": agreement.id,
            "rule_id": transmission.id,
            "decision": "approved",
            "decided_on": "2026-03-20",
        },
    )
    agreements.update(ACTOR, agreement, {"published_on": "2026-06-01"})
    assert [due for _, due, _ in clocks(agreement)] == [date(2026, 4, 30), date(2026, 5, 31)]


def test_a_us_agreement_signed_before_the_2022_amendments_took_effect_starts_no_clock(
    home, preset, make_agreement
):
    home("USA")
    preset("US agreement: text to the State Department within 15 days")
    agreement = make_agreement(
        legal_nature="executive_agreement", concluded_on="2023-09-18", entered_into_force_on=None
    )
    assert clocks(agreement) == []


def test_a_treaty_without_consent_cannot_enter_into_force(home, preset, make_agreement, make_user):
    home("USA")
    rule = preset(SENATE)
    treaty = make_agreement(status="signed", entered_into_force_on=None)
    db.session.commit()
    with writes_nothing(Agreement, field="status") as refused:
        agreements.update(
            ACTOR, treaty, {"status": "in_force", "entered_into_force_on": "1949-08-24"}
        )
    assert str(refused.value) == (
        "Invalid agreement: status: A treaty cannot be in force for the home state yet. It "
        "needs an approved authorisation step under US treaty: Senate advice and consent "
        "first; none is recorded."
    )
    with writes_nothing(Agreement, field="status"):
        agreements.create(ACTOR, {**_treaty_data(), "status": "in_force"})

    step = lay(treaty, rule, "1949-04-12")
    db.session.commit()
    with writes_nothing(Agreement, field="status") as refused:
        agreements.update(ACTOR, treaty, {"status": "in_force"})
    assert "none is approved yet" in str(refused.value)

    authorizations.update(
        ACTOR,
        step,
        {"decision": "approved", "decided_on": "1949-07-21", "votes_for": 82, "votes_against": 13},
    )
    agreements.update(ACTOR, treaty, {"status": "awaiting_authorization"})
    agreements.update(ACTOR, treaty, {"status": "in_force"})
    assert treaty.status == AgreementStatus.IN_FORCE


def test_an_admin_may_override_the_consent_rule_with_a_reason_kept_in_the_audit_trail(
    home, preset, make_agreement, make_user
):
    home("USA")
    preset(SENATE)
    treaty = make_agreement(status="signed")
    editor, admin = make_user(role="editor"), make_user(role="admin")
    db.session.commit()
    with writes_nothing(Agreement, field="override"):
        agreements.change_status(editor, treaty, "in_force", reason="Urgent", override=True)
    with writes_nothing(Agreement, field="reason"):
        agreements.change_status(admin, treaty, "in_force", reason="  ", override=True)
    with writes_nothing(Agreement, field="status"):
        agreements.change_status(admin, treaty, "in_force", reason="Urgent")

    agreements.change_status(
        admin, treaty, "in_force", reason="Provisional application agreed", override=True
    )
    assert treaty.status == AgreementStatus.IN_FORCE
    event = events_for(treaty)[-1]
    assert (event.actor_id, event.changes, event.reason) == (
        admin.id,
        {"status": ["signed", "in_force"]},
        "Authorisation rule overridden: Provisional application agreed",
    )


def test_forbidden_transitions_say_where_the_agreement_may_go(make_agreement):
    agreement = make_agreement(status="draft")
    db.session.commit()
    with writes_nothing(Agreement, field="status") as refused:
        agreements.update(ACTOR, agreement, {"status": "expired"})
    assert refused.value.messages["status"] == [
        "An agreement cannot go from draft to expired; from draft it may become: "
        "negotiating, signed."
    ]
    agreements.update(ACTOR, agreement, {"status": "signed"})
    agreements.update(ACTOR, agreement, {"status": "withdrawn"})
    with writes_nothing(Agreement, field="status") as refused:
        agreements.update(ACTOR, agreement, {"status": "signed"})
    assert "cannot change status any more" in str(refused.value)


def test_a_political_commitment_takes_effect_without_authorisation(home, preset, make_agreement):
    home("USA")
    preset(SENATE)
    commitment = make_agreement(legal_nature="non_binding", status="negotiating")
    agreements.update(ACTOR, commitment, {"status": "in_force"})
    assert commitment.status == AgreementStatus.IN_FORCE
    treaty = make_agreement(status="negotiating")
    db.session.commit()
    with writes_nothing(Agreement, field="status") as refused:
        agreements.update(ACTOR, treaty, {"status": "in_force"})
    assert "Only a non-binding instrument" in str(refused.value)


def _treaty_data():
    return {
        "title": "Treaty of Shortcuts",
        "instrument_type": "arms_control",
        "form": "bilateral",
        "legal_nature": "treaty",
        "region": "europe",
        "concluded_on": "2026-01-05",
    }


# --- votes and dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param(
            {"decision": "approved", "votes_for": 60, "votes_against": 40},
            "votes_for",
            "60 for and 40 against do not reach two thirds of those present and voting "
            "(at least 67 for were needed); the decision cannot be an approval.",
            id="short-of-two-thirds",
        ),
        pytest.param(
            {"decision": "rejected", "votes_for": 80, "votes_against": 19},
            "votes_for",
            "80 for and 19 against reach two thirds of those present and voting; "
            "the decision cannot be a rejection.",
            id="rejected-with-two-thirds",
        ),
        pytest.param(
            {"decision": "approved", "votes_for": 82, "votes_against": 30},
            "votes_against",
            "82 for and 30 against make 112 votes, but United States Senate has 100 members.",
            id="more-votes-than-members",
        ),
        pytest.param(
            {"decision": "approved", "votes_for": 82},
            "votes_against",
            "Give the votes both for and against.",
            id="half-a-count",
        ),
        pytest.param(
            {"submitted_on": "2025-12-31"},
            "submitted_on",
            "The submission cannot come before the signature it follows (2026-01-05).",
            id="laid-before-signature",
        ),
    ],
)
def test_votes_that_do_not_add_up_and_dates_before_the_event_are_refused(
    home, preset, make_agreement, fields, field, message
):
    home("USA")
    rule = preset(SENATE)
    treaty = make_agreement(concluded_on="2026-01-05", entered_into_force_on=None)
    data = {"agreement_id": treaty.id, "rule_id": rule.id, "submitted_on": "2026-01-10"}
    if fields.get("decision"):
        data["decided_on"] = "2026-03-01"
    with writes_nothing(Authorization, field=field) as refused:
        authorizations.create(ACTOR, {**data, **fields})
    assert refused.value.messages[field] == [message]


def test_a_step_under_a_signature_clock_cannot_be_dated_before_signature(
    home, preset, make_agreement
):
    home("USA")
    rule = preset("US agreement: text to the State Department within 15 days")
    agreement = make_agreement(
        legal_nature="executive_agreement", concluded_on="2026-03-10", entered_into_force_on=None
    )
    data = {"agreement_id": agreement.id, "rule_id": rule.id, "decision": "approved"}
    with writes_nothing(Authorization, field="decided_on") as refused:
        authorizations.create(ACTOR, {**data, "decided_on": "2026-03-09"})
    assert "before the signature it follows (2026-03-10)" in str(refused.value)
    treaty = make_agreement(concluded_on="2026-03-10", entered_into_force_on=None)
    with writes_nothing(Authorization, field="rule_id") as refused:
        authorizations.create(
            ACTOR, {**data, "agreement_id": treaty.id, "decided_on": "2026-03-11"}
        )
    assert "is a treaty" in str(refused.value)


def test_a_rule_that_does_not_hang_together_is_refused(app):
    base = {
        "name": "Half a rule",
        "jurisdiction": "GBR",
        "legal_nature": "treaty",
        "requirement": "notification",
        "trigger": "signature",
    }
    cases = [
        ({"period_length": 21}, "period_unit"),
        ({"period_length": 21, "period_unit": "sitting_days"}, "body_id"),
        ({"required_before_force": True}, "required_before_force"),
        ({"restarts_after_rejection": True}, "restarts_after_rejection"),
        ({"jurisdiction": "gb"}, "jurisdiction"),
        ({"period_length": 0, "period_unit": "calendar_days"}, "period_length"),
        ({"name": "x" * 201}, "name"),
    ]
    for changes, field in cases:
        with writes_nothing(AuthorizationRule, field=field):
            authorization_rules.create(ACTOR, {**base, **changes})


# --- sitting calendars by CSV -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date\n2026-01-12\n2026-01-13\n2026-01-13\n", "Line 4: 2026-01-13 repeats line 3."),
        (
            "2026-01-13\n2026-01-12\n",
            "Line 2: 2026-01-12 comes before 2026-01-13 on line 1; list the days in order.",
        ),
        (
            "2026-01-12\n2026-02-30\n",
            "Line 2: '2026-02-30': "
            "Not a valid date. Enter a date as YYYY-MM-DD, for example 1990-01-01.",
        ),
        (
            "2026-01-12\n12/01/2026\n",
            "Line 2: '12/01/2026': "
            "Not a valid date. Enter a date as YYYY-MM-DD, for example 1990-01-01.",
        ),
        ("2026-01-12,2026-01-13\n", "Line 1: expected one date, found 2 values."),
        ("\n\n", "The file holds no dates."),
        ("2026-01-05\n2026-01-12\n", "Already sitting days of House of Tests: 2026-01-05."),
    ],
)
def test_a_calendar_upload_is_all_or_nothing(make_body, text, message):
    body = make_body(name="House of Tests")
    sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": "2026-01-05"})
    with writes_nothing(SittingDay, field="file") as refused:
        sitting_days.import_csv(ACTOR, body, text)
    assert any(problem.startswith(message) for problem in refused.value.messages["file"])


def test_a_calendar_upload_adds_every_day_with_an_audit_event_each(make_body):
    body = make_body(name="House of Tests")
    added = sitting_days.import_csv(ACTOR, body, "\ufeffdate\r\n2026-01-12\r\n\r\n2026-01-13\r\n")
    assert [day.sat_on for day in added] == [date(2026, 1, 12), date(2026, 1, 13)]
    assert events_for(added[0])[0].reason == "Calendar upload: 2 days from 2026-01-12 to 2026-01-13"
