"""Pages read from the end (the second half of a long list) hold exactly the rows that
counting from the start would give them, in the same order, ties and blanks included."""

from __future__ import annotations

import pytest

from registry.agreements import queries
from registry.agreements.queries import AgreementFilters
from registry.core.enums import Classification
from registry.core.queries import paginate
from registry.extensions import db


@pytest.fixture
def many_agreements(make_agreement):
    for number in range(23):
        concluded = None if number % 5 == 0 else f"19{50 + number % 4}-01-01"  # blanks and ties
        make_agreement(
            title=f"Accord {number % 3}",
            concluded_on=concluded,
            entered_into_force_on=None,
            status=["draft", "signed"][number % 2],
        )
    db.session.commit()


@pytest.mark.parametrize("sort", ["concluded", "title", "status", "reference"])
@pytest.mark.parametrize("descending", [True, False])
def test_every_page_from_either_end_matches_the_whole_list(app, many_agreements, sort, descending):
    filters = AgreementFilters(sort=sort, descending=descending)
    query = queries.search_agreements(Classification.SECRET, filters)
    whole = [agreement.id for agreement in db.session.scalars(query)]
    reverse = queries.agreement_order(filters, reverse=True)
    paged = []
    for page in range(1, 6):
        rows, total, number, last_page = paginate(
            query, page=page, per_page=5, reverse_order=reverse
        )
        assert (total, number, last_page) == (23, page, 5)
        paged.extend(agreement.id for agreement in rows)
    assert paged == whole


def test_the_api_pages_from_either_end_alike(app, many_agreements, api_as):
    caller = api_as("viewer")
    whole = caller.get("/api/v1/agreements?sort=title&order=desc&per_page=100").get_json()
    paged = []
    for page in range(1, 6):
        body = caller.get(f"/api/v1/agreements?sort=title&order=desc&per_page=5&page={page}")
        paged.extend(item["id"] for item in body.get_json()["items"])
    assert paged == [item["id"] for item in whole["items"]]


def test_the_parties_list_pages_keep_the_search(sign_in, make_party):
    for number in range(101):  # a page holds 100
        make_party(name=f"Land {number:03d}")
    make_party(name="Elsewhere")
    db.session.commit()
    viewer = sign_in("viewer")
    first = viewer.get("/parties?q=Land").page
    assert "Page 1 of 2" in first.text
    second = viewer.get(first.main.find("a", rel="next").attrs["href"]).page
    assert [row[0] for row in second.main.find("table").rows()] == ["Land 100"]
    assert second.main.find("a", rel="next") is None
    assert "q=Land" in second.main.find("a", rel="prev").attrs["href"]
