"""Journeys through the staff pages, in a real browser, signed in through the login form."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from registry.agreements.models import Agreement, TreatyAction
from registry.agreements.views import agreement_fields
from registry.extensions import db
from registry.obligations.models import Obligation
from registry.obligations.services import obligations
from registry.parties.models import Party

from support import ACTOR

PASSWORD = "a long enough password"


# --- helpers -----------------------------------------------------------------------------------


def field(page: Page, label: str):
    """A form control by its label, with or without the " (required)" marker after it."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(required\))?$"))


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def nav_link(page: Page, name: str):
    return main_nav(page).get_by_role("link", name=name, exact=True)


def heading(page: Page, name: str | re.Pattern):
    return page.get_by_role("heading", level=1, name=name)


def status_message(page: Page, text: str):
    """A polite status message: a success notice after a redirect, or a count."""
    return page.get_by_role("status").filter(has_text=text)


def sign_in(page: Page, user, axe, *, by_keyboard: bool = False) -> None:
    """Open the home page, follow "Sign in", type the credentials and land on the dashboard.

    The sign-in page and the dashboard are checked with `axe` on the way.
    """
    page.goto("/")
    nav_link(page, "Sign in").click()
    expect(heading(page, "Sign in")).to_be_visible()
    axe(page)
    if by_keyboard:
        page.get_by_label("Email").click()
        page.keyboard.type(user.email)
        page.keyboard.press("Tab")
        expect(page.get_by_label("Password")).to_be_focused()
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
    else:
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
    expect(heading(page, "Dashboard")).to_be_visible()
    expect(status_message(page, f"Signed in as {user.email}.")).to_be_visible()
    expect(main_nav(page).get_by_role("button", name="Sign out")).to_be_visible()
    axe(page)


def sign_out(page: Page) -> None:
    main_nav(page).get_by_role("button", name="Sign out").click()
    expect(status_message(page, "You are signed out.")).to_be_visible()
    expect(nav_link(page, "Sign in")).to_be_visible()


def open_agreements(page: Page) -> None:
    nav_link(page, "Agreements").click()
    expect(heading(page, "Agreements")).to_be_visible()


def result_count(page: Page):
    return page.locator("#result-count")


def listed_rows(page: Page):
    return page.get_by_role("main").get_by_role("table").locator("tbody tr")


def expect_listed_titles(page: Page, titles: list[str]) -> None:
    """The list shows exactly `titles` (in any order) and a count that agrees."""
    rows = listed_rows(page)
    expect(rows).to_have_count(len(titles))
    for title in titles:
        expect(rows.filter(has=page.get_by_role("link", name=title, exact=True))).to_have_count(1)
    noun = "agreement" if len(titles) == 1 else "agreements"
    expect(result_count(page)).to_have_text(re.compile(rf"^{len(titles)} {noun}\b"))


def summary_of(page: Page):
    """The summary paragraph of an agreement page."""
    return page.get_by_role("region", name="Summary").get_by_role("paragraph")


def record_controls(page: Page):
    """Links and buttons that change records: Edit…, Record…, Add…, Archive, Restore."""
    name = re.compile(r"^(Edit|Record|Add|Archive|Restore)\b")
    main = page.get_by_role("main")
    return main.get_by_role("link", name=name).or_(main.get_by_role("button", name=name))


def fresh(model, record_id: int):
    """The record as the database holds it now (the browser changed it behind the session)."""
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(model, record_id)


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


# --- 1. record an agreement, its parties, their actions and an obligation -------------------


