"""The deadline list: what it shows each reader, its filters, and how it marks overdue items."""

from __future__ import annotations

from datetime import timedelta


def titles(response) -> list[str]:
    """The titles in the list's table, in order."""
    table = response.page.main.find("table")
    return [] if table is None else [row[2] for row in table.rows()]


def test_the_list_shows_deadlines_soonest_first_with_links_to_their_agreement(
    sign_in, make_agreement, make_obligation, today
):
    agreement = make_agreement(title="Treaty of Lists")
    make_obligation(agreement, days=40, title="Later report")
    make_obligation(agreement, days=10, title="Sooner report")
    viewer = sign_in("viewer", "public")

    response = viewer.get("/deadlines")

    assert response.status_code == 200
    assert response.page.title == "Deadlines"
    assert titles(response) == ["Sooner report", "Later report"]
    assert "2 deadlines due from" in response.page.by_id("result-count").text
    link = response.page.main.find("a", href=f"/agreements/{agreement.id}")
    assert link is not None and link.text == "Sooner report"
    row = response.page.main.find("table").rows()[0]
    assert row[0] == (today + timedelta(days=10)).isoformat()
    assert row[1] == "In 10 days"


def test_the_table_is_labelled_for_assistive_technology(sign_in, make_obligation):
    make_obligation()
    page = sign_in("viewer", "public").get("/deadlines").page
    table = page.main.find("table")
    assert "Deadlines due from" in table.find("caption").text
    assert all(th.attrs.get("scope") == "col" for th in table.find("thead").iter("th"))
    assert table.find("tbody").find("th").attrs.get("scope") == "row"
    form = page.main.find("form", role="search")
    for control in ("kind", "owner", "body", "agreement", "mine", "from", "to"):
        assert form.find("label", for_=control) is not None, control


def test_overdue_rows_say_so_in_words(sign_in, make_obligation):
    make_obligation(days=-3, title="Late report")
    make_obligation(days=5, title="Next report")
    response = sign_in("viewer", "public").get("/deadlines")
    rows = response.page.main.find("table").rows()
    assert rows[0][1] == "Overdue by 3 days"
    assert rows[1][1] == "In 5 days"
    assert "1 of them overdue" in response.page.by_id("result-count").text


def test_readers_see_only_deadlines_within_their_clearance(
    sign_in, make_agreement, make_obligation
):
    make_obligation(make_agreement(title="Open"), title="Public duty")
    make_obligation(make_agreement(title="Guarded", classification="restricted"), title="Guarded")
    make_obligation(
        make_agreement(title="Plain"),
        title="Secret duty of an open treaty",
        classification="secret",
    )

    assert titles(sign_in("viewer", "public").get("/deadlines")) == ["Public duty"]
    assert sorted(titles(sign_in("viewer", "restricted").get("/deadlines"))) == [
        "Guarded",
        "Public duty",
    ]
    assert len(titles(sign_in("viewer", "secret").get("/deadlines"))) == 3


def test_filters_by_kind_owner_body_agreement_and_mine(
    sign_in, make_user, make_body, make_agreement, make_obligation
):
    viewer = sign_in("viewer", "public")
    owner = make_user(name="Olive Owner")
    body = make_body(name="Senate Foreign Relations Committee")
    first, second = make_agreement(title="First"), make_agreement(title="Second")
    make_obligation(first, title="Owned", owner_id=owner.id)
    make_obligation(first, title="Overseen", oversight_body_id=body.id)
    make_obligation(second, title="Of the second")
    make_obligation(second, title="Mine", owner_id=viewer.user.id)

    def shown(**args):
        response = viewer.get("/deadlines", query_string=args)
        assert response.status_code == 200
        return sorted(titles(response))

    assert len(shown()) == 4
    assert shown(owner=owner.id) == ["Owned"]
    assert shown(body=body.id) == ["Overseen"]
    assert shown(agreement=second.id) == ["Mine", "Of the second"]
    assert shown(mine="1") == ["Mine"]
    assert shown(kind="obligation_due") == shown()
    assert shown(kind="expiry") == []
    page = viewer.get("/deadlines", query_string={"owner": owner.id, "mine": "1"}).page
    assert page.value("owner") == str(owner.id)
    assert page.value("mine") == "1"


def test_invalid_filter_values_answer_400_naming_the_parameter(
    sign_in, make_agreement, make_obligation
):
    make_obligation(make_agreement(), title="Visible")
    viewer = sign_in("viewer", "public")
    for args, named in (
        ({"kind": "nonsense"}, "kind"),
        ({"owner": "abc"}, "owner"),
        ({"owner": "99999999999999999999"}, "owner"),
        ({"body": "-1"}, "body"),
        ({"from": "yesterday", "to": "2027-02-30"}, "from"),
        ({"page": "x"}, "page"),
        ({"mine": "perhaps"}, "mine"),
        ({"colour": "red"}, "colour"),
    ):
        response = viewer.get("/deadlines", query_string=args)
        assert response.status_code == 400, args
        assert named in response.page.main.text, args
    assert titles(viewer.get("/deadlines", query_string={"kind": "", "owner": ""})) == ["Visible"]


