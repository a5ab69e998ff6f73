"""The staff forms, submitted as a browser would: real CSRF tokens, every field the page shows.

A good submission is saved with an audit event and a success message; a bad one answers 422
with the message next to the field and the user's input kept, and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from registry.agreements.models import Agreement, TreatyAction
from registry.authorizations.models import Authorization
from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction
from registry.extensions import db
from registry.obligations.models import Measurement, Obligation
from registry.obligations.services import measurements, obligations
from registry.oversight.models import OversightBody, SittingDay
from registry.oversight.services import sitting_days
from registry.parties.models import Party
from registry.reviews.models import Review

from support import ACTOR, count_rows, events_for

SCRIPT = "<script>alert(1)</script>"
SQL = "'; DROP TABLE agreements; --"
RTL = "\u202egnp.exe"  # right-to-left override: shows as "exe.png"
ZERO_WIDTH = "in\u200bvisi\u200dble\ufeff"
NUL = "nul\x00byte"


@pytest.fixture
def editor(sign_in):
    return sign_in("editor", "secret")


def last(model):
    return db.session.scalars(select(model).order_by(model.id.desc()).limit(1)).one()


def save_through_form(browser, url, changes, model, noun):
    """Submit a form that must save; check the redirect, the message, the row and its event."""
    rows_before = count_rows(model)
    response = browser.submit(url, changes)
    assert response.status_code == 302, (
        f"POST {url} answered {response.status_code}: {response.page.errors()} "
        f"{response.page.flashes()}"
    )
    assert count_rows(model) == rows_before + 1
    saved = last(model)
    events = events_for(saved)
    assert [event.action for event in events] == [AuditAction.CREATE]
    assert events[0].actor_id == browser.user.id
    shown = browser.get(response.headers["Location"])
    assert shown.status_code == 200
    assert f"The {noun} was saved." in shown.page.flashes("success")
    return saved, shown.page


def test_an_editor_records_an_agreement_and_everything_under_it(editor):
    agreement, page = save_through_form(
        editor,
        "/agreements/new",
        {
            "title": "Treaty of Web Testing",
            "short_title": "Web Treaty",
            "instrument_type": "arms_control",
            "form": "bilateral",
            "legal_nature": "treaty",
            "region": "europe",
            "status": "in_force",
            "classification": "public",
            "concluded_on": "2020-01-02",
            "entered_into_force_on": "2020-03-04",
            "term": "P10Y",
            "notice_period": "P6M",
            "review_cadence": "periodic",
            "review_interval": "P5Y",
            "text_url": "https://example.org/treaty",
            "unts_volume": "3000",
            "unts_page": "12",
        },
        Agreement,
        "agreement",
    )
    assert agreement.reference == "AGR-2020-0001"
    assert (agreement.title, agreement.term, agreement.unts_volume) == (
        "Treaty of Web Testing",
        "P10Y",
        3000,
    )
    assert page.title == "Treaty of Web Testing"
    base = f"/agreements/{agreement.id}"

    freedonia, _ = save_through_form(
        editor,
        "/parties/new",
        {"name": "Freedonia", "kind": "state", "iso3": "fdn"},
        Party,
        "party",
    )
    sylvania, _ = save_through_form(
        editor, "/parties/new", {"name": "Sylvania", "kind": "state", "iso3": "SYL"}, Party, "party"
    )
    assert freedonia.iso3 == "FDN"

    save_through_form(
        editor,
        f"{base}/treaty-actions/new",
        {"party_id": freedonia.id, "kind": "signature", "effective_on": "2020-01-02"},
        TreatyAction,
        "treaty action",
    )
    action, page = save_through_form(
        editor,
        f"{base}/treaty-actions/new",
        {
            "party_id": sylvania.id,
            "kind": "ratification",
            "deposited_on": "2020-02-01",
            "effective_on": "2020-03-04",
        },
        TreatyAction,
        "treaty action",
    )
    assert action.agreement_id == agreement.id
    assert page.by_id("parties-heading") is not None
    assert "Freedonia" in page.text and "Sylvania" in page.text

    body, _ = save_through_form(
        editor,
        "/oversight-bodies/new",
        {
            "name": "Committee on Web Tests",
            "kind": "legislative_committee",
            "jurisdiction": "USA",
            "contact_email": "committee@example.org",
            "url": "https://example.org/committee",
        },
        OversightBody,
        "oversight body",
    )
    day, page = save_through_form(
        editor,
        f"/oversight-bodies/{body.id}/sitting-days/new",
        {"sat_on": "2026-03-02"},
        SittingDay,
        "sitting day",
    )
    assert day.body_id == body.id
    assert page.title == "Committee on Web Tests"

    obligation, page = save_through_form(
        editor,
        f"{base}/obligations/new",
        {
            "article_reference": "Art. 3",
            "title": "Spend 2% of GDP on defence",
            "kind": "capability_target",
            "obligated_party_id": freedonia.id,
            "oversight_body_id": body.id,
            "owner_id": editor.user.id,
            "due_on": "2027-01-31",
            "recurrence": "P1Y",
            "target_value": "2",
            "target_unit": "% of GDP",
        },
        Obligation,
        "obligation",
    )
    assert (obligation.agreement_id, obligation.classification.value) == (agreement.id, "public")
    assert page.title == "Art. 3 Spend 2% of GDP on defence"

    measurement, page = save_through_form(
        editor,
        f"/obligations/{obligation.id}/measurements/new",
        {
            "party_id": freedonia.id,
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "value": "2.05",
            "unit": "% of GDP",
            "is_estimate": True,
            "source": "Annual report 2025",
        },
        Measurement,
        "measurement",
    )
    assert (str(measurement.value.normalize()), measurement.is_estimate) == ("2.05", True)
    assert "2.05 % of GDP (estimate)" in page.text

    step, page = save_through_form(
        editor,
        f"{base}/authorizations/new",
        {
            "requirement": "advice_and_consent",
            "body_id": body.id,
            "submitted_on": "2020-01-10",
            "decision": "approved",
            "decided_on": "2020-02-10",
            "votes_for": "82",
            "votes_against": "12",
        },
        Authorization,
        "authorization step",
    )
    assert (step.votes_for, step.recorded_by_id) == (82, editor.user.id)
    assert "82–12" in page.text

    review, page = save_through_form(
        editor,
        f"{base}/reviews/new",
        {"due_on": "2027-06-30", "status": "scheduled", "is_periodic": True, "body_id": body.id},
        Review,
        "review",
    )
    assert (review.is_periodic, review.recorded_by_id) == (True, editor.user.id)
    assert "Periodic review due 2027-06-30" in page.text  # the saved review's own page
    agreement_page = editor.get(base).page
    assert "2027-06-30" in agreement_page.text
    assert "Spend 2% of GDP on defence" in agreement_page.text


# --- bad input ----------------------------------------------------------------------------------


@dataclass
class FormSpec:
    url: str  # formatted with the ids of the `setting` fixture
    model: type
    valid: dict
    bad: list[tuple[str, dict, str, str]] = field(default_factory=list)  # id, changes, field, text


@pytest.fixture
def setting(make_agreement, make_party, make_body) -> dict:
    """Records the forms hang under, and records a duplicate would clash with."""
    agreement = make_agreement(title="Parent Treaty")
    first = make_party(name="Ruritania", iso3="RUR")
    second = make_party(name="Grand Fenwick", iso3="GFW")
    body = make_body(name="Existing Committee")
    obligation = obligations.create(
        ACTOR,
        {
            "agreement_id": agreement.id,
            "title": "Spend 2% of GDP on defence",
            "kind": "capability_target",
            "target_value": "2",
            "target_unit": "% of GDP",
        },
    )
    measurements.create(
        ACTOR,
        {
            "obligation_id": obligation.id,
            "party_id": first.id,
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "value": "1.9",
            "unit": "% of GDP",
            "source": "Annual report 2024",
        },
    )
    sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": "2026-01-05"})
    db.session.commit()
    return {
        "agreement": agreement.id,
        "party": first.id,
        "other_party": second.id,
        "body": body.id,
        "obligation": obligation.id,
    }


def form_specs(ids: dict) -> dict[str, FormSpec]:
    party, other_party, body = ids["party"], ids["other_party"], ids["body"]
    return {
        "agreement": FormSpec(
            "/agreements/new",
            Agreement,
            {
                "title": "Treaty of Bad Input",
                "instrument_type": "arms_control",
                "form": "bilateral",
                "legal_nature": "treaty",
                "region": "europe",
                "status": "signed",
                "classification": "public",
                "concluded_on": "2020-01-02",
                "entered_into_force_on": "2020-03-04",
            },
            [
                ("title-empty", {"title": ""}, "title", "Must not be blank."),
                ("title-blank", {"title": "   "}, "title", "Must not be blank."),
                ("title-too-long", {"title": "x" * 2001}, "title", "maximum length 2000"),
                ("title-nul", {"title": NUL}, "title", "NUL"),
                ("short-title-too-long", {"short_title": "x" * 201}, "short_title", "200"),
                ("date-text", {"concluded_on": "abc"}, "concluded_on", "Not a valid date."),
                ("date-no-such-day", {"concluded_on": "2019-02-30"}, "concluded_on", "date"),
                ("date-too-early", {"concluded_on": "1799-12-31"}, "concluded_on", "between"),
                (
                    "expiry-before-force",
                    {"expires_on": "2020-03-03"},
                    "expires_on",
                    "cannot be before entry into force",
                ),
                (
                    "termination-before-force",
                    {"terminated_on": "2019-01-01"},
                    "terminated_on",
                    "cannot be before entry into force",
                ),
                (
                    "force-before-conclusion",
                    {"entered_into_force_on": "2019-12-31"},
                    "entered_into_force_on",
                    "cannot be before conclusion",
                ),
                (
                    "number-text",
                    {"extension_options_left": "abc", "extension_term": "P5Y"},
                    "extension_options_left",
                    "Not a valid whole number.",
                ),
                ("number-fraction", {"unts_volume": "12.5"}, "unts_volume", "whole number"),
                (
                    "number-negative",
                    {"unts_volume": "1", "unts_page": "-3"},
                    "unts_page",
                    "Must be between 1 and 100000.",
                ),
                ("period-text", {"term": "twenty years"}, "term", ""),
                ("unknown-type", {"instrument_type": "submarine"}, "instrument_type", "one of"),
                ("unknown-level", {"classification": "cosmic"}, "classification", "one of"),
                ("missing-parent", {"parent_id": "999999"}, "parent_id", "No agreement with id"),
                ("parent-text", {"parent_id": "abc"}, "parent_id", "No agreement with id"),
                ("url-javascript", {"text_url": "javascript:alert(1)"}, "text_url", "URL"),
                (
                    "review-without-interval",
                    {"review_cadence": "periodic"},
                    "review_interval",
                    "Give the review interval",
                ),
                ("script-in-date", {"entered_into_force_on": SCRIPT}, "entered_into_force_on", ""),
                ("sql-in-number", {"unts_volume": SQL}, "unts_volume", "whole number"),
                ("rtl-in-choice", {"region": RTL}, "region", "one of"),
                ("zero-width-in-number", {"unts_volume": "1\u200b2"}, "unts_volume", "whole"),
                (
                    "hostile-text-kept",
                    {
                        "title": SCRIPT,
                        "short_title": SQL,
                        "summary": RTL + ZERO_WIDTH,
                        "concluded_on": "abc",
                    },
                    "concluded_on",
                    "Not a valid date.",
                ),
            ],
        ),
        "treaty action": FormSpec(
            "/agreements/{agreement}/treaty-actions/new",
            TreatyAction,
            {
                "party_id": party,
                "kind": "ratification",
                "deposited_on": "2020-02-01",
                "effective_on": "2020-03-04",
            },
            [
                ("party-empty", {"party_id": ""}, "party_id", "Missing data"),
                ("party-missing", {"party_id": "999999"}, "party_id", "No party with id 999999"),
                ("party-sql", {"party_id": SQL}, "party_id", "No party with id"),
                ("kind-empty", {"kind": ""}, "kind", ""),
                ("kind-unknown", {"kind": "coronation"}, "kind", "one of"),
                ("effective-empty", {"effective_on": ""}, "effective_on", "Missing data"),
                ("effective-text", {"effective_on": "abc"}, "effective_on", "Not a valid date."),
                (
                    "effect-before-deposit",
                    {"effective_on": "2020-01-31"},
                    "effective_on",
                    "cannot take effect before it is deposited",
                ),
                (
                    "withdrawal-undated",
                    {"kind": "withdrawal_notice", "deposited_on": ""},
                    "deposited_on",
                    "Give the date the notice of withdrawal was deposited.",
                ),
                (
                    "predecessor-without-succession",
                    {"predecessor_id": other_party},
                    "predecessor_id",
                    "Only a succession names a predecessor.",
                ),
                (
                    "notification-too-long",
                    {"depositary_notification": "C" * 65},
                    "depositary_notification",
                    "64",
                ),
                ("text-nul", {"text": NUL}, "text", "NUL"),
                ("script-in-date", {"deposited_on": SCRIPT}, "deposited_on", "date"),
                (
                    "hostile-text-kept",
                    {"text": SCRIPT, "source": SQL + RTL, "effective_on": "abc"},
                    "effective_on",
                    "Not a valid date.",
                ),
            ],
        ),
        "party": FormSpec(
            "/parties/new",
            Party,
            {"name": "Republic of Bad Input", "kind": "state", "iso3": "RBI"},
            [
                ("name-empty", {"name": ""}, "name", "Must not be blank."),
                ("name-too-long", {"name": "x" * 201}, "name", "200"),
                ("name-taken", {"name": "Ruritania"}, "name", "already used"),
                ("iso3-taken", {"iso3": "rur"}, "iso3", "already used"),
                ("name-nul", {"name": NUL}, "name", "NUL"),
                ("kind-unknown", {"kind": "planet"}, "kind", "one of"),
                ("iso3-two-letters", {"iso3": "RB"}, "iso3", "three letters"),
                ("iso3-script", {"iso3": SCRIPT}, "iso3", ""),
                ("iso3-zero-width", {"iso3": "R\u200bB"}, "iso3", ""),
                (
                    "hostile-text-kept",
                    {"short_name": SQL, "source": SCRIPT + ZERO_WIDTH, "iso3": "12"},
                    "iso3",
                    "three letters",
                ),
            ],
        ),
        "obligation": FormSpec(
            "/agreements/{agreement}/obligations/new",
            Obligation,
            {
                "title": "Report every year",
                "kind": "reporting",
                "status": "active",
                "due_on": "2027-01-31",
                "recurrence": "P1Y",
                "target_value": "2",
                "target_unit": "% of GDP",
            },
            [
                ("title-empty", {"title": ""}, "title", "Must not be blank."),
                ("title-too-long", {"title": "x" * 501}, "title", "500"),
                ("kind-empty", {"kind": ""}, "kind", ""),
                ("kind-unknown", {"kind": "bribery"}, "kind", "one of"),
                (
                    "party-missing",
                    {"obligated_party_id": "999999"},
                    "obligated_party_id",
                    "No party with id",
                ),
                ("owner-missing", {"owner_id": "999999"}, "owner_id", "No user with id"),
                (
                    "body-text",
                    {"oversight_body_id": "abc"},
                    "oversight_body_id",
                    "No oversight body with id",
                ),
                ("due-text", {"due_on": "abc"}, "due_on", "Not a valid date."),
                ("recurring-without-due", {"due_on": ""}, "due_on", "first due date"),
                ("recurrence-text", {"recurrence": "weekly"}, "recurrence", ""),
                ("status-unknown", {"status": "forgotten"}, "status", "one of"),
                (
                    "target-text",
                    {"target_value": "abc", "target_unit": "%"},
                    "target_value",
                    "number",
                ),
                ("target-nan", {"target_value": "NaN", "target_unit": "%"}, "target_value", ""),
                (
                    "target-too-large",
                    {"target_value": "1e14", "target_unit": "%"},
                    "target_value",
                    "between",
                ),
                ("target-without-unit", {"target_unit": ""}, "target_unit", "unit"),
                ("unknown-level", {"classification": "cosmic"}, "classification", "one of"),
                ("text-nul", {"text": NUL}, "text", "NUL"),
                (
                    "script-in-number",
                    {"target_value": SCRIPT, "target_unit": "%"},
                    "target_value",
                    "number",
                ),
                (
                    "hostile-text-kept",
                    {
                        "title": SCRIPT,
                        "responsible_office": SQL,
                        "text": RTL + ZERO_WIDTH,
                        "due_on": "abc",
                    },
                    "due_on",
                    "Not a valid date.",
                ),
            ],
        ),
        "measurement": FormSpec(
            "/obligations/{obligation}/measurements/new",
            Measurement,
            {
                "party_id": party,
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "value": "2.05",
                "unit": "% of GDP",
                "is_estimate": True,
                "source": "Annual report 2025",
            },
            [
                ("party-empty", {"party_id": ""}, "party_id", "Missing data"),
                ("party-missing", {"party_id": "999999"}, "party_id", "No party with id"),
                ("start-empty", {"period_start": ""}, "period_start", "Missing data"),
                ("start-text", {"period_start": "abc"}, "period_start", "Not a valid date."),
                (
                    "end-before-start",
                    {"period_end": "2024-12-31"},
                    "period_end",
                    "cannot end before it starts",
                ),
                ("value-empty", {"value": ""}, "value", ""),
                ("value-text", {"value": "abc"}, "value", "number"),
                ("value-infinite", {"value": "Infinity"}, "value", ""),
                ("value-too-large", {"value": "1e14"}, "value", "between"),
                ("unit-empty", {"unit": ""}, "unit", "Must not be blank."),
                ("unit-not-the-target", {"unit": "tonnes"}, "unit", "target unit"),
                ("unit-too-long", {"unit": "x" * 33}, "unit", "32"),
                ("source-empty", {"source": ""}, "source", "Must not be blank."),
                ("source-nul", {"source": NUL}, "source", "NUL"),
                (
                    "period-taken",
                    {"period_start": "2024-01-01", "period_end": "2024-12-31"},
                    "period_start",
                    "already recorded",
                ),
                ("sql-in-value", {"value": SQL}, "value", "number"),
                (
                    "hostile-text-kept",
                    {"source": SCRIPT + SQL, "value": "abc"},
                    "value",
                    "number",
                ),
            ],
        ),
        "authorization step": FormSpec(
            "/agreements/{agreement}/authorizations/new",
            Authorization,
            {
                "requirement": "advice_and_consent",
                "body_id": body,
                "submitted_on": "2020-01-10",
                "decision": "approved",
                "decided_on": "2020-02-10",
                "votes_for": "82",
                "votes_against": "12",
            },
            [
                ("requirement-empty", {"requirement": ""}, "requirement", ""),
                ("requirement-unknown", {"requirement": "bribe"}, "requirement", "one of"),
                ("body-missing", {"body_id": "999999"}, "body_id", "No oversight body with id"),
                (
                    "decided-before-submitted",
                    {"decided_on": "2020-01-09"},
                    "decided_on",
                    "cannot come before submission",
                ),
                ("decision-undated", {"decided_on": ""}, "decided_on", "Give the date"),
                ("pending-dated", {"decision": "pending"}, "decided_on", "pending step"),
                ("decision-unknown", {"decision": "vetoed"}, "decision", "one of"),
                ("votes-negative", {"votes_for": "-1"}, "votes_for", "between 0 and 100000"),
                ("votes-text", {"votes_against": "twelve"}, "votes_against", "whole number"),
                ("votes-fraction", {"votes_for": "81.5"}, "votes_for", "whole number"),
                ("reference-too-long", {"reference": "x" * 65}, "reference", "64"),
                ("conditions-nul", {"conditions": NUL}, "conditions", "NUL"),
                ("script-in-date", {"submitted_on": SCRIPT}, "submitted_on", "date"),
                (
                    "hostile-text-kept",
                    {"conditions": SCRIPT, "instrument": SQL, "votes_for": "abc"},
                    "votes_for",
                    "whole number",
                ),
            ],
        ),
        "review": FormSpec(
            "/agreements/{agreement}/reviews/new",
            Review,
            {"due_on": "2027-06-30", "is_periodic": True, "body_id": body},
            [
                ("due-empty", {"due_on": ""}, "due_on", "Missing data"),
                ("due-text", {"due_on": "abc"}, "due_on", "Not a valid date."),
                ("due-too-late", {"due_on": "2201-01-01"}, "due_on", "between"),
                ("body-missing", {"body_id": "999999"}, "body_id", "No oversight body with id"),
                ("compliance-unknown", {"compliance": "great"}, "compliance", "one of"),
                ("outcome-unknown", {"outcome": "nuke"}, "outcome", "one of"),
                ("findings-too-long", {"findings": "x" * 100_001}, "findings", "100000"),
                ("findings-nul", {"findings": NUL}, "findings", "NUL"),
                (
                    "hostile-text-kept",
                    {
                        "findings": SCRIPT,
                        "recommendations": SQL + ZERO_WIDTH,
                        "completed_on": "abc",
                    },
                    "completed_on",
                    "Not a valid date.",
                ),
            ],
        ),
        "oversight body": FormSpec(
            "/oversight-bodies/new",
            OversightBody,
            {
                "name": "Committee on Bad Input",
                "kind": "legislative_committee",
                "jurisdiction": "USA",
                "contact_email": "committee@example.org",
                "url": "https://example.org/committee",
            },
            [
                ("name-empty", {"name": ""}, "name", "Must not be blank."),
                ("name-too-long", {"name": "x" * 201}, "name", "200"),
                ("name-taken", {"name": "Existing Committee"}, "name", "already used"),
                ("kind-unknown", {"kind": "cabal"}, "kind", "one of"),
                ("email-bad", {"contact_email": "not-an-email"}, "contact_email", "email"),
                ("url-javascript", {"url": "javascript:alert(1)"}, "url", "URL"),
                ("parent-missing", {"parent_id": "999999"}, "parent_id", "No oversight body"),
                ("jurisdiction-too-long", {"jurisdiction": "x" * 65}, "jurisdiction", "64"),
                ("source-nul", {"source": NUL}, "source", "NUL"),
                ("script-in-email", {"contact_email": SCRIPT}, "contact_email", "email"),
                (
                    "hostile-text-kept",
                    {"name": SCRIPT, "source": SQL, "url": "ftp://example.org"},
                    "url",
                    "URL",
                ),
            ],
        ),
        "sitting day": FormSpec(
            "/oversight-bodies/{body}/sitting-days/new",
            SittingDay,
            {"sat_on": "2026-03-02"},
            [
                ("date-empty", {"sat_on": ""}, "sat_on", "Missing data"),
                ("date-text", {"sat_on": "abc"}, "sat_on", "Not a valid date."),
                ("date-too-late", {"sat_on": "2201-01-01"}, "sat_on", "between"),
                ("date-taken", {"sat_on": "2026-01-05"}, "sat_on", "already a sitting day"),
                ("script-in-date", {"sat_on": SCRIPT}, "sat_on", "date"),
                ("sql-in-date", {"sat_on": SQL + RTL}, "sat_on", "date"),
            ],
        ),
    }


FORMS = [
    "agreement",
    "treaty action",
    "party",
    "obligation",
    "measurement",
    "authorization step",
    "review",
    "oversight body",
    "sitting day",
]


@pytest.mark.parametrize("noun", FORMS)
def test_bad_input_is_refused_next_to_the_field_and_writes_nothing(editor, setting, noun):
    spec = form_specs(setting)[noun]
    url = spec.url.format(**setting)
    shown = editor.get(url)
    assert shown.status_code == 200
    blank_form = shown.page.form_values()
    assert blank_form.get("csrf_token"), "the form carries a CSRF token"
    selects = {name: shown.page.options(name) for name in blank_form if shown.page.options(name)}
    db.session.commit()
    rows_before, events_before = count_rows(spec.model), count_rows(AuditEvent)
    failures = []
    for case, changes, field_name, message in spec.bad:
        sent = editor.fill(blank_form, {**spec.valid, **changes})
        response = editor.post(url, data=sent)
        body = response.get_data(as_text=True)
        page = response.page
        problems = []
        if response.status_code != 422:
            problems.append(f"status {response.status_code}, not 422")
        shown_error = page.error(field_name)
        if shown_error is None:
            problems.append(f"no #error-{field_name} (errors shown: {page.errors()})")
        elif message not in shown_error:
            problems.append(f"#error-{field_name} says {shown_error!r}, not {message!r}")
        kept = page.form_values() if page.root.find("form", method="post") else {}
        for name, value in sent.items():
            if name == "csrf_token" or (name in selects and value not in selects[name]):
                continue  # a select cannot show a value it does not offer
            if kept.get(name) != value:
                problems.append(f"{name} shows {kept.get(name)!r}, the user sent {value!r}")
        if SCRIPT in body:
            problems.append("the <script> input is echoed unescaped")
        if count_rows(spec.model) != rows_before or count_rows(AuditEvent) != events_before:
            problems.append("something was written")
            db.session.rollback()
            rows_before, events_before = count_rows(spec.model), count_rows(AuditEvent)
        failures += [f"{noun} / {case}: {problem}" for problem in problems]
    assert not failures, "\n".join(failures)

    # The valid values alone are accepted: each refusal above was the bad value's doing.
    response = editor.post(url, data=editor.fill(blank_form, spec.valid))
    assert response.status_code == 302, response.page.errors()
    assert count_rows(spec.model) == rows_before + 1


def test_a_record_under_an_agreement_cannot_be_classified_below_it(editor, make_agreement):
    restricted = make_agreement(title="Restricted Pact", classification="restricted")
    response = editor.submit(
        f"/agreements/{restricted.id}/reviews/new",
        {"due_on": "2027-01-01", "classification": "public"},
    )
    assert response.status_code == 422
    assert "at least the agreement's level" in (response.page.error("classification") or "")
    assert count_rows(Review) == 0
    response = editor.submit(
        f"/agreements/{restricted.id}/reviews/new",
        {"due_on": "2027-01-01", "classification": ""},
    )
    assert response.status_code == 302
    assert last(Review).classification.value == "restricted"


def test_an_obligation_without_a_quantitative_target_is_saved(editor, make_agreement):
    """The target is optional: left blank, as most obligations leave it, it is stored as null."""
    agreement = make_agreement()
    response = editor.submit(
        f"/agreements/{agreement.id}/obligations/new",
        {"title": "Consult when a party is threatened", "kind": "consultation"},
    )
    assert response.status_code == 302, response.page.errors()
    obligation = last(Obligation)
    assert (obligation.title, obligation.target_value) == (
        "Consult when a party is threatened",
        None,
    )


def test_an_obligation_without_a_quantitative_target_can_be_edited(editor, make_agreement):
    agreement = make_agreement()
    obligation = obligations.create(
        ACTOR, {"agreement_id": agreement.id, "title": "Consult", "kind": "consultation"}
    )
    response = editor.submit(f"/obligations/{obligation.id}/edit", {"title": "Consult promptly"})
    assert response.status_code == 302, response.page.errors()
    db.session.expire_all()
    assert (obligation.title, obligation.target_value) == ("Consult promptly", None)


@pytest.mark.parametrize(
    "path",
    [
        "/agreements/999999/treaty-actions/new",
        "/agreements/999999/obligations/new",
        "/agreements/999999/authorizations/new",
        "/agreements/999999/reviews/new",
        "/obligations/999999/measurements/new",
        "/oversight-bodies/999999/sitting-days/new",
        "/agreements/999999/edit",
        "/parties/999999/edit",
    ],
)
def test_a_form_for_a_missing_record_answers_404_and_writes_nothing(editor, path):
    assert editor.get(path).status_code == 404
    events_before = count_rows(AuditEvent)
    response = editor.post_with_token(path, {"title": "x", "name": "x", "sat_on": "2026-01-01"})
    assert response.status_code == 404
    assert count_rows(AuditEvent) == events_before


def test_a_bad_edit_is_refused_and_the_record_is_unchanged(editor, make_agreement):
    agreement = make_agreement(title="Treaty of Editing")
    version = agreement.version
    response = editor.submit(
        f"/agreements/{agreement.id}/edit", {"title": "Renamed", "expires_on": "1900-01-01"}
    )
    assert response.status_code == 422
    assert "cannot be before entry into force" in response.page.error("expires_on")
    assert response.page.value("title") == "Renamed"
    assert response.page.value("version") == str(version)
    db.session.expire_all()
    assert (agreement.title, agreement.version) == ("Treaty of Editing", version)
    assert len(events_for(agreement)) == 1


def test_a_good_edit_is_saved_with_an_audit_event(editor, make_agreement):
    agreement = make_agreement(title="Treaty of Editing")
    response = editor.submit(f"/agreements/{agreement.id}/edit", {"title": "Treaty of Edits"})
    assert response.status_code == 302
    assert "The agreement was saved." in editor.get(response.headers["Location"]).page.flashes()
    db.session.expire_all()
    assert (agreement.title, agreement.version) == ("Treaty of Edits", 2)
    event = events_for(agreement)[-1]
    assert event.action == AuditAction.UPDATE and event.actor_id == editor.user.id
    assert event.changes == {"title": ["Treaty of Editing", "Treaty of Edits"]}


# --- hostile text that is valid is stored as typed and always shown escaped -----------------------


def test_hostile_text_is_stored_as_typed_and_shown_escaped(editor, client):
    agreement, page = save_through_form(
        editor,
        "/agreements/new",
        {
            "title": SCRIPT,
            "short_title": SQL,
            "summary": f"{RTL} {ZERO_WIDTH} \"quoted\" & 'single'",
            "instrument_type": "arms_control",
            "form": "bilateral",
            "legal_nature": "treaty",
            "region": "europe",
            "classification": "public",
        },
        Agreement,
        "agreement",
    )
    assert (agreement.title, agreement.short_title) == (SCRIPT, SQL)
    assert agreement.summary == f"{RTL} {ZERO_WIDTH} \"quoted\" & 'single'"
    assert count_rows(Agreement) == 1, "the agreements table is still there"
    for browser in (editor, client):
        for url in (f"/agreements/{agreement.id}", "/agreements", "/"):
            response = browser.get(url)
            body = response.get_data(as_text=True)
            assert response.status_code == 200
            assert SCRIPT not in body, url
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
    edit = editor.get(f"/agreements/{agreement.id}/edit")
    assert SCRIPT not in edit.get_data(as_text=True)
    assert edit.page.value("title") == SCRIPT


# --- CSRF -----------------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(editor, new_client, sign_in):
    form = editor.get("/agreements/new").page.form_values()
    data = {**form, "title": "Treaty Without Token"}
    del data["csrf_token"]
    response = editor.post("/agreements/new", data=data)
    assert response.status_code == 400
    assert "did not come from this site" in response.page.text
    assert count_rows(Agreement) == 0

    # A token from someone else's session is no better.
    other = sign_in("editor")
    stolen = {**data, "csrf_token": other.csrf_token()}
    assert editor.post("/agreements/new", data=stolen).status_code == 400
    assert count_rows(Agreement) == 0
    assert editor.post("/agreements/new", data={**data, "csrf_token": "forged"}).status_code == 400
    assert count_rows(Agreement) == 0


# --- archive and restore --------------------------------------------------------------------------


def listed_titles(browser) -> list[str]:
    page = browser.get("/agreements").page
    return [row[1] for row in page.main.rows()]


def test_archiving_needs_a_reason_hides_the_record_and_restore_brings_it_back(
    editor, client, make_agreement
):
    agreement = make_agreement(title="Treaty to Archive")
    make_agreement(title="Treaty to Keep")
    url = f"/agreements/{agreement.id}/archive"

    confirm = editor.get(url)
    assert confirm.status_code == 200
    assert confirm.page.title == "Archive this agreement?"
    assert confirm.page.value("csrf_token")

    for reason in ("", "   "):
        refused = editor.submit(url, {"reason": reason})
        assert refused.status_code == 422
        assert refused.page.error("reason") == "Give a reason for archiving."
        db.session.expire_all()
        assert agreement.archived_at is None
        assert [event.action for event in events_for(agreement)] == [AuditAction.CREATE]

    archived = editor.submit(url, {"reason": "Entered twice"})
    assert archived.status_code == 302
    assert urlsplit(archived.headers["Location"]).path == f"/agreements/{agreement.id}"
    shown = editor.get(archived.headers["Location"]).page
    assert any("was archived" in message for message in shown.flashes("success"))
    db.session.expire_all()
    assert agreement.archived_at is not None
    assert agreement.archive_reason == "Entered twice"
    event = events_for(agreement)[-1]
    assert (event.action, event.reason, event.actor_id) == (
        AuditAction.ARCHIVE,
        "Entered twice",
        editor.user.id,
    )
    assert "Treaty to Archive" not in " ".join(listed_titles(editor))
    assert "Treaty to Archive" not in " ".join(listed_titles(client))
    assert "Treaty to Keep" in " ".join(listed_titles(editor))

    restored = editor.post_with_token(f"/agreements/{agreement.id}/restore")
    assert restored.status_code == 302
    assert "The agreement was restored." in editor.get(restored.headers["Location"]).page.flashes()
    db.session.expire_all()
    assert agreement.archived_at is None and agreement.archive_reason is None
    assert events_for(agreement)[-1].action == AuditAction.RESTORE
    assert "Treaty to Archive" in " ".join(listed_titles(editor))


def test_an_archived_treaty_action_no_longer_counts_on_the_agreement_page(
    editor, make_agreement, make_party, make_action
):
    agreement = make_agreement()
    party = make_party(name="Freedonia")
    action = make_action(agreement, party, "signature", "1949-04-04")
    assert "Freedonia" in editor.get(f"/agreements/{agreement.id}").page.text
    response = editor.submit(f"/treaty-actions/{action.id}/archive", {"reason": "Wrong party"})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/agreements/{agreement.id}"
    db.session.expire_all()
    assert action.archived_at is not None
    parties_section = editor.get(f"/agreements/{agreement.id}").page.by_id("parties-heading")
    assert "Freedonia" not in parties_section.parent.text
    assert count_rows(TreatyAction) == 1
