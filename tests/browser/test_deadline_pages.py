"""The deadline pages in a real browser: reachable from the navigation, accessible (axe-core)
and clean under the Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from registry.extensions import db

PASSWORD = "a long enough password"


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    """Console messages about the Content-Security-Policy, collected as the pages load."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


def test_a_viewer_reads_the_deadlines_and_subscribes(
    page, axe, csp_violations, make_user, make_agreement, make_obligation
):
    viewer = make_user(role="viewer", clearance="public")
    agreement = make_agreement(title="Treaty of Journeys")
    make_obligation(agreement, days=-2, title="Late report", owner_id=viewer.id)
    make_obligation(agreement, days=3, title="Next report")
    db.session.commit()

    page.goto("/login")
    page.get_by_label("Email").fill(viewer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Deadlines").click()

    expect(page.get_by_role("heading", level=1, name="Deadlines")).to_be_visible()
    expect(page.locator("#result-count")).to_have_text(re.compile(r"^2 deadlines .* 1 of them"))
    expect(page.get_by_role("row", name=re.compile("Late report"))).to_contain_text("Overdue by 2")
    axe(page)

    page.get_by_label("Only mine").check()
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#result-count")).to_have_text(re.compile(r"^1 deadline "))
    axe(page)

    page.get_by_role("link", name="Month calendar").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("^Deadlines in "))).to_be_visible()
    axe(page)
    page.get_by_role("link", name=re.compile("^Next month")).click()
    axe(page)

    page.get_by_role("link", name="Subscribe in your calendar app").click()
    expect(page.get_by_role("heading", level=1, name="Your calendar feed")).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Create a calendar feed").click()
    expect(page.get_by_label("Feed address")).to_have_value(re.compile(r"/calendar\.ics\?"))
    axe(page)
    page.get_by_role("button", name="Revoke this feed").click()
    expect(page.get_by_role("status").filter(has_text="was revoked")).to_be_visible()

    assert csp_violations == []
