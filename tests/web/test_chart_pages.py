"""The chart of target against actual on the obligation, agreement and party pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.extensions import db
from registry.obligations.services import measurements, obligations

from support import ACTOR


@pytest.fixture
def burden_sharing(make_agreement, make_party):
    agreement = make_agreement(title="North Atlantic Treaty", short_title="NATO")
    poland = make_party(name="Republic of Poland", short_name="Poland", iso3="POL")
    spain = make_party(name="Kingdom of Spain", short_name="Spain", iso3="ESP")
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
    for party, year, value in (
        (poland, 2023, "3.9"),
        (spain, 2023, "1.24"),
        (poland, 2024, "4.12"),
    ):
        measurements.create(
            ACTOR,
            {
                "obligation_id": obligation.id,
                "party_id": party.id,
                "period_start": f"{year}-01-01",
                "period_end": f"{year}-12-31",
                "value": value,
                "unit": "% of GDP",
                "is_estimate": year == 2024,
                "source": "Figures for the test",
            },
        )
    db.session.commit()
    return {"agreement": agreement, "obligation": obligation, "poland": poland}


def bars(page) -> list[tuple[str, str, str]]:
    return [
        (g.attrs["data-period"], g.attrs["data-series"], g.attrs["data-value"])
        for g in page.main.iter("g")
        if "bar" in g.classes
    ]


def test_the_obligation_page_draws_target_against_actual(app, sign_in, burden_sharing):
    viewer = sign_in("viewer", "public")
    response = viewer.get(f"/obligations/{burden_sharing['obligation'].id}")
    page = response.page

    assert bars(page) == [
        ("2023", "Kingdom of Spain", "1.24"),
        ("2023", "Republic of Poland", "3.9"),
        ("2024", "Republic of Poland", "4.12"),
    ]
    svg = page.main.find("svg", role="img")
    assert svg.find("title").text.endswith("against the target of 2 % of GDP")
    assert "Kingdom of Spain 2023: 1.24 % of GDP" in svg.find("desc").text
    bar_labels = [t.text for g in page.main.iter("g") if "bar" in g.classes for t in g.iter("text")]
    assert bar_labels == ["1.24", "3.9", "4.12e"]
    assert "Target 2" in [t.text for t in svg.iter("text")]
    table = page.main.find("table", **{"class": "chart-table"})
    assert table.rows() == [
        ["2023", "Kingdom of Spain", "1.24", "Below (-0.76)"],
        ["2023", "Republic of Poland", "3.9", "Meets (+1.9)"],
        ["2024", "Republic of Poland", "4.12 (estimate)", "Meets (+2.12)"],
    ]
    body = response.get_data(as_text=True)
    assert "style=" not in body and "<script" not in body


def test_the_agreement_and_party_pages_show_the_chart(app, sign_in, burden_sharing):
    viewer = sign_in("viewer", "public")
    agreement_page = viewer.get(f"/agreements/{burden_sharing['agreement'].id}").page
    assert bars(agreement_page) == [
        ("2023", "Poland", "3.9"),
        ("2023", "Spain", "1.24"),
        ("2024", "Poland", "4.12"),
    ]
    party_page = viewer.get(f"/parties/{burden_sharing['poland'].id}").page
    assert bars(party_page) == [
        ("2023", "Republic of Poland", "3.9"),
        ("2024", "Republic of Poland", "4.12"),
    ]


def test_measurements_above_the_readers_clearance_are_not_drawn(
    app, sign_in, make_agreement, make_party
):
    agreement = make_agreement(title="Alliance with a secret annex")
    target = obligations.create(
        ACTOR,
        {
            "agreement_id": agreement.id,
            "title": "Secret readiness target",
            "kind": "capability_target",
            "target_value": "90",
            "target_unit": "%",
            "classification": "secret",
        },
    )
    party = make_party(name="Testland")
    measurements.create(
        ACTOR,
        {
            "obligation_id": target.id,
            "party_id": party.id,
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "value": "75",
            "unit": "%",
            "source": "Annex",
        },
    )
    db.session.commit()
    viewer = sign_in("viewer", "public")
    assert bars(viewer.get(f"/agreements/{agreement.id}").page) == []
    assert bars(viewer.get(f"/parties/{party.id}").page) == []
    assert bars(sign_in("viewer", "secret").get(f"/parties/{party.id}").page) == [
        ("2024", "Testland", "75")
    ]


def test_the_obligation_page_lists_upcoming_and_past_occurrences(
    app, sign_in, make_obligation, today
):
    obligation = make_obligation(
        days=-400, recurrence="P6M", title="Report to the Bilateral Consultative Commission"
    )
    db.session.commit()
    page = sign_in("viewer", "public").get(f"/obligations/{obligation.id}").page
    section = page.by_id("occurrences-heading").parent
    first = today - timedelta(days=400)
    lists = [[li.text.split(" ")[0] for li in ol.iter("li")] for ol in section.iter("ol")]
    upcoming, past = lists
    assert past[-1] == first.isoformat()
    assert len(past) == 3  # 400 days back, 6 months apart
    assert all(date.fromisoformat(day) >= today for day in upcoming)
    assert all(date.fromisoformat(day) < today for day in past)
    assert len(upcoming) == 8


def test_the_chart_pages_read_measurements_in_a_fixed_number_of_queries(
    app, sign_in, burden_sharing, make_party, count_queries
):
    viewer = sign_in("viewer", "public")
    urls = [
        f"/obligations/{burden_sharing['obligation'].id}",
        f"/agreements/{burden_sharing['agreement'].id}",
    ]

    def statements_per_page() -> list[int]:
        counts = []
        for url in urls:
            with count_queries() as statements:
                assert viewer.get(url).status_code == 200
            counts.append(len(statements))
        return counts

    before = statements_per_page()
    for number in range(10):
        measurements.create(
            ACTOR,
            {
                "obligation_id": burden_sharing["obligation"].id,
                "party_id": make_party(name=f"Ally {number}").id,
                "period_start": "2024-01-01",
                "period_end": "2024-12-31",
                "value": f"1.{number}",
                "unit": "% of GDP",
                "source": "Figures for the test",
            },
        )
    db.session.commit()

    assert statements_per_page() == before
