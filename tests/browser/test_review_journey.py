"""The periodic review in a browser: recorded and submitted by one user, approved by another."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect

from registry.core.enums import ReviewStatus
from registry.extensions import db
from registry.obligations.services import measurements, obligations
from registry.reviews.models import Review
from registry.reviews.services import reviews

from support import ACTOR

PASSWORD = "a long enough password"


def sign_in(page: Page, user, axe) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    axe(page)


def sign_out(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status").filter(has_text="You are signed out.")).to_be_visible()


def fresh_review(review_id: int) -> Review:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Review, review_id)


def test_a_review_is_recorded_submitted_approved_by_a_second_reviewer_and_the_next_appears(
    page, make_user, make_agreement, axe
):
    npt = make_agreement(
        title="Treaty on the Non-Proliferation of Nuclear Weapons",
        short_title="NPT",
        instrument_type="nonproliferation",
        concluded_on="1968-07-01",
        entered_into_force_on="1970-03-05",
        notice_period="P3M",
        review_cadence="periodic",
        review_interval="P5Y",
    )
    scheduled = reviews.schedule_next(ACTOR, npt, today=date(2026, 11, 27))
    editor = make_user(name="Erin Editor", role="editor", clearance="public")
    reviewer = make_user(name="Rita Reviewer", role="reviewer", clearance="public")
    db.session.commit()
    main = page.get_by_role("main")

    # The editor opens the scheduled review from the agreement page and records it.
    sign_in(page, editor, axe)
    page.goto(f"/agreements/{npt.id}")
    reviews_section = page.get_by_role("region", name="Reviews")
    reviews_section.get_by_role("link", name="2030-03-05", exact=True).click()
    expect(
        page.get_by_role("heading", level=1, name="Periodic review due 2030-03-05")
    ).to_be_visible()
    axe(page)
    main.get_by_role("button", name="Start review").click()
    expect(
        page.get_by_role("status").filter(has_text="Work on the review has started.")
    ).to_be_visible()
    main.get_by_role("link", name="Edit review").click()
    page.get_by_label("Compliance finding").select_option(label="Compliant")
    page.get_by_label("Outcome").select_option(label="Continue")
    page.get_by_label("Findings").fill("The 2026 conference's reporting commitments were met.")
    axe(page)
    main.get_by_role("button", name=re.compile("^Save")).click()
    expect(
        main.get_by_text("The 2026 conference's reporting commitments were met.", exact=True)
    ).to_be_visible()
    main.get_by_role("button", name="Submit for sign-off").click()
    expect(
        page.get_by_role("status").filter(has_text="submitted for a reviewer's sign-off")
    ).to_be_visible()
    expect(main.get_by_role("button", name="Approve review")).to_have_count(0)
    axe(page)
    assert fresh_review(scheduled.id).status == ReviewStatus.SUBMITTED
    sign_out(page)

    # A reviewer who did not record it signs it off from the agreement page.
    sign_in(page, reviewer, axe)
    page.goto(f"/agreements/{npt.id}")
    page.get_by_role("link", name="Sign off the review due 2030-03-05").click()
    expect(main.get_by_role("button", name="Return for changes")).to_be_visible()
    axe(page)
    main.get_by_role("button", name="Approve review").click()
    expect(page.get_by_role("status").filter(has_text="The review was approved.")).to_be_visible()
    expect(main.get_by_text("Approved", exact=True)).to_be_visible()
    axe(page)
    approved = fresh_review(scheduled.id)
    assert (approved.status, approved.approved_by_id) == (ReviewStatus.APPROVED, reviewer.id)

    # The next review is scheduled five years on.
    main.get_by_role("link", name=npt.label).click()
    rows = page.get_by_role("region", name="Reviews").locator("tbody tr")
    expect(rows.filter(has_text="2035-03-05").filter(has_text="Scheduled")).to_have_count(1)
    expect(rows.filter(has_text="2030-03-05").filter(has_text="Approved")).to_have_count(1)
    axe(page)


def test_the_as_of_in_force_and_chart_pages_are_usable(
    page, make_user, make_agreement, make_party, axe
):
    agreement = make_agreement(title="North Atlantic Treaty", short_title="NATO")
    target = obligations.create(
        ACTOR,
        {
            "agreement_id": agreement.id,
            "title": "Spend 2% of GDP on defence",
            "kind": "capability_target",
            "target_value": "2",
            "target_unit": "% of GDP",
        },
    )
    for name, value in (("Testland", "2.4"), ("Otherland", "1.3")):
        measurements.create(
            ACTOR,
            {
                "obligation_id": target.id,
                "party_id": make_party(name=name).id,
                "period_start": "2024-01-01",
                "period_end": "2024-12-31",
                "value": value,
                "unit": "% of GDP",
                "source": "Figures for the test",
            },
        )
    viewer = make_user(role="viewer", clearance="public")
    db.session.commit()
    sign_in(page, viewer, axe)

    page.goto(f"/agreements/{agreement.id}")
    page.get_by_role("link", name="Show as of a past date").click()
    page.get_by_label("Date").fill(date.today().isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#as-of-banner")).to_contain_text(f"As of {date.today()}")
    axe(page)

    page.goto(f"/obligations/{target.id}")
    chart = page.get_by_role("img", name=re.compile("against the target of 2 % of GDP"))
    expect(chart).to_be_visible()
    expect(page.locator("g.bar")).to_have_count(2)
    axe(page)

    page.goto("/treaties-in-force?on=1990-01-01&by=subject")
    expect(page.get_by_role("heading", level=2, name="Alliance / defence pact")).to_be_visible()
    axe(page)