def test_an_editor_records_an_agreement_with_its_parties_actions_and_an_obligation(
    page, make_user, axe
):
    editor = make_user(name="Erin Editor", role="editor", clearance="public")
    db.session.commit()
    today = date.today()
    in_force_soon = today + timedelta(days=30)

    sign_in(page, editor, axe, by_keyboard=True)

    # The agreement.
    open_agreements(page)
    expect(result_count(page)).to_have_text("0 agreements.")
    axe(page)
    page.get_by_role("link", name="Record a new agreement").click()
    expect(heading(page, "New agreement")).to_be_visible()
    axe(page)
    field(page, "Title").fill("Treaty of Journey Testing")
    field(page, "Short title").fill("Journey Treaty")
    field(page, "Instrument type").select_option(label="Arms control")
    field(page, "Form").select_option(label="Bilateral")
    field(page, "Legal nature").select_option(label="Treaty")
    field(page, "Region").select_option(label="Europe")
    field(page, "Status").select_option(label="In force")
    field(page, "Signed or concluded on").fill("2020-01-15")
    field(page, "Entered into force on").fill("2021-02-01")
    field(page, "Expires on").fill("2041-02-01")
    page.get_by_role("button", name="Save agreement").click()

    expect(status_message(page, "The agreement was saved.")).to_be_visible()
    expect(heading(page, "Treaty of Journey Testing")).to_be_visible()
    expect(page.get_by_text("AGR-2020-0001 · Arms control · Treaty · Bilateral")).to_be_visible()
    expect(page.get_by_text("No treaty actions recorded.")).to_be_visible()
    agreement_url = page.url
    axe(page)

    # Two parties, from the parties list.
    for name, iso3 in (("Republic of Freedonia", "FRE"), ("Kingdom of Sylvania", "syl")):
        nav_link(page, "Parties").click()
        expect(heading(page, "Parties")).to_be_visible()
        axe(page)
        page.get_by_role("link", name="Record a new party").click()
        expect(heading(page, "New party")).to_be_visible()
        axe(page)
        field(page, "Name").fill(name)
        field(page, "Kind").select_option(label="State")
        field(page, "ISO 3166-1 alpha-3 code").fill(iso3)
        page.get_by_role("button", name="Save party").click()
        expect(status_message(page, "The party was saved.")).to_be_visible()
        expect(heading(page, name)).to_be_visible()
        expect(page.get_by_text(f"State · {iso3.upper()}")).to_be_visible()
        axe(page)
    nav_link(page, "Parties").click()
    expect(status_message(page, "2 parties.")).to_be_visible()

    # A signature and a ratification for each, recorded from the agreement page.
    open_agreements(page)
    page.get_by_role("link", name="Treaty of Journey Testing").click()
    expect(page).to_have_url(agreement_url)
    actions = [
        ("Republic of Freedonia", "Signature", None, "2020-01-15"),
        ("Kingdom of Sylvania", "Signature", None, "2020-01-15"),
        ("Republic of Freedonia", "Ratification", "2020-11-02", "2021-02-01"),
        # Deposited today, taking effect in a month: a signatory until then.
        ("Kingdom of Sylvania", "Ratification", today.isoformat(), in_force_soon.isoformat()),
    ]
    for number, (party, kind, deposited, effective) in enumerate(actions):
        page.get_by_role("link", name="Record a treaty action").click()
        expect(heading(page, "New treaty action")).to_be_visible()
        expect(page.get_by_text("For AGR-2020-0001 Journey Treaty")).to_be_visible()
        if number == 0:
            axe(page)
        field(page, "Party").select_option(label=party)
        field(page, "Action").select_option(label=kind)
        if deposited:
            field(page, "Deposited or notified on").fill(deposited)
        field(page, "Takes effect on").fill(effective)
        page.get_by_role("button", name="Save treaty action").click()
        expect(status_message(page, "The treaty action was saved.")).to_be_visible()
        expect(page).to_have_url(agreement_url)

    parties_table = page.get_by_role("table", name=re.compile("standing today"))
    rows = parties_table.locator("tbody tr")
    expect(rows).to_have_count(2)
    sylvania, freedonia = rows.nth(0).get_by_role("cell"), rows.nth(1).get_by_role("cell")
    expect(sylvania).to_have_text(["Kingdom of Sylvania", "SYL", "Signatory"])
    expect(freedonia).to_have_text(["Republic of Freedonia", "FRE", "Party"])
    counts_line = f"1 party and 1 signatory today ({today.isoformat()})."
    expect(page.get_by_role("region", name="Parties").get_by_text(counts_line)).to_be_visible()
    timeline = page.locator("ol.timeline > li")
    expect(timeline).to_have_count(4)
    expect(timeline.filter(has_text="Kingdom of Sylvania: Ratification")).to_contain_text(
        f"(takes effect {in_force_soon.isoformat()})"
    )
    axe(page)

    # An obligation.
    page.get_by_role("link", name="Add an obligation").click()
    expect(heading(page, "New obligation")).to_be_visible()
    axe(page)
    field(page, "Article").fill("Art. 3")
    field(page, "Title").fill("Report stockpiles every year")
    field(page, "Kind").select_option(label="Reporting")
    field(page, "Obligated party").select_option(label="Kingdom of Sylvania")
    field(page, "Due on").fill("2027-03-31")
    page.get_by_role("button", name="Save obligation").click()
    expect(status_message(page, "The obligation was saved.")).to_be_visible()
    expect(heading(page, "Art. 3 Report stockpiles every year")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="AGR-2020-0001 Journey Treaty").click()
    obligations = page.get_by_role("table", name="What the agreement binds its parties to")
    expect(obligations.locator("tbody tr")).to_have_count(1)
    expect(obligations.locator("tbody tr").get_by_role("cell").nth(1)).to_have_text(
        "Report stockpiles every year"
    )

    # Sign out: the navigation is the public one again.
    sign_out(page)
    expect(heading(page, "Agreements")).to_be_visible()
    for staff_link in ("Dashboard", "Parties", "Oversight bodies", "Erin Editor"):
        expect(nav_link(page, staff_link)).to_have_count(0)
    expect(main_nav(page).get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.get_by_role("link", name="Record a new agreement")).to_have_count(0)
    axe(page)

    assert (count(Agreement), count(Party), count(TreatyAction), count(Obligation)) == (1, 2, 4, 1)


