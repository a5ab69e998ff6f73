"""Lists, counts and deadlines are kept between requests, but never past a change, and never
for a reader of another clearance."""

from __future__ import annotations

from registry.extensions import db


def table_of(page: str) -> str:
    return page[page.index("<table") : page.index("</table>")]


def test_a_list_seen_before_shows_an_agreement_recorded_since(sign_in, make_agreement):
    make_agreement(title="Treaty of Before")
    reader = sign_in("viewer")
    assert "Treaty of Before" in reader.get("/agreements").text
    make_agreement(title="Treaty of Since")
    db.session.commit()
    page = reader.get("/agreements").text
    assert "Treaty of Since" in page and "2 agreements" in page


def test_what_is_kept_for_one_clearance_is_never_shown_to_another(
    sign_in, client, api_as, make_agreement, make_party, make_action, make_obligation
):
    make_agreement(title="Treaty of Open Record")
    closed = make_agreement(title="Treaty of Closed Doors", classification="secret")
    party = make_party(name="Doorland")
    make_action(closed, party, "signature", "1990-01-01")
    make_obligation(closed, title="Closed Doors report", days=10)
    cleared, restricted = sign_in("viewer", "secret"), sign_in("viewer", "restricted")
    cleared_api, restricted_api = api_as("viewer", "secret"), api_as("viewer", "restricted")
    db.session.commit()
    pages = ("/agreements", "/agreements?q=Treaty", "/dashboard", "/deadlines")
    for path in (*pages, f"/parties/{party.id}"):
        assert "Closed Doors" in cleared.get(path).text, path
        assert "Closed Doors" not in restricted.get(path).text, path
    assert "Closed Doors" in cleared_api.get("/api/v1/agreements").text
    assert "Closed Doors" not in restricted_api.get("/api/v1/agreements").text
    assert "Closed Doors" in cleared.get("/agreements").text
    assert "Closed Doors" not in client.get("/agreements").text


def test_a_list_asked_for_again_is_read_by_id_without_counting_or_sorting(
    sign_in, make_agreement, count_queries
):
    for number in range(3):
        make_agreement(title=f"Accord {number}", status="in_force")
    reader = sign_in("viewer")
    db.session.commit()
    path = "/agreements?status=in_force&sort=title"
    with count_queries() as afresh:
        first = reader.get(path).text
    with count_queries(afresh=False) as again:
        second = reader.get(path).text
    assert table_of(second) == table_of(first)
    assert [f"Accord {number}" in first for number in range(3)] == [True] * 3
    assert any("count(" in statement for statement in afresh)
    assert not any("count(" in statement for statement in again)
    assert len(again) < len(afresh)


def test_an_api_list_is_kept_although_each_call_is_counted(api_as, make_agreement, count_queries):
    make_agreement(title="Treaty of Many Calls")
    api = api_as("viewer")
    db.session.commit()
    with count_queries() as afresh:
        first = api.get("/api/v1/agreements").json
    with count_queries(afresh=False) as again:
        second = api.get("/api/v1/agreements").json
    assert second == first and first["total"] == 1
    assert not any("count(*)" in statement for statement in again)
    assert len(again) < len(afresh)


def test_an_agreement_page_kept_for_an_editor_shows_no_controls_to_others(
    sign_in, client, make_agreement, make_party, make_action
):
    agreement = make_agreement(title="Treaty of Controls")
    party = make_party(name="Controlland")
    action = make_action(agreement, party, "signature", "1990-01-01")
    editor, viewer = sign_in("editor"), sign_in("viewer")
    db.session.commit()
    edit_link = f"/treaty-actions/{action.id}/edit"
    party_link = f'href="/parties/{party.id}"'
    path = f"/agreements/{agreement.id}"
    editing = editor.get(path).text
    assert edit_link in editing and party_link in editing
    viewing = viewer.get(path).text
    assert "Controlland" in viewing and party_link in viewing
    assert edit_link not in viewing
    anonymous = client.get(path).text
    assert "Controlland" in anonymous
    assert edit_link not in anonymous and party_link not in anonymous
    assert edit_link in editor.get(path).text
