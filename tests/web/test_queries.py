"""The pages run a fixed number of SQL statements, however many rows they show (no N+1)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.authorizations.services import authorizations
from registry.extensions import db
from registry.obligations.services import obligations
from registry.reviews.services import reviews

from support import ACTOR


def statements_for(browser, url, count_queries) -> list[str]:
    db.session.commit()
    with count_queries() as statements:
        response = browser.get(url)
    assert response.status_code == 200, url
    return list(statements)


def describe(few: list[str], many: list[str]) -> str:
    extra = many[len(few) :] if len(many) > len(few) else []
    sample = "\n".join(statement.split("\n")[0][:160] for statement in extra[:5])
    return f"{len(few)} statements for the small page, {len(many)} for the large:\n{sample}"


@pytest.fixture
def populated_agreement(make_agreement, make_party, make_action, make_body, make_user):
    """An agreement with `size` parties (each signed and ratified), obligations with their own
    party, owner and oversight body, authorisation steps and reviews before their own body."""

    def build(size: int, title: str):
        agreement = make_agreement(title=title, review_cadence="periodic", review_interval="P5Y")
        for number in range(size):
            party = make_party(name=f"{title} party {number}")
            make_action(agreement, party, "signature", "1990-01-01")
            make_action(agreement, party, "ratification", "1991-02-01", deposited_on="1991-01-15")
            body = make_body(name=f"{title} committee {number}")
            owner = make_user(name=f"Owner {number}")
            obligations.create(
                ACTOR,
                {
                    "agreement_id": agreement.id,
                    "title": f"Duty {number}",
                    "kind": "reporting",
                    "obligated_party_id": party.id,
                    "owner_id": owner.id,
                    "oversight_body_id": body.id,
                    "due_on": "2030-01-01",
                },
            )
            authorizations.create(
                ACTOR,
                {
                    "agreement_id": agreement.id,
                    "requirement": "advice_and_consent",
                    "body_id": body.id,
                    "submitted_on": "1990-06-01",
                    "decision": "approved",
                    "decided_on": "1990-09-01",
                    "votes_for": 80 + number,
                    "votes_against": 2,
                },
            )
            reviews.create(
                ACTOR,
                {
                    "agreement_id": agreement.id,
                    "due_on": f"{2030 + number}-01-01",
                    "body_id": body.id,
                },
            )
        db.session.commit()
        return agreement

    return build


@pytest.mark.parametrize("reader", ["anonymous", "admin"])
def test_an_agreement_page_runs_the_same_queries_for_2_or_12_parties(
    client, sign_in, populated_agreement, count_queries, reader
):
    small = populated_agreement(2, "Small Pact")
    large = populated_agreement(12, "Large Pact")
    browser = client if reader == "anonymous" else sign_in(reader)
    statements_for(browser, f"/agreements/{small.id}", count_queries)  # warm up
    few = statements_for(browser, f"/agreements/{small.id}", count_queries)
    many = statements_for(browser, f"/agreements/{large.id}", count_queries)
    assert len(many) == len(few), describe(few, many)


def test_a_party_page_runs_the_same_queries_for_2_or_12_agreements(
    sign_in, make_agreement, make_party, make_action, count_queries
):
    few_party, many_party = make_party(name="Smallland"), make_party(name="Largeland")
    partner = make_party(name="Partnerland")
    for party, size in ((few_party, 2), (many_party, 12)):
        for number in range(size):
            agreement = make_agreement(title=f"{party.name} accord {number}")
            make_action(agreement, party, "ratification", "1990-01-01")
            make_action(agreement, partner, "ratification", "1990-01-01")
            make_action(agreement, party, "withdrawal_notice", "2030-01-01", "2029-01-01")
    db.session.commit()
    browser = sign_in("admin")
    statements_for(browser, f"/parties/{few_party.id}", count_queries)
    few = statements_for(browser, f"/parties/{few_party.id}", count_queries)
    many = statements_for(browser, f"/parties/{many_party.id}", count_queries)
    assert len(many) == len(few), describe(few, many)


@pytest.mark.parametrize("reader", ["anonymous", "viewer"])
def test_the_agreements_list_runs_the_same_queries_for_3_or_33_agreements(
    client, sign_in, make_agreement, count_queries, reader
):
    browser = client if reader == "anonymous" else sign_in(reader)
    for number in range(3):
        make_agreement(title=f"Accord {number}")
    statements_for(browser, "/agreements", count_queries)
    few = statements_for(browser, "/agreements?q=accord&sort=title", count_queries)
    for number in range(30):
        make_agreement(title=f"Later Accord {number}", parent_id=None)
    many = statements_for(browser, "/agreements?q=accord&sort=title", count_queries)
    assert len(many) == len(few), describe(few, many)


def add_deadlines(size, make_agreement, make_user, *, prefix):
    """`size` agreements, each with one deadline of every kind falling due soon."""
    soon = date.today() + timedelta(days=30)
    for number in range(size):
        agreement = make_agreement(
            title=f"{prefix} treaty {number}",
            concluded_on="2000-01-01",
            entered_into_force_on="2000-02-01",
            expires_on=str(soon + timedelta(days=1)),
        )
        owner = make_user(name=f"{prefix} owner {number}")
        obligations.create(
            ACTOR,
            {
                "agreement_id": agreement.id,
                "title": f"{prefix} duty {number}",
                "kind": "reporting",
                "owner_id": owner.id,
                "due_on": str(soon),
            },
        )
        reviews.create(ACTOR, {"agreement_id": agreement.id, "due_on": str(soon)})
        authorizations.create(
            ACTOR,
            {
                "agreement_id": agreement.id,
                "requirement": "advice_and_consent",
                "due_on": str(soon),
            },
        )
    db.session.commit()


def test_the_dashboard_runs_the_same_queries_for_2_or_12_deadlines_of_each_kind(
    sign_in, make_agreement, make_user, count_queries
):
    browser = sign_in("admin")
    add_deadlines(2, make_agreement, make_user, prefix="Early")
    statements_for(browser, "/dashboard", count_queries)
    few = statements_for(browser, "/dashboard", count_queries)
    add_deadlines(10, make_agreement, make_user, prefix="Late")
    many = statements_for(browser, "/dashboard", count_queries)
    page = browser.get("/dashboard").page
    assert "Early duty 0" in page.text, "the soonest deadlines are on the page"
    # 12 agreements, each with a duty, a review, a consent step and an expiry: 25 shown.
    assert "The first 25 of 48 due in these days" in page.text
    assert len(many) == len(few), describe(few, many)


def test_a_party_page_reads_its_own_standing_and_pages_its_agreements(
    app, sign_in, make_agreement, make_party, make_action, monkeypatch
):
    from registry.parties import views as party_views

    monkeypatch.setattr(party_views, "AGREEMENTS_PER_PAGE", 2)
    party, others = make_party(name="Pagedland"), [make_party() for _ in range(3)]
    for number in range(3):
        agreement = make_agreement(
            title=f"Accord {number}", concluded_on=f"199{number}-01-01", entered_into_force_on=None
        )
        make_action(agreement, party, "ratification", f"199{number}-06-01")
        for other in others:  # other parties' actions must not change this party's standing
            make_action(agreement, other, "withdrawal_notice", "2030-01-01", "2029-01-01")
    db.session.commit()
    browser = sign_in("viewer")
    first = browser.get(f"/parties/{party.id}").page
    assert [row[1] for row in first.main.find("table").rows()] == ["Accord 2", "Accord 1"]
    assert {row[2] for row in first.main.find("table").rows()} == {"Party"}
    assert "page 1 of 2" in first.text
    second = browser.get(first.main.find("a", rel="next").attrs["href"]).page
    assert [row[1] for row in second.main.find("table").rows()] == ["Accord 0"]
    assert second.main.find("a", rel="next") is None


def test_an_agreement_page_shows_the_50_most_recent_actions_and_all_on_request(
    client, make_agreement, make_party, make_action
):
    agreement = make_agreement(title="Long Convention")
    for number in range(30):  # 60 actions: a signature and a ratification each
        party = make_party(name=f"State {number:02}")
        make_action(agreement, party, "signature", f"1990-01-{number % 28 + 1:02}")
        make_action(agreement, party, "ratification", f"1995-{number % 12 + 1:02}-01")
    db.session.commit()

    page = client.get(f"/agreements/{agreement.id}").page
    timeline = list(page.main.find("ol", class_="timeline").find_all("li"))
    assert len(timeline) == 50
    assert "The 50 most recent of 60 treaty actions." in page.text
    assert all("Signature" not in item.text for item in timeline[-30:])  # the latest shown
    everything = client.get(f"/agreements/{agreement.id}?actions=all").page
    assert len(list(everything.main.find("ol", class_="timeline").find_all("li"))) == 60
    assert "most recent of" not in everything.text