# --- 2. find an agreement by text, party, type and date -------------------------------------


def test_a_reader_finds_agreements_by_title_party_type_and_date_in_force(
    page, make_user, make_agreement, make_party, make_action, axe
):
    freedonia = make_party(name="Republic of Freedonia", iso3="FRE")
    sylvania = make_party(name="Kingdom of Sylvania", iso3="SYL")
    alliance = make_agreement(
        title="Lisbon Mutual Defence Treaty",
        instrument_type="alliance_defence_pact",
        concluded_on="1949-04-04",
        entered_into_force_on="1949-08-24",
    )
    arms = make_agreement(
        title="Accord on Missile Reductions",
        instrument_type="arms_control",
        form="bilateral",
        concluded_on="1990-05-01",
        entered_into_force_on="1992-01-01",
        expires_on="2000-01-01",
    )
    sanctions = make_agreement(
        title="Sanctions Coordination Framework",
        instrument_type="sanctions_regime",
        concluded_on="2009-03-01",
        entered_into_force_on="2010-01-01",
    )
    make_agreement(
        title="Lisbon Draft Protocol",
        instrument_type="arms_control",
        status="negotiating",
        concluded_on=None,
        entered_into_force_on=None,
    )
    make_action(alliance, freedonia, "ratification", "1949-08-24")
    make_action(arms, sylvania, "ratification", "1992-01-01")
    make_action(sanctions, freedonia, "signature", "2009-03-01")
    make_action(sanctions, sylvania, "ratification", "2010-01-01")
    viewer = make_user(role="viewer", clearance="public")
    db.session.commit()

    sign_in(page, viewer, axe)
    open_agreements(page)
    expect_listed_titles(
        page,
        [
            "Lisbon Mutual Defence Treaty",
            "Accord on Missile Reductions",
            "Sanctions Coordination Framework",
            "Lisbon Draft Protocol",
        ],
    )
    axe(page)

    def search(**values: str) -> None:
        page.get_by_role("link", name="Clear", exact=True).click()
        expect(result_count(page)).to_have_text("4 agreements.")
        for label, value in values.items():
            control = page.get_by_label(label, exact=True)
            if label == "Instrument type":
                control.select_option(label=value)
            else:
                control.fill(value)
        page.get_by_role("button", name="Search", exact=True).click()

    search(**{"Search title, reference or citation": "lisbon"})
    expect(page).to_have_url(re.compile(r"[?&]q=lisbon"))
    expect_listed_titles(page, ["Lisbon Mutual Defence Treaty", "Lisbon Draft Protocol"])
    expect(page.get_by_label("Search title, reference or citation")).to_have_value("lisbon")
    axe(page)

    search(**{"Party (name or ISO3)": "Freedonia"})
    expect_listed_titles(page, ["Lisbon Mutual Defence Treaty", "Sanctions Coordination Framework"])

    search(**{"Party (name or ISO3)": "syl"})
    expect_listed_titles(page, ["Accord on Missile Reductions", "Sanctions Coordination Framework"])

    search(**{"Instrument type": "Arms control"})
    expect_listed_titles(page, ["Accord on Missile Reductions", "Lisbon Draft Protocol"])
    expect(listed_rows(page).get_by_role("cell", name="Arms control", exact=True)).to_have_count(2)

    search(**{"In force on": "1995-06-01"})
    expect_listed_titles(page, ["Lisbon Mutual Defence Treaty", "Accord on Missile Reductions"])
    expect(page.get_by_label("In force on")).to_have_value("1995-06-01")

    # The day the arms accord expires, it is no longer in force.
    search(**{"In force on": "2000-01-01", "Party (name or ISO3)": "SYL"})
    expect(listed_rows(page)).to_have_count(0)
    expect(result_count(page)).to_have_text("0 agreements.")
    expect(page.get_by_text("No agreement matches these filters.")).to_be_visible()
    axe(page)

    search(**{"In force on": "2015-06-01", "Party (name or ISO3)": "SYL"})
    expect_listed_titles(page, ["Sanctions Coordination Framework"])
    listed_rows(page).get_by_role("link", name="Sanctions Coordination Framework").click()
    expect(heading(page, "Sanctions Coordination Framework")).to_be_visible()
    axe(page)


