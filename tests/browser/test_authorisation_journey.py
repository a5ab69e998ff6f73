"""Authorisation in a real browser: a treaty laid before Parliament gets its scrutiny clock,
seen on the agreement's page and in the deadlines; the rule, status, calendar upload and report
pages pass axe-core."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from registry.authorizations.services import authorization_rules
from registry.cli import FIXTURES_DIR
from registry.extensions import db
from registry.oversight.services import sitting_days

from support import ACTOR

PASSWORD = "a long enough password"
CRAG = "UK treaty: CRaG scrutiny, 21 sitting days"


def sitting_calendar(first: date, weeks: int) -> list[date]:
    """Monday to Thursday each week, with every fourth week a recess."""
    found = []
    for week in range(weeks):
        if week % 4 == 3:
            continue
        monday = first - timedelta(days=first.weekday()) + timedelta(weeks=week)
        found.extend(monday + timedelta(days=offset) for offset in range(4))
    return found


def test_an_editor_lays_a_treaty_before_parliament_and_sees_its_scrutiny_deadline(
    app, monkeypatch, page, axe, make_user, make_body, make_agreement
):
    monkeypatch.setitem(app.config, "HOME_PARTY", "GBR")
    presets = json.loads((FIXTURES_DIR / "authorisation_rules.json").read_text())
    parliament = make_body(name="Parliament of the United Kingdom", kind="legislature")
    rule_data = {k: v for k, v in next(r for r in presets if r["name"] == CRAG).items()}
    rule_data.pop("body")
    authorization_rules.create(ACTOR, {**rule_data, "body_id": parliament.id})
    today = date.today()
    calendar = sitting_calendar(today - timedelta(days=14), 20)
    for day in calendar:
        sitting_days.create(ACTOR, {"body_id": parliament.id, "sat_on": day.isoformat()})
    treaty = make_agreement(
        title="Treaty of Laying",
        concluded_on=(today - timedelta(days=30)).isoformat(),
        entered_into_force_on=None,
        status="signed",
    )
    editor = make_user(role="editor", clearance="secret")
    db.session.commit()
    expected = [day for day in calendar if day > today][20]  # the 21st sitting day after laying

    page.goto("/login")
    page.get_by_label("Email").fill(editor.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/agreements/{treaty.id}")
    page.get_by_role("link", name="Record an authorisation step").click()
    expect(page.get_by_role("heading", level=1, name="New authorization step")).to_be_visible()
    page.get_by_label("Rule", exact=True).select_option(label=CRAG)
    page.get_by_label("Laid or submitted on").fill(today.isoformat())
    page.get_by_label("Instrument").fill("Command Paper laid before both Houses")
    axe(page)
    page.get_by_role("button", name="Save authorization step").click()

    expect(page.get_by_role("heading", level=1, name="Treaty of Laying")).to_be_visible()
    clocks = page.get_by_role("table", name="Clocks of the authorisation rules that apply")
    expect(clocks.get_by_role("row", name=re.compile(CRAG))).to_contain_text(f"Due on {expected}.")
    dates = page.get_by_role("table", name=re.compile("^Deadlines of this agreement"))
    expect(dates.get_by_role("row", name=re.compile(CRAG))).to_contain_text(expected.isoformat())
    axe(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Deadlines").click()
    expect(page.get_by_role("row", name=re.compile(f"{CRAG}: Treaty of Laying"))).to_contain_text(
        expected.isoformat()
    )

    page.goto(f"/agreements/{treaty.id}/status")
    page.get_by_label("New status").select_option(label="In force")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#error-status")).to_contain_text(
        f"needs an approved authorisation step under {CRAG} first; none is approved yet."
    )
    axe(page)

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Authorisation rules"
    ).click()
    page.get_by_role("link", name=CRAG).click()
    expect(page.get_by_text("21 sitting days of the body, counted from the first")).to_be_visible()
    axe(page)

    page.goto(f"/oversight-bodies/{parliament.id}/sitting-days/upload")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "days.csv", "mimeType": "text/csv", "buffer": b"2020-01-02\n2020-01-01\n"}]
    )
    page.get_by_role("button", name="Add the sitting days").click()
    expect(page.locator("#error-file")).to_contain_text("Line 2: 2020-01-01 comes before")
    axe(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("^Report to the legislature"))
    ).to_be_visible()
    axe(page)
