"""Every list reads its query string through one filter schema: the web page (all its pages),
the API (all its pages) and the CSV download find the same rows for the same query string,
and each refuses a parameter it does not take, or a value it cannot, with a 400 naming it."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import urlencode

import pytest


@dataclass(frozen=True)
class Listing:
    web: str
    api: str
    export: str
    rows: str  # a pattern finding each row's identity in the web page
    paging: str  # the parameter giving a page's size, on the web and in the API
    invalid: tuple[str, str]  # a parameter the list takes, with a value it cannot take


LISTS = {
    "agreements": Listing(
        "/agreements",
        "/api/v1/agreements",
        "/agreements/export.csv",
        r'href="/agreements/(\d+)"',
        "per_page",
        ("status", "nonsense"),
    ),
    "parties": Listing(
        "/parties",
        "/api/v1/parties",
        "/parties/export.csv",
        r'href="/parties/(\d+)"',
        "per_page",
        ("kind", "planet"),
    ),
    "oversight_bodies": Listing(
        "/oversight-bodies",
        "/api/v1/oversight-bodies",
        "/oversight-bodies/export.csv",
        r'href="/oversight-bodies/(\d+)"',
        "per_page",
        ("kind", "oracle"),
    ),
    "audit_events": Listing(
        "/audit",
        "/api/v1/audit-events",
        "/audit/export.csv",
        r"<tr><td>(\d+)</td>",
        "limit",
        ("action", "shred"),
    ),
    "deadlines": Listing(
        "/deadlines",
        "/api/v1/deadlines",
        "/deadlines/export.csv",
        r"<td>(\d{4}-\d{2}-\d{2})</td>\s*<td[^>]*>[^<]*</td>\s*"
        r'<th scope="row"><a [^>]*>([^<]*)</a>',
        "per_page",
        ("from", "2026-02-30"),
    ),
}

# Each with a kind or status filter, text where the list searches text, a date where it has one.
QUERIES = [
    ("agreements", "status=in_force&q=treaty"),
    ("agreements", "instrument_type=arms_control&in_force_on=2015-01-01&sort=title&direction=asc"),
    ("agreements", "party=USA&classification=public&sort=in_force&order=asc"),
    ("parties", "kind=state&q=an"),
    ("parties", "q=USA"),
    ("oversight_bodies", "kind=legislative_committee&q=senate"),
    ("oversight_bodies", "q=committee&sort=name&order=desc"),
    ("audit_events", "action=create&entity_type=agreements"),
    ("audit_events", "action=create&entity_type=parties"),
    ("deadlines", "kind=review_due&from=2020-01-01&to=2040-12-31"),
    ("deadlines", "from=2026-01-01&to=2028-12-31"),
]


def web_rows(browser, listing: Listing, query: str) -> set:
    found, address = set(), f"{listing.web}?{query}&{listing.paging}=3"
    for _ in range(200):
        response = browser.get(address)
        assert response.status_code == 200, address
        found |= {
            tuple(map(unescape, row)) if isinstance(row, tuple) else int(row)
            for row in re.findall(listing.rows, response.get_data(as_text=True))
        }
        following = response.page.main.find("a", rel="next")
        if following is None:
            return found
        address = unescape(following.attrs["href"])
    raise AssertionError("the web list never reached its last page")


def api_rows(caller, name: str, listing: Listing, query: str) -> set:
    found: set = set()
    page, after = 1, 0
    for _ in range(200):
        paging = {"after": after} if name == "audit_events" else {"page": page}
        address = f"{listing.api}?{query}&{listing.paging}=4&{urlencode(paging)}"
        response = caller.get(address)
        assert response.status_code == 200, (address, response.get_json())
        body = response.get_json()
        found |= {identity(name, item) for item in body["items"]}
        if name == "audit_events":
            if body["next_after"] is None:
                return found
            after = body["next_after"]
        elif body["page"] >= body["pages"]:
            return found
        page += 1
    raise AssertionError("the API list never reached its last page")


def export_rows(browser, name: str, listing: Listing, query: str) -> set:
    response = browser.get(f"{listing.export}?{query}")
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return {identity(name, row) for row in csv.DictReader(io.StringIO(text))}


def identity(name: str, row: dict):
    if name == "deadlines":
        return (str(row["due_on"]), row["title"])
    return int(row["id"])


@pytest.mark.parametrize(("name", "query"), QUERIES)
def test_the_same_query_finds_the_same_rows_on_the_web_the_api_and_the_download(
    loaded_fixtures, sign_in, api_as, name, query
):
    listing = LISTS[name]
    browser = sign_in("admin", "secret")
    on_the_web = web_rows(browser, listing, query)
    assert on_the_web, f"{query} should find something in the fixtures"
    assert api_rows(api_as("admin", "secret"), name, listing, query) == on_the_web
    assert export_rows(browser, name, listing, query) == on_the_web


@pytest.mark.parametrize("name", LISTS)
def test_an_unknown_parameter_answers_400_naming_it_everywhere(app, sign_in, api_as, name):
    listing = LISTS[name]
    browser, caller = sign_in("admin", "secret"), api_as("admin", "secret")
    for address in (listing.web, listing.export):
        refused = browser.get(f"{address}?colour=blue")
        assert refused.status_code == 400, address
        assert "<code>colour</code>" in refused.get_data(as_text=True), address
    refused = caller.get(f"{listing.api}?colour=blue")
    assert refused.status_code == 400
    assert "colour" in refused.get_json()["errors"]


@pytest.mark.parametrize("name", LISTS)
def test_an_invalid_value_answers_400_naming_the_parameter_everywhere(app, sign_in, api_as, name):
    listing = LISTS[name]
    parameter, value = listing.invalid
    browser, caller = sign_in("admin", "secret"), api_as("admin", "secret")
    query = urlencode({parameter: value})
    for address in (listing.web, listing.export):
        refused = browser.get(f"{address}?{query}")
        assert refused.status_code == 400, address
        page = refused.get_data(as_text=True)
        assert f"<code>{parameter}</code>" in page, address
    refused = caller.get(f"{listing.api}?{query}")
    assert refused.status_code == 400
    assert parameter in refused.get_json()["errors"]


def test_a_bad_status_names_the_values_it_may_take(client, api_as):
    page = client.get("/agreements?status=nonsense")
    assert page.status_code == 400
    assert "in_force" in page.get_data(as_text=True)
    answer = api_as("viewer").get("/api/v1/agreements?status=nonsense").get_json()
    assert answer["status"] == 400
    assert "in_force" in " ".join(answer["errors"]["status"])


def test_order_and_direction_are_one_parameter(client):
    assert client.get("/agreements?order=asc&direction=asc").status_code == 200
    refused = client.get("/agreements?order=asc&direction=desc")
    assert refused.status_code == 400
    assert "<code>direction</code>" in refused.get_data(as_text=True)