# --- 3. two editors save the same agreement -------------------------------------------------


def test_the_second_of_two_editors_sees_the_conflict_and_applies_their_value(
    browser, live_server, make_user, make_agreement, axe
):
    agreement = make_agreement(title="Treaty of Two Editors", summary="The original summary.")
    first_editor = make_user(name="First Editor", role="editor")
    second_editor = make_user(name="Second Editor", role="editor")
    db.session.commit()
    first_context = browser.new_context(base_url=live_server)
    second_context = browser.new_context(base_url=live_server)
    try:
        first, second = first_context.new_page(), second_context.new_page()
        sign_in(first, first_editor, axe)
        sign_in(second, second_editor, axe, by_keyboard=True)
        for page in (first, second):
            open_agreements(page)
            page.get_by_role("link", name="Treaty of Two Editors").click()
            expect(heading(page, "Treaty of Two Editors")).to_be_visible()
            page.get_by_role("link", name=re.compile(r"^Edit AGR-1949-0001\b")).click()
            expect(heading(page, "Edit agreement")).to_be_visible()
            expect(field(page, "Summary")).to_have_value("The original summary.")
        axe(first)

        field(first, "Summary").fill("The first editor's summary.")
        first.get_by_role("button", name="Save agreement").click()
        expect(status_message(first, "The agreement was saved.")).to_be_visible()
        expect(summary_of(first)).to_have_text("The first editor's summary.")

        field(second, "Summary").fill("The second editor's summary.")
        second.get_by_role("button", name="Save agreement").click()
        conflict = second.get_by_role("alert").filter(
            has=second.get_by_role("heading", name=re.compile("^Someone else saved this agreement"))
        )
        expect(conflict).to_be_visible()
        changed = conflict.get_by_role("table").locator("tbody tr")
        expect(changed).to_have_count(1)
        expect(changed.get_by_role("rowheader")).to_have_text("Summary")
        expect(changed.get_by_role("cell")).to_have_text(
            ["The first editor's summary.", "The second editor's summary."]
        )
        expect(field(second, "Summary")).to_have_value("The second editor's summary.")
        assert fresh(Agreement, agreement.id).summary == "The first editor's summary."
        axe(second)

        second.get_by_role("button", name="Save agreement").click()
        expect(status_message(second, "The agreement was saved.")).to_be_visible()
        expect(heading(second, "Treaty of Two Editors")).to_be_visible()
        expect(summary_of(second)).to_have_text("The second editor's summary.")
        axe(second)

        first.reload()
        expect(summary_of(first)).to_have_text("The second editor's summary.")
        saved = fresh(Agreement, agreement.id)
        assert (saved.summary, saved.version) == ("The second editor's summary.", 3)
    finally:
        first_context.close()
        second_context.close()