def test_an_agreement_is_chosen_by_reference_and_an_unseen_one_is_like_none(
    sign_in, make_agreement, make_obligation
):
    first = make_agreement(title="First")
    make_obligation(first, title="Of the first")
    make_obligation(make_agreement(title="Second"), title="Of the second")
    hidden = make_agreement(title="Hidden", classification="secret")
    make_obligation(hidden, title="Hidden duty")
    viewer = sign_in("viewer", "public")

    chosen = viewer.get("/deadlines", query_string={"agreement": first.reference})
    assert titles(chosen) == ["Of the first"]
    assert chosen.page.value("agreement") == first.reference
    # A hidden agreement and one that does not exist get the same answer: nothing, and why.
    answers = [
        viewer.get("/deadlines", query_string={"agreement": asked})
        for asked in (hidden.reference, str(hidden.id), "NO-SUCH-REF")
    ]
    for response in answers:
        assert response.status_code == 200
        assert titles(response) == []
        hint = response.page.by_id("hint-agreement").text
        assert hint == "No agreement you may see has this reference."
    assert viewer.get("/deadlines", query_string={"agreement": "x" * 5000}).status_code == 400


def test_the_window_defaults_to_a_year_either_side_and_can_be_chosen(
    sign_in, make_obligation, today
):
    make_obligation(days=-400, title="Long overdue")
    make_obligation(days=-100, title="Overdue")
    make_obligation(days=200, title="This year")
    make_obligation(days=500, title="Next year")
    viewer = sign_in("viewer", "public")

    assert titles(viewer.get("/deadlines")) == ["Overdue", "This year"]
    wide = {"from": (today - timedelta(days=500)).isoformat()}
    wide["to"] = (today + timedelta(days=600)).isoformat()
    assert titles(viewer.get("/deadlines", query_string=wide)) == [
        "Long overdue",
        "Overdue",
        "This year",
        "Next year",
    ]
    swapped = {"from": wide["to"], "to": wide["from"]}
    refused = viewer.get("/deadlines", query_string=swapped)
    assert refused.status_code == 400 and "to" in refused.page.main.text
    narrow = {"from": today.isoformat(), "to": (today + timedelta(days=300)).isoformat()}
    assert titles(viewer.get("/deadlines", query_string=narrow)) == ["This year"]


def test_long_lists_are_paged_and_pages_keep_the_filters(sign_in, make_obligation, today):
    make_obligation(days=0, recurrence="P1W", title="Weekly notice", kind="notification")
    make_obligation(days=3, title="Other")
    viewer = sign_in("viewer", "public")
    window = {"to": (today + timedelta(days=7 * 120)).isoformat(), "kind": "obligation_due"}

    first = viewer.get("/deadlines", query_string=window)
    assert "122 deadlines" in first.page.by_id("result-count").text
    assert len(titles(first)) == 100
    next_link = first.page.main.find("a", rel="next")
    assert next_link is not None and "kind=obligation_due" in next_link.attrs["href"]
    second = viewer.get(next_link.attrs["href"])
    assert len(titles(second)) == 22
    assert "page 2 of 2" in second.page.main.find("caption").text


def test_past_the_count_cap_the_list_says_or_more_and_pages_on_without_a_last_page(
    sign_in, make_obligation, today, monkeypatch
):
    from registry.deadlines import views

    monkeypatch.setattr(views, "COUNT_CAP", 50)
    make_obligation(days=0, recurrence="P1W", title="Weekly notice", kind="notification")
    make_obligation(days=3, title="Other")
    viewer = sign_in("viewer", "public")
    window = {"to": (today + timedelta(days=7 * 120)).isoformat()}

    first = viewer.get("/deadlines", query_string=window)
    assert "50 or more deadlines" in first.page.by_id("result-count").text
    assert len(titles(first)) == 100
    assert "page 1 of" not in first.page.main.find("caption").text
    second = viewer.get(first.page.main.find("a", rel="next").attrs["href"])
    assert len(titles(second)) == 22
    assert second.page.main.find("a", rel="next") is None  # the end, found without a count
    assert second.page.main.find("a", rel="prev") is not None


def test_the_navigation_and_the_dashboard_link_to_the_list(sign_in, client):
    viewer = sign_in("viewer", "public")
    nav = viewer.get("/dashboard").page.root.find("nav", **{"aria-label": "Main"})
    assert nav.find("a", href="/deadlines").text == "Deadlines"
    dashboard = viewer.get("/dashboard").page.main
    assert dashboard.find("a", href="/deadlines") is not None
    assert client.get("/").page.root.find("a", href="/deadlines") is None


def test_anonymous_readers_are_sent_to_sign_in(client):
    for url in ("/deadlines", "/deadlines.csv", "/deadlines/calendar", "/account/calendar"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url


def test_the_owner_filter_offers_only_people_responsible_for_what_the_reader_sees(
    sign_in, make_user, make_agreement, make_obligation
):
    seen = make_user(name="Seen Owner")
    unseen = make_user(name="Unseen Owner")
    make_user(name="Bystander")
    make_obligation(make_agreement(), title="Open duty", owner_id=seen.id)
    make_obligation(
        make_agreement(classification="secret"), title="Secret duty", owner_id=unseen.id
    )
    viewer = sign_in("viewer", "public")

    page = viewer.get("/deadlines").page

    assert page.options("owner") == ["", str(seen.id)]
    assert "Unseen Owner" not in page.html and "Bystander" not in page.html
    # Asked for by id, someone responsible for nothing the reader sees finds nothing.
    unseen_owner = viewer.get("/deadlines", query_string={"owner": unseen.id})
    assert titles(unseen_owner) == []
    assert unseen_owner.page.value("owner") == ""
