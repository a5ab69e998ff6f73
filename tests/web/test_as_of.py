"""An agreement as it stood on a past date, from the audit trail; Treaties in Force; history."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from registry.agreements.services import agreements
from registry.audit.replay import replay
from registry.core.audit import writer as audit_writer
from registry.core.enums import AuditAction
from registry.extensions import db
from registry.obligations.services import obligations
from registry.parties.services import parties

from support import ACTOR


@pytest.fixture
def clock(monkeypatch):
    """Set the time audit events are written at."""

    def set_to(*parts):
        moment = datetime(*parts, tzinfo=UTC)
        monkeypatch.setattr(audit_writer, "utcnow", lambda: moment)

    return set_to


@pytest.fixture
def edited(app, clock, make_agreement):
    """New START as first recorded (signed, 2023), then edited in 2025."""
    clock(2023, 5, 2, 9, 30)
    agreement = make_agreement(
        title="Treaty on Measures for the Further Reduction of Strategic Offensive Arms",
        short_title="START draft entry",
        instrument_type="arms_control",
        form="bilateral",
        concluded_on="2010-04-08",
        entered_into_force_on="2011-02-05",
        status="signed",
    )
    clock(2025, 3, 1, 14, 0)
    agreements.update(
        ACTOR,
        agreement,
        {"short_title": "New START", "status": "in_force"},
        reason="Corrected the short title and status",
    )
    db.session.commit()
    return agreement


def field_rows(page) -> dict[str, list[str]]:
    table = page.by_id("as-of-fields")
    return {
        row[0]: row[1:]
        for row in (
            [cell.text for cell in tr.children if not isinstance(cell, str)]
            for tr in table.iter("tr")
        )
        if row
    }


def test_the_as_of_view_shows_the_old_title_and_status_after_an_edit(app, sign_in, edited):
    viewer = sign_in("viewer", "public")

    page = viewer.get(f"/agreements/{edited.id}/as-of?on=2024-06-01").page

    assert "As of 2024-06-01" in page.by_id("as-of-banner").text
    rows = field_rows(page)
    assert rows["Short title"][:2] == ["START draft entry", "New START changed since"]
    assert rows["Status"][:2] == ["Signed", "In force changed since"]
    assert rows["Short title"][2] == "2023-05-02 09:30"
    assert rows["Signed or concluded on"][:2] == ["2010-04-08", "2010-04-08"]

    later = field_rows(viewer.get(f"/agreements/{edited.id}/as-of?on=2025-03-01").page)
    assert later["Short title"][:2] == ["New START", "New START"]
    assert later["Status"][0] == "In force"


def test_before_the_record_was_entered_the_view_says_so(app, sign_in, edited):
    viewer = sign_in("viewer", "public")
    page = viewer.get(f"/agreements/{edited.id}/as-of?on=2023-05-01").page
    assert "The registry held no record of this agreement on 2023-05-01" in page.text
    assert page.by_id("as-of-fields") is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2024-02-30", "Enter a date as YYYY-MM-DD"),
        ("yesterday", "Enter a date as YYYY-MM-DD"),
        ("<script>alert(1)</script>", "Enter a date as YYYY-MM-DD"),
        ("1700-01-01", "Enter a date between"),
        ("2199-01-01", "Pick a date up to today"),
    ],
)
def test_a_bad_date_is_explained_and_kept(app, sign_in, edited, typed, message):
    viewer = sign_in("viewer", "public")
    response = viewer.get(f"/agreements/{edited.id}/as-of", query_string={"on": typed})
    assert response.status_code == 422
    assert message in response.page.error("on")
    assert response.page.value("on") == typed
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_the_as_of_view_needs_sign_in_and_clearance(app, client, sign_in, make_agreement):
    secret = make_agreement(title="Secret annex", classification="secret")
    db.session.commit()
    assert client.get(f"/agreements/{secret.id}/as-of?on=2025-01-01").status_code == 302
    viewer = sign_in("viewer", "restricted")
    assert viewer.get(f"/agreements/{secret.id}/as-of?on=2025-01-01").status_code == 404


def test_a_past_classification_above_the_readers_clearance_answers_404(
    app, clock, sign_in, make_agreement
):
    clock(2024, 1, 1, 12, 0)
    agreement = make_agreement(title="Declassified arrangement", classification="secret")
    clock(2025, 1, 1, 12, 0)
    agreements.update(ACTOR, agreement, {"classification": "public"}, reason="Declassified")
    db.session.commit()
    viewer = sign_in("viewer", "public")
    assert viewer.get(f"/agreements/{agreement.id}/as-of?on=2024-06-01").status_code == 404
    assert viewer.get(f"/agreements/{agreement.id}/as-of?on=2025-06-01").status_code == 200


def test_replay_applies_changes_in_order_and_tracks_archiving():
    class Event:
        def __init__(self, action, changes, hour):
            self.action, self.changes = action, changes
            self.occurred_at = datetime(2025, 1, 1, hour, tzinfo=UTC)

    events = [
        Event(AuditAction.CREATE, {"title": [None, "Draft"], "status": [None, "draft"]}, 1),
        Event(AuditAction.UPDATE, {"title": ["Draft", "Final"]}, 2),
        Event(AuditAction.ARCHIVE, {"archived_at": [None, "2025-01-01T03:00:00"]}, 3),
    ]
    state = replay(events, date(2025, 1, 1))
    assert state.values["title"] == "Final"
    assert state.values["status"] == "draft"
    assert state.archived is True
    assert replay(events[:2], date(2025, 1, 1)).archived is False
    assert replay([], date(2025, 1, 1)) is None


# --- Treaties in Force -----------------------------------------------------------------------


@pytest.fixture
def alliances(make_agreement, make_party, make_action):
    usa = make_party(name="United States of America", iso3="USA")
    fra = make_party(name="France", iso3="FRA")
    esp = make_party(name="Spain", iso3="ESP")
    nato = make_agreement(title="North Atlantic Treaty", short_title="NATO")
    for party in (usa, fra):
        make_action(nato, party, "ratification", "1949-08-24")
    make_action(nato, esp, "accession", "1982-05-30")
    inf = make_agreement(
        title="INF Treaty",
        instrument_type="arms_control",
        form="bilateral",
        region="global",
        concluded_on="1987-12-08",
        entered_into_force_on="1988-06-01",
        terminated_on="2019-08-02",
    )
    make_action(inf, usa, "ratification", "1988-06-01")
    make_agreement(title="Secret pact", classification="secret", entered_into_force_on="1950-01-01")
    db.session.commit()
    return {"nato": nato, "inf": inf}


def group_headings(page) -> list[str]:
    return [h.text for h in page.main.iter("h2")]


def test_treaties_in_force_by_party_follow_the_treaty_actions(app, client, alliances):
    page = client.get("/treaties-in-force?on=1980-01-01").page
    assert group_headings(page) == ["France (FRA)", "United States of America (USA)"]
    assert "1 agreement in force on 1980-01-01" in page.text

    page = client.get("/treaties-in-force?on=1990-01-01&by=party").page
    assert group_headings(page) == [
        "France (FRA)",
        "Spain (ESP)",
        "United States of America (USA)",
    ]
    usa = page.by_id("group-3").parent
    assert [row[1] for row in usa.rows()] == ["NATO", "INF Treaty"]
    assert "Secret pact" not in page.text  # public readers see public agreements only

    after_inf = client.get("/treaties-in-force?on=2019-08-02").page
    assert "INF Treaty" not in after_inf.text


def test_treaties_in_force_by_subject_and_region(app, client, sign_in, alliances):
    page = client.get("/treaties-in-force?on=1990-01-01&by=subject").page
    assert group_headings(page) == ["Alliance / defence pact", "Arms control"]
    page = client.get("/treaties-in-force?on=1990-01-01&by=region").page
    assert group_headings(page) == ["Europe", "Global"]
    secret_reader = sign_in("viewer", "secret")
    page = secret_reader.get("/treaties-in-force?on=1990-01-01&by=subject").page
    assert "Secret pact" in page.text


def test_treaties_in_force_with_a_bad_date_explains_and_uses_today(app, client, alliances):
    response = client.get("/treaties-in-force?on=1990-13-01&by=nonsense")
    assert response.status_code == 422
    assert "Enter a date as YYYY-MM-DD" in response.page.error("on")
    assert response.page.value("on") == "1990-13-01"


def test_treaties_in_force_reads_participation_in_a_fixed_number_of_queries(
    app, client, count_queries, make_agreement, make_party, make_action
):
    for number in range(12):
        agreement = make_agreement(title=f"Pact {number}")
        make_action(agreement, make_party(), "ratification", "1949-08-24")
    db.session.commit()
    with count_queries() as statements:
        response = client.get("/treaties-in-force?on=1990-01-01")
    assert response.status_code == 200
    assert len(statements) < 15, statements


# --- history ---------------------------------------------------------------------------------


def test_each_record_page_lists_its_changes_with_field_differences(
    app, sign_in, make_party, make_body, make_agreement
):
    party = make_party(name="Kingdom of Testland")
    parties.update(ACTOR, party, {"name": "Republic of Testland"}, reason="Change of regime")
    body = make_body(name="Committee on Treaties")
    agreement = make_agreement()
    obligation = obligations.create(
        ACTOR, {"agreement_id": agreement.id, "title": "Report yearly", "kind": "reporting"}
    )
    obligations.update(ACTOR, obligation, {"title": "Report every year"}, reason="Clearer")
    secret = obligations.create(
        ACTOR,
        {
            "agreement_id": agreement.id,
            "title": "Hidden annex duty",
            "kind": "other",
            "classification": "secret",
        },
    )
    db.session.commit()
    reader = sign_in("viewer", "public")

    def history(url):
        return reader.get(url).page.by_id("history-heading").parent.text

    assert "Name: Kingdom of Testland → Republic of Testland" in history(f"/parties/{party.id}")
    assert "Change of regime" in history(f"/parties/{party.id}")
    assert "Name: — → Committee on Treaties" in history(f"/oversight-bodies/{body.id}")
    text = history(f"/obligations/{obligation.id}")
    assert "Title: Report yearly → Report every year" in text
    assert "system:tests" in text
    agreement_history = history(f"/agreements/{agreement.id}")
    assert "Report every year" in agreement_history
    assert "Hidden annex duty" not in agreement_history
    assert reader.get(f"/obligations/{secret.id}").status_code == 404