# --- 4. a viewer cannot change records ------------------------------------------------------


def test_a_viewer_sees_no_controls_and_a_forged_edit_is_refused(
    page, make_user, make_agreement, make_party, make_action, axe
):
    agreement = make_agreement(title="Treaty Viewers Read", summary="As signed.")
    make_action(agreement, make_party(name="Republic of Freedonia"), "ratification", "1950-01-01")
    obligations.create(
        ACTOR, {"agreement_id": agreement.id, "title": "Consult", "kind": "consultation"}
    )
    viewer = make_user(name="Vic Viewer", role="viewer", clearance="secret")
    db.session.commit()

    sign_in(page, viewer, axe)
    open_agreements(page)
    expect_listed_titles(page, ["Treaty Viewers Read"])
    expect(record_controls(page)).to_have_count(0)
    axe(page)

    page.get_by_role("link", name="Treaty Viewers Read").click()
    expect(heading(page, "Treaty Viewers Read")).to_be_visible()
    expect(page.get_by_text("Republic of Freedonia: Ratification")).to_be_visible()
    expect(page.get_by_role("link", name="Consult")).to_be_visible()
    expect(record_controls(page)).to_have_count(0)
    axe(page)

    # Typing the edit address is refused too.
    response = page.goto(f"/agreements/{agreement.id}/edit")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page)

    page.go_back()
    expect(heading(page, "Treaty Viewers Read")).to_be_visible()
    token = page.locator("form[action$='/logout'] input[name='csrf_token']").get_attribute("value")
    assert token
    forged = page.request.post(
        f"/agreements/{agreement.id}/edit",
        form={
            "csrf_token": token,
            "version": str(agreement.version),
            "title": "Treaty Forged by a Viewer",
            "summary": "Forged.",
            "instrument_type": "arms_control",
            "form": "multilateral",
            "legal_nature": "treaty",
            "region": "europe",
            "status": "in_force",
            "classification": "public",
            "review_cadence": "none",
        },
        max_redirects=0,
    )
    assert forged.status == 403

    page.reload()
    expect(heading(page, "Treaty Viewers Read")).to_be_visible()
    expect(summary_of(page)).to_have_text("As signed.")
    unchanged = fresh(Agreement, agreement.id)
    assert (unchanged.title, unchanged.summary, unchanged.version) == (
        "Treaty Viewers Read",
        "As signed.",
        1,
    )


# --- 5. clearance hides a restricted agreement ----------------------------------------------


