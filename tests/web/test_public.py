"""What anonymous readers and readers of low clearance see, and the list's filters and search."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from registry.agreements.queries import agreements_in_force_on
from registry.authorizations.services import authorizations
from registry.extensions import db
from registry.obligations.services import obligations
from registry.reviews.services import reviews

from support import ACTOR

NATO = "AGR-1949-0001"
NPT = "AGR-1968-0001"
NEW_START = "AGR-2010-0001"
CWC = "AGR-1993-0001"
ANZUS = "AGR-1951-0002"
US_PHILIPPINES = "AGR-1951-0001"
US_ROK = "AGR-1953-0001"
US_JAPAN = "AGR-1960-0001"
INF = "AGR-1987-0001"
OPEN_SKIES = "AGR-1992-0001"
CTBT = "AGR-1996-0002"
ARCTIC_COUNCIL = "AGR-1996-0001"
ALL = {
    NATO,
    NPT,
    NEW_START,
    CWC,
    ANZUS,
    US_PHILIPPINES,
    US_ROK,
    US_JAPAN,
    INF,
    OPEN_SKIES,
    CTBT,
    ARCTIC_COUNCIL,
}


def listed(response) -> list[list[str]]:
    assert response.status_code == 200
    return response.page.main.rows()


def references(response) -> list[str]:
    return [row[0] for row in listed(response)]


def titles(response) -> list[str]:
    return [row[1] for row in listed(response)]


def result_count(response) -> str:
    return response.page.by_id("result-count").text


# --- clearance --------------------------------------------------------------------------------


@pytest.fixture
def accords(make_agreement) -> dict:
    made = {
        level: make_agreement(title=f"{level.capitalize()} Accord", classification=level)
        for level in ("public", "restricted", "confidential", "secret")
    }
    db.session.commit()
    return made


def test_anonymous_readers_see_only_public_agreements_in_the_list_search_and_count(client, accords):
    for url in ("/agreements", "/", "/agreements?q=Accord", "/agreements?region=europe"):
        response = client.get(url)
        assert titles(response) == ["Public Accord"], url
        assert result_count(response) == "1 agreement classified public.", url
    # Asking for a level above one's clearance finds nothing rather than leaking.
    response = client.get("/agreements?classification=secret")
    assert titles(response) == []
    assert result_count(response).startswith("0 agreements")


@pytest.mark.parametrize(
    ("clearance", "expected"),
    [
        ("public", ["Public Accord"]),
        ("restricted", ["Public Accord", "Restricted Accord"]),
        ("confidential", ["Confidential Accord", "Public Accord", "Restricted Accord"]),
        ("secret", ["Confidential Accord", "Public Accord", "Restricted Accord", "Secret Accord"]),
    ],
)
def test_signed_in_readers_see_up_to_their_clearance(sign_in, accords, clearance, expected):
    reader = sign_in("viewer", clearance)
    response = reader.get("/agreements?q=accord")
    assert sorted(titles(response)) == expected
    assert result_count(response) == f"{len(expected)} agreement{'s' if len(expected) > 1 else ''}."


def test_a_classified_agreement_answers_404_as_if_it_did_not_exist(client, sign_in, accords):
    missing = client.get("/agreements/999999")
    assert missing.status_code == 404
    for level in ("restricted", "confidential", "secret"):
        response = client.get(f"/agreements/{accords[level].id}")
        assert response.status_code == 404, level
        assert response.get_data() == missing.get_data(), "the refusal gives no hint"
        assert f"{level.capitalize()} Accord" not in response.get_data(as_text=True)

    low = sign_in("viewer", "restricted")
    assert low.get(f"/agreements/{accords['restricted'].id}").status_code == 200
    assert low.get(f"/agreements/{accords['confidential'].id}").status_code == 404
    assert low.get(f"/agreements/{accords['secret'].id}").status_code == 404
    editor = sign_in("editor", "confidential")
    assert editor.get(f"/agreements/{accords['secret'].id}").status_code == 404
    assert editor.get(f"/agreements/{accords['secret'].id}/edit").status_code == 404
    assert client.get(f"/agreements/{accords['public'].id}").status_code == 200


def test_an_agreement_page_leaves_out_records_classified_above_the_reader(
    client, sign_in, make_agreement, make_body
):
    agreement = make_agreement(title="Open Alliance")
    open_body, hidden_body = make_body(name="Open Committee"), make_body(name="Hidden Committee")
    for level, title, body, due in (
        ("public", "Open duty", open_body, "2030-02-02"),
        ("restricted", "Closed duty", hidden_body, "2031-03-03"),
    ):
        obligations.create(
            ACTOR,
            {
                "agreement_id": agreement.id,
                "title": title,
                "kind": "consultation",
                "classification": level,
            },
        )
        authorizations.create(
            ACTOR,
            {
                "agreement_id": agreement.id,
                "requirement": "advice_and_consent",
                "body_id": body.id,
                "classification": level,
            },
        )
        reviews.create(
            ACTOR, {"agreement_id": agreement.id, "due_on": due, "classification": level}
        )
    db.session.commit()
    url = f"/agreements/{agreement.id}"

    for reader in (client, sign_in("viewer", "public")):
        page = reader.get(url).get_data(as_text=True)
        assert "Open duty" in page and "Open Committee" in page and "2030-02-02" in page
        assert "Closed duty" not in page
        assert "Hidden Committee" not in page
        assert "2031-03-03" not in page
    assert client.get(url).page.by_id("history-heading") is None, "no history for anonymous"

    cleared = sign_in("viewer", "restricted").get(url).get_data(as_text=True)
    for text in ("Open duty", "Closed duty", "Hidden Committee", "2031-03-03"):
        assert text in cleared


def test_an_obligation_page_of_a_classified_agreement_answers_404(sign_in, make_agreement):
    secret = make_agreement(title="Secret Pact", classification="secret")
    obligation = obligations.create(
        ACTOR, {"agreement_id": secret.id, "title": "Hidden duty", "kind": "consultation"}
    )
    db.session.commit()
    assert sign_in("viewer", "confidential").get(f"/obligations/{obligation.id}").status_code == 404
    assert sign_in("viewer", "secret").get(f"/obligations/{obligation.id}").status_code == 200


def test_staff_pages_send_anonymous_readers_to_sign_in(
    client, make_agreement, make_party, make_body
):
    agreement = make_agreement()
    party, body = make_party(), make_body()
    obligation = obligations.create(
        ACTOR, {"agreement_id": agreement.id, "title": "Duty", "kind": "consultation"}
    )
    db.session.commit()
    for url in (
        "/dashboard",
        "/parties",
        f"/parties/{party.id}",
        "/oversight-bodies",
        f"/oversight-bodies/{body.id}",
        f"/obligations/{obligation.id}",
        "/account/password",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login", url
        assert parse_qs(location.query)["next"] == [url]
    page = client.get(f"/agreements/{agreement.id}").page
    assert not any(
        (link.attrs.get("href") or "").startswith(("/parties/", "/obligations/"))
        for link in page.main.iter("a")
    ), "an anonymous page links to no staff page"


# --- filters, search, sorting and pagination --------------------------------------------------


FILTERS = [
    ("instrument_type=arms_control", {CTBT, CWC, INF, NEW_START}),
    ("legal_nature=non_binding", {ARCTIC_COUNCIL}),
    ("legal_nature=executive_agreement", set()),
    ("status=withdrawn", {INF, OPEN_SKIES}),
    ("status=expired", {NEW_START}),
    ("region=asia_pacific", {ANZUS, US_JAPAN, US_PHILIPPINES, US_ROK}),
    ("region=global&status=in_force", {NPT, CWC}),
    ("in_force_on=2026-11-27", ALL - {NEW_START, INF, CTBT}),
    ("in_force_on=2015-01-01", ALL - {CTBT}),
    ("in_force_on=2026-02-04", ALL - {INF, CTBT}),
    ("in_force_on=2026-02-05", ALL - {NEW_START, INF, CTBT}),  # expiry day: no longer in force
    ("in_force_on=1949-08-23", set()),
    ("in_force_on=1949-08-24", {NATO}),
    ("instrument_type=arms_control&in_force_on=2015-01-01", {CWC, INF, NEW_START}),
    ("status=&region=&q=", ALL),  # fields left blank filter nothing
]
REFUSED = [
    ("status=bogus", "status"),
    ("region=%3Cscript%3E", "region"),
    ("in_force_on=not-a-date", "in_force_on"),
    ("in_force_on=2026-02-30", "in_force_on"),
    ("sort=password_hash", "sort"),
    ("direction=sideways", "direction"),
    ("per_page=0", "per_page"),
    ("colour=blue", "colour"),
]


def test_the_filters_find_the_right_fixture_agreements(client, loaded_fixtures):
    failures = []
    for query, expected in FILTERS:
        response = client.get(f"/agreements?{query}&per_page=100")
        found = set(references(response))
        if found != expected:
            failures.append(
                f"?{query}: missing {sorted(expected - found)}, extra {sorted(found - expected)}"
            )
        count = f"{len(expected)} agreement{'' if len(expected) == 1 else 's'} classified public."
        if result_count(response) != count:
            failures.append(f"?{query}: count says {result_count(response)!r}")
    assert not failures, "\n".join(failures)


def test_the_in_force_filter_agrees_with_the_domain_rule(client, loaded_fixtures):
    for day in (date(1990, 1, 1), date(2015, 1, 1), date(2026, 2, 5), date(2026, 11, 27)):
        listed_refs = set(references(client.get(f"/agreements?in_force_on={day}&per_page=100")))
        by_rule = {agreement.reference for agreement in agreements_in_force_on(day)}
        assert listed_refs == by_rule, day


def test_the_filter_form_shows_the_filters_in_use(client, loaded_fixtures):
    query = "q=treaty&party=USA&instrument_type=arms_control&status=expired&in_force_on=2015-01-01"
    page = client.get(f"/agreements?{query}&sort=title&direction=asc").page
    form = page.main.find("form", role="search")
    shown = page.form_values(form)
    assert shown["q"] == "treaty"
    assert shown["party"] == "USA"
    assert shown["instrument_type"] == "arms_control"
    assert shown["status"] == "expired"
    assert shown["in_force_on"] == "2015-01-01"
    assert shown["sort"] == "title"
    assert shown["direction"] == "asc"
    assert "classification" not in shown, "anonymous readers are not offered classification"


SEARCHES = [
    ("q=Non-Proliferation", {NPT}),  # title
    ("q=north atlantic", {NATO}),  # any case
    ("q=New START", {NEW_START}),  # short title
    ("q=AGR-1987", {INF}),  # reference
    ("q=agr-1996-0002", {CTBT}),
    ("q=Treaty Doc. No. 105-28", {CTBT}),  # national citation
    ("q=63 Stat. 2241", {NATO}),
    ("q=I-541", {NATO}),  # UN registration number
    ("q=%25", set()),  # a LIKE wildcard is taken literally
    ("q=_", set()),
    ("q=%27%3B DROP TABLE agreements%3B --", set()),
    ("party=Japan", {US_JAPAN}),  # party name
    ("party=NZL", {ANZUS}),  # ISO3
    ("party=nzl", {ANZUS}),
    ("party=Korea", {US_ROK, NPT}),
    ("party=PRK", {NPT}),
    ("party=Soviet", {NPT, INF}),  # a predecessor state without ISO3
    ("party=USSR", {NPT, INF}),  # its short name
    ("party=Finland&instrument_type=alliance_defence_pact", {NATO}),
    ("party=Atlantis", set()),
    ("q=treaty&party=RUS&status=withdrawn", {INF, OPEN_SKIES}),
]


def test_search_by_title_reference_citation_and_party(client, loaded_fixtures):
    failures = []
    for query, expected in SEARCHES:
        response = client.get(f"/agreements?{query}&per_page=100")
        found = set(references(response))
        if found != expected:
            failures.append(
                f"?{query}: missing {sorted(expected - found)}, extra {sorted(found - expected)}"
            )
    assert not failures, "\n".join(failures)
    empty = client.get("/agreements?q=%25").page
    assert "No agreement matches these filters." in empty.text


def test_sorting_orders_the_list(client, loaded_fixtures):
    by_title = titles(client.get("/agreements?sort=title&direction=asc"))
    assert by_title == sorted(by_title)
    assert len(by_title) == 12
    by_title_desc = titles(client.get("/agreements?sort=title&direction=desc"))
    assert by_title_desc == by_title[::-1]
    by_reference = references(client.get("/agreements?sort=reference&direction=asc"))
    assert by_reference == sorted(ALL)
    by_force = [row[5] for row in listed(client.get("/agreements?sort=in_force&direction=asc"))]
    assert by_force[-1] == "—", "an agreement never in force sorts last"
    assert by_force[:-1] == sorted(by_force[:-1])
    by_force_desc = references(client.get("/agreements?sort=in_force&direction=desc"))
    assert by_force_desc[0] == NEW_START and by_force_desc[-1] == CTBT
    default = references(client.get("/agreements"))
    assert default[0] == NEW_START, "newest concluded first by default"


@pytest.mark.parametrize(("query", "named"), REFUSED)
def test_a_filter_the_list_does_not_take_answers_400_naming_it(client, query, named):
    response = client.get(f"/agreements?{query}")
    assert response.status_code == 400
    assert named in response.page.main.text
    assert "<script>" not in response.get_data(as_text=True)


def test_pagination_keeps_the_filters_and_the_sort(client, make_agreement):
    for number in range(30):
        make_agreement(
            title=f"Arms Accord {number:02d}",
            instrument_type="arms_control",
            concluded_on=f"{1950 + number}-01-01",
            entered_into_force_on=None,
        )
    for number in range(5):
        make_agreement(title=f"Trade Accord {number}", instrument_type="defence_trade")
    db.session.commit()

    first = client.get(
        "/agreements?instrument_type=arms_control&sort=title&direction=desc&per_page=25"
    )
    assert titles(first) == [f"Arms Accord {n:02d}" for n in range(29, 4, -1)]
    assert result_count(first) == "30 agreements classified public."
    assert "Page 1 of 2" in first.page.text
    next_link = first.page.main.find("a", rel="next")
    assert next_link is not None
    query = parse_qs(urlsplit(next_link.attrs["href"]).query)
    assert query == {
        "instrument_type": ["arms_control"],
        "sort": ["title"],
        "direction": ["desc"],
        "per_page": ["25"],
        "page": ["2"],
    }

    second = client.get(next_link.attrs["href"])
    assert titles(second) == [f"Arms Accord {n:02d}" for n in range(4, -1, -1)]
    assert "Page 2 of 2" in second.page.text
    assert second.page.main.find("a", rel="next") is None
    previous = second.page.main.find("a", rel="prev")
    assert parse_qs(urlsplit(previous.attrs["href"]).query)["instrument_type"] == ["arms_control"]
    assert titles(client.get(previous.attrs["href"])) == titles(first)

    # Past the last page shows the last page; any per_page up to 100 is taken, as in the API.
    assert titles(client.get("/agreements?instrument_type=arms_control&page=99")) == titles(
        client.get("/agreements?instrument_type=arms_control&per_page=50")
    )
    assert len(titles(client.get("/agreements?per_page=7"))) == 7
