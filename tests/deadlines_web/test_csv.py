"""The deadline list as CSV: columns, byte-order mark, filters, clearance and formula cells."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction
from registry.deadlines.listing import CSV_COLUMNS
from registry.exports.formats import csv_cell as neutralise
from registry.extensions import db


def read_csv(response) -> list[dict[str, str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_csv_has_the_columns_and_a_byte_order_mark(
    sign_in, make_user, make_body, make_agreement, make_obligation, today
):
    owner = make_user(email="olive@example.org")
    body = make_body(name="Committee on Ärmed Services")
    agreement = make_agreement(title="Treaty of Rows")
    make_obligation(
        agreement, days=-2, title="Überprüfung", owner_id=owner.id, oversight_body_id=body.id
    )
    viewer = sign_in("viewer", "public")

    response = viewer.get("/deadlines.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params.get("charset") == "utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"deadlines-{today}.csv" in disposition
    text = response.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    [row] = read_csv(response)
    assert row == {
        "due_on": (today - timedelta(days=2)).isoformat(),
        "days_left": "-2",  # a number stays a number: only text cells are neutralised
        "kind": "Obligation due",
        "title": "Überprüfung",
        "agreement_reference": agreement.reference,
        "classification": "Public",
        "responsible": "olive@example.org",
        "oversight_body": "Committee on Ärmed Services",
    }


def test_formula_cells_are_neutralised(sign_in, make_agreement, make_obligation):
    agreement = make_agreement()
    make_obligation(agreement, days=1, title='=HYPERLINK("http://evil.example","x")')
    make_obligation(agreement, days=2, title="+1+2")
    make_obligation(agreement, days=3, title="-cmd")
    make_obligation(agreement, days=4, title="@SUM(A1)")
    make_obligation(agreement, days=5, title="Plain = fine")

    rows = read_csv(sign_in("viewer", "public").get("/deadlines.csv"))

    assert [row["title"] for row in rows] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'+1+2",
        "'-cmd",
        "'@SUM(A1)",
        "Plain = fine",
    ]


def test_neutralise_leaves_ordinary_text_alone():
    assert neutralise("Review of NATO") == "Review of NATO"
    assert neutralise("") == ""
    assert neutralise("=1") == "'=1"
    assert neutralise("\t=1") == "'\t=1"


def test_the_csv_applies_the_same_filters_and_clearance(
    sign_in, make_agreement, make_obligation, today
):
    viewer = sign_in("viewer", "restricted")
    make_obligation(make_agreement(), title="Someone else's")
    make_obligation(make_agreement(), title="Mine", owner_id=viewer.user.id)
    make_obligation(make_agreement(), title="Mine but far", owner_id=viewer.user.id, days=600)
    make_obligation(
        make_agreement(classification="secret"), title="Secret and mine", owner_id=viewer.user.id
    )

    everything = [row["title"] for row in read_csv(viewer.get("/deadlines.csv"))]
    assert sorted(everything) == ["Mine", "Someone else's"]
    mine = read_csv(viewer.get("/deadlines.csv", query_string={"mine": "1"}))
    assert [row["title"] for row in mine] == ["Mine"]
    far = {"mine": "1", "to": (today + timedelta(days=700)).isoformat()}
    assert [row["title"] for row in read_csv(viewer.get("/deadlines.csv", query_string=far))] == [
        "Mine",
        "Mine but far",
    ]


def test_the_list_links_to_the_csv_with_its_filters(sign_in, make_obligation):
    make_obligation()
    page = sign_in("viewer", "public").get("/deadlines?kind=obligation_due&mine=1").page
    link = next(a for a in page.main.iter("a") if "/deadlines.csv" in a.attrs.get("href", ""))
    assert "kind=obligation_due" in link.attrs["href"] and "mine=1" in link.attrs["href"]


def test_a_download_is_an_audit_event(sign_in, make_obligation):
    make_obligation()
    viewer = sign_in("viewer", "public")
    viewer.get("/deadlines.csv", query_string={"kind": "obligation_due"})
    db.session.expire_all()
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)
    ).all()
    assert event.actor_id == viewer.user.id
    assert event.entity_type == "deadlines"
    assert event.changes["rows"] == 1
    assert event.changes["format"] == "csv"
    assert event.changes["kind"] == "obligation_due"