def test_a_restricted_agreement_is_seen_only_with_restricted_clearance(
    page, make_user, make_agreement, axe
):
    make_agreement(title="Open Skies Accord")
    restricted = make_agreement(title="Quiet Basing Arrangement", classification="restricted")
    public_viewer = make_user(role="viewer", clearance="public")
    cleared_viewer = make_user(role="viewer", clearance="restricted")
    db.session.commit()
    restricted_url = f"/agreements/{restricted.id}"

    # Signed out.
    page.goto("/")
    expect_listed_titles(page, ["Open Skies Accord"])
    expect(result_count(page)).to_have_text("1 agreement classified public.")
    axe(page)
    page.get_by_label("Search title, reference or citation").fill("Quiet")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(result_count(page)).to_have_text("0 agreements classified public.")
    response = page.goto(restricted_url)
    assert response is not None and response.status == 404
    expect(page.get_by_text("Quiet Basing Arrangement")).to_have_count(0)
    axe(page)

    # Signed in with public clearance.
    sign_in(page, public_viewer, axe)
    open_agreements(page)
    expect_listed_titles(page, ["Open Skies Accord"])
    expect(result_count(page)).to_have_text("1 agreement.")
    response = page.goto(restricted_url)
    assert response is not None and response.status == 404
    expect(page.get_by_text("Quiet Basing Arrangement")).to_have_count(0)
    sign_out(page)

    # Signed in with restricted clearance.
    sign_in(page, cleared_viewer, axe)
    open_agreements(page)
    expect_listed_titles(page, ["Open Skies Accord", "Quiet Basing Arrangement"])
    expect(result_count(page)).to_have_text("2 agreements.")
    row = listed_rows(page).filter(has_text="Quiet Basing Arrangement")
    expect(row.get_by_role("cell").last).to_have_text("Restricted")
    axe(page)
    row.get_by_role("link", name="Quiet Basing Arrangement").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(restricted_url)}$"))
    expect(heading(page, "Quiet Basing Arrangement")).to_be_visible()
    expect(page.locator(".badge")).to_have_text("Restricted")
    axe(page)


# --- 6. bad input is explained and kept; the form works by keyboard -------------------------


