"""Journeys through the public pages, in a real browser."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from registry.agreements.models import Agreement
from registry.core.enums import Classification
from registry.extensions import db

SKIP_LINK_NAME = re.compile(r"^skip to (main )?content$", re.IGNORECASE)


def public_agreements() -> list[Agreement]:
    return db.session.scalars(
        select(Agreement).where(
            Agreement.classification == Classification.PUBLIC, Agreement.archived_at.is_(None)
        )
    ).all()


def test_home_lists_the_fixture_agreements(page, loaded_fixtures):
    expected = public_agreements()
    assert len(expected) == 12

    page.goto("/")

    expect(page.get_by_role("heading", level=1, name="Agreements")).to_be_visible()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(len(expected))
    for agreement in expected:
        row = rows.filter(has_text=agreement.reference)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(agreement.title)
    north_atlantic = rows.filter(has_text="AGR-1949-0001")
    expect(north_atlantic).to_contain_text("North Atlantic Treaty")


def test_the_skip_link_moves_focus_to_the_main_content(page, loaded_fixtures):
    page.goto("/")
    skip_link = page.get_by_role("link", name=SKIP_LINK_NAME)
    main_id = page.locator("main").get_attribute("id")
    assert main_id, "the skip link needs an id on <main> to point at"

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_have_attribute("href", f"#{main_id}")

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"#{re.escape(main_id)}$"))
    expect(page.locator("main:focus-within")).to_have_count(1)


def test_home_passes_the_accessibility_check(page, loaded_fixtures, axe):
    page.goto("/")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    axe(page)


def test_empty_home_passes_the_accessibility_check(page, axe):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page)


def test_healthz_answers_json(page):
    response = page.goto("/healthz")
    assert response is not None
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status": "ok", "database": "ok"}