def test_bad_input_in_the_agreement_form_is_explained_next_to_the_fields_and_kept(
    page, make_user, axe
):
    editor = make_user(role="editor")
    db.session.commit()

    sign_in(page, editor, axe, by_keyboard=True)
    open_agreements(page)
    axe(page)
    page.get_by_role("link", name="Record a new agreement").click()
    expect(heading(page, "New agreement")).to_be_visible()
    axe(page)

    # Keyboard only: from the top of the page, Tab reaches every field and then Save, in order.
    expected = [f"field-{spec.name}" for spec in agreement_fields()] + ["Save agreement"]
    reached: list[str] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const element = document.activeElement;
                return element.id || (element.textContent || "").trim() || element.tagName;
            }"""
        )
        if not reached or reached[-1] != focused:  # a date input has a stop per segment
            reached.append(focused)
        if focused == "Save agreement":
            break
    assert "field-title" in reached, reached
    in_form = reached[reached.index("field-title") :]
    assert in_form == expected

    # Bad input: no title, and an expiry before entry into force.
    field(page, "Short title").fill("Backdated Pact")
    field(page, "Instrument type").select_option(label="Defence trade / capacity building")
    field(page, "Form").select_option(label="Bilateral")
    field(page, "Legal nature").select_option(label="Executive agreement")
    field(page, "Region").select_option(label="Asia-Pacific")
    field(page, "Signed or concluded on").fill("2020-01-15")
    field(page, "Entered into force on").fill("2020-06-01")
    field(page, "Expires on").fill("2020-03-01")
    field(page, "Depositary").fill("Canberra")
    field(page, "Summary").fill("Kept after the error.")
    page.get_by_role("button", name="Save agreement").click()

    # The error summary at the top, and the title's message next to it.
    summary = page.get_by_role("alert").filter(has_text="with what was entered")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name="Title")).to_have_attribute("href", "#field-title")
    expect(page.locator("#error-title")).to_have_text("Must not be blank.")
    expect(field(page, "Title")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "Title")).to_have_accessible_description("Must not be blank.")
    expect(field(page, "Short title")).not_to_have_attribute("aria-invalid", "true")

    # What was typed is kept, and nothing was created.
    expect(field(page, "Title")).to_have_value("")
    expect(field(page, "Short title")).to_have_value("Backdated Pact")
    expect(field(page, "Instrument type")).to_have_value("defence_trade")
    expect(field(page, "Form")).to_have_value("bilateral")
    expect(field(page, "Legal nature")).to_have_value("executive_agreement")
    expect(field(page, "Region")).to_have_value("asia_pacific")
    expect(field(page, "Signed or concluded on")).to_have_value("2020-01-15")
    expect(field(page, "Entered into force on")).to_have_value("2020-06-01")
    expect(field(page, "Expires on")).to_have_value("2020-03-01")
    expect(field(page, "Depositary")).to_have_value("Canberra")
    expect(field(page, "Summary")).to_have_value("Kept after the error.")
    assert count(Agreement) == 0
    axe(page)

    # The expiry is explained in the same round, not only once the title is fixed.
    expect(summary.get_by_role("heading")).to_have_text("There are problems with what was entered")
    expect(summary.get_by_role("listitem")).to_have_count(2)
    expect(summary.get_by_role("link", name="Expires on")).to_have_attribute(
        "href", "#field-expires_on"
    )
    expiry_message = "The expiry date cannot be before entry into force (2020-06-01)."
    expect(page.locator("#error-expires_on")).to_have_text(expiry_message)
    expect(field(page, "Expires on")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "Expires on")).to_have_accessible_description(
        re.compile(re.escape(expiry_message))
    )

    page.get_by_role("link", name="Cancel").click()
    expect(heading(page, "Agreements")).to_be_visible()
    expect(result_count(page)).to_have_text("0 agreements.")


# --- 7. archive with a reason, after a confirmation -----------------------------------------


def test_archiving_asks_for_a_reason_then_takes_the_agreement_off_the_list(
    page, make_user, make_agreement, axe
):
    doomed = make_agreement(title="Treaty Entered Twice")
    make_agreement(
        title="Treaty to Keep", concluded_on="1950-01-01", entered_into_force_on="1950-06-01"
    )
    editor = make_user(role="editor")
    db.session.commit()

    sign_in(page, editor, axe)
    open_agreements(page)
    expect_listed_titles(page, ["Treaty Entered Twice", "Treaty to Keep"])
    axe(page)
    page.get_by_role("link", name="Treaty Entered Twice").click()
    expect(heading(page, "Treaty Entered Twice")).to_be_visible()
    axe(page)
    page.get_by_role("main").get_by_role("link", name="Archive", exact=True).click()

    expect(heading(page, "Archive this agreement?")).to_be_visible()
    expect(page.get_by_text(f"{doomed.reference} Treaty Entered Twice")).to_be_visible()
    axe(page)

    # No reason: the agreement stays, and the reason is asked for. The field is `required`, so
    # the browser's own message stops an empty one; a blank one reaches the application's.
    reason = page.get_by_label(re.compile("^Reason"))
    page.get_by_role("button", name="Archive agreement").click()
    expect(heading(page, "Archive this agreement?")).to_be_visible()
    assert reason.evaluate("element => element.validationMessage")
    assert fresh(Agreement, doomed.id).archived_at is None
    reason.fill("   ")
    page.get_by_role("button", name="Archive agreement").click()
    expect(page.locator("#error-reason")).to_have_text("Give a reason for archiving.")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description("Give a reason for archiving.")
    assert fresh(Agreement, doomed.id).archived_at is None
    axe(page)

    reason.fill("Entered twice by mistake")
    page.get_by_role("button", name="Archive agreement").click()
    expect(status_message(page, "The agreement was archived.")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"^Archived on \d{4}-\d\d-\d\d: Entered twice by mistake$"))
    ).to_be_visible()
    expect(page.get_by_role("button", name="Restore")).to_be_visible()
    axe(page)

    open_agreements(page)
    expect_listed_titles(page, ["Treaty to Keep"])
    expect(result_count(page)).to_have_text("1 agreement.")
    archived = fresh(Agreement, doomed.id)
    assert archived.archive_reason == "Entered twice by mistake"
