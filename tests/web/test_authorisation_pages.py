"""The authorisation pages: rules, status changes with an override, calendar uploads, and the
monthly report to the legislature with its classified annex and downloads."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from registry.agreements.models import Agreement
from registry.authorizations.models import AuthorizationRule
from registry.authorizations.services import authorization_rules
from registry.core.audit.models import AuditEvent
from registry.core.enums import AgreementStatus, AuditAction
from registry.extensions import db
from registry.oversight.models import SittingDay

from support import ACTOR, count_rows

SENATE_RULE = {
    "name": "US treaty: Senate advice and consent",
    "jurisdiction": "USA",
    "legal_nature": "treaty",
    "requirement": "advice_and_consent",
    "trigger": "submission",
    "majority": "two_thirds_present",
    "members": "100",
    "required_before_force": True,
}


def test_an_admin_adds_a_rule_by_form_and_errors_name_the_field(sign_in):
    admin = sign_in("admin")
    refused = admin.submit(
        "/authorisation-rules/new",
        {**SENATE_RULE, "jurisdiction": "us", "period_length": "21"},
    )
    assert refused.status_code == 422
    assert "ISO 3166-1 alpha-3" in refused.page.error("jurisdiction")
    assert "Say what the period counts" in refused.page.error("period_unit")
    assert refused.page.value("name") == SENATE_RULE["name"]  # nothing typed is lost
    assert count_rows(AuthorizationRule) == 0

    saved = admin.submit("/authorisation-rules/new", SENATE_RULE)
    assert saved.status_code == 302
    rule = db.session.scalars(select(AuthorizationRule)).one()
    assert (rule.majority.value, rule.members, rule.required_before_force) == (
        "two_thirds_present",
        100,
        True,
    )
    page = admin.get(saved.headers["Location"]).page
    assert page.title == SENATE_RULE["name"]
    assert "Two thirds of those present and voting (of 100 members)" in page.text


def test_an_editor_may_read_rules_but_not_change_them(sign_in):
    rule = authorization_rules.create(
        ACTOR, {k: v for k, v in SENATE_RULE.items() if k != "members"}
    )
    editor = sign_in("editor")
    assert editor.get("/authorisation-rules").status_code == 200
    response = editor.post_with_token(f"/authorisation-rules/{rule.id}/edit", {"name": "Forged"})
    assert response.status_code == 403
    db.session.expire_all()
    assert rule.name == SENATE_RULE["name"]


def test_the_status_page_refuses_entry_into_force_without_consent_and_an_admin_overrides(
    sign_in, make_agreement
):
    authorization_rules.create(ACTOR, {k: v for k, v in SENATE_RULE.items() if k != "members"})
    treaty = make_agreement(status="signed")
    url = f"/agreements/{treaty.id}/status"

    editor = sign_in("editor")
    shown = editor.get(url)
    assert shown.page.root.find("input", name="override") is None  # only admins may override
    refused = editor.submit(url, {"status": "in_force", "reason": "Ratified"})
    assert refused.status_code == 422
    assert "needs an approved authorisation step under US treaty" in refused.page.error("status")
    assert refused.page.value("reason") == "Ratified"
    forged = editor.submit(url, {"status": "in_force", "reason": "Ratified", "override": True})
    assert forged.status_code == 422
    assert "Only an administrator may override" in forged.page.text

    admin = sign_in("admin")
    no_reason = admin.submit(url, {"status": "in_force", "override": True})
    assert no_reason.status_code == 422
    assert "Give the reason" in no_reason.page.error("reason")
    done = admin.submit(url, {"status": "in_force", "override": True, "reason": "War powers"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Agreement, treaty.id).status == AgreementStatus.IN_FORCE
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_id == treaty.id).order_by(AuditEvent.id.desc())
    ).first()
    assert event.reason == "Authorisation rule overridden: War powers"


def test_a_sitting_calendar_uploads_whole_or_not_at_all(sign_in, make_body):
    body = make_body(name="House of Uploads")
    editor = sign_in("editor")
    url = f"/oversight-bodies/{body.id}/sitting-days/upload"
    token = editor.csrf_token()

    def upload(content: bytes):
        return editor.post(
            url,
            data={"csrf_token": token, "file": (io.BytesIO(content), "calendar.csv")},
            content_type="multipart/form-data",
        )

    refused = upload(b"date\n2026-01-12\n2026-01-14\n2026-01-13\n")
    assert refused.status_code == 422
    assert "Line 4: 2026-01-13 comes before 2026-01-14 on line 3" in refused.page.error("file")
    assert upload(b"\xff\xfe2026").status_code == 422
    assert upload(b"").status_code == 422
    assert count_rows(SittingDay) == 0

    saved = upload(b"2026-01-12\n2026-01-13\n2026-01-14\n")
    assert saved.status_code == 302
    assert count_rows(SittingDay) == 3
    assert "3 sitting days added, 2026-01-12 to 2026-01-14." in editor.get(
        saved.headers["Location"]
    ).page.flashes("success")


def _month_of_agreements(make_agreement):
    make_agreement(
        title="Public Defence Arrangement",
        legal_nature="executive_agreement",
        concluded_on="2026-03-10",
        entered_into_force_on="2026-03-20",
        legal_authority="10 U.S.C. §2342 (acquisition and cross-servicing)",
        implementing_authority="None needed",
    )
    make_agreement(
        title="Secret Intelligence Annex",
        concluded_on="2026-03-03",
        entered_into_force_on=None,
        classification="secret",
    )
    make_agreement(title="Older Treaty", concluded_on="2026-02-27", entered_into_force_on=None)
    authorization_rules.create(
        ACTOR,
        {
            "name": "US agreement: publication within 120 days of entry into force",
            "jurisdiction": "USA",
            "legal_nature": "executive_agreement",
            "requirement": "publication",
            "trigger": "entry_into_force",
            "period_length": 120,
            "period_unit": "calendar_days",
        },
    )
    db.session.commit()


def test_the_monthly_report_keeps_classified_items_in_an_annex_for_the_cleared(
    sign_in, make_agreement
):
    _month_of_agreements(make_agreement)
    cleared = sign_in("viewer", "secret").get("/reports/legislature?month=2026-03").page
    rows = [row.text for row in list(cleared.by_id("main-heading").parent.find_all("tr"))[1:]]
    assert [row.split(" AGR")[0] for row in rows] == [
        "2026-03-10 Signed or concluded",
        "2026-03-20 Entered into force",
    ]
    assert "10 U.S.C. §2342" in rows[0]
    assert "due by 2026-07-18" in rows[0] or "overdue since 2026-07-18" in rows[0]
    annex = cleared.by_id("annex-heading").parent.text
    assert "Secret Intelligence Annex" in annex
    assert "Older Treaty" not in cleared.text

    public = sign_in("viewer", "public").get("/reports/legislature?month=2026-03").page
    assert public.by_id("annex-heading") is None
    assert "Secret Intelligence Annex" not in public.text


def test_the_monthly_report_downloads_as_csv_and_json_and_each_download_is_audited(
    sign_in, make_agreement
):
    _month_of_agreements(make_agreement)
    auditor = sign_in("auditor", "restricted")
    csv_response = auditor.get("/reports/legislature.csv?month=2026-03")
    assert csv_response.status_code == 200
    lines = csv_response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("section,event,event_on,reference,title")
    assert len(lines) == 3 and "Secret" not in csv_response.get_data(as_text=True)

    document = json.loads(auditor.get("/reports/legislature.json?month=2026-03").data)
    assert document["month"] == "2026-03"
    assert [item["event"] for item in document["items"]] == [
        "Signed or concluded",
        "Entered into force",
    ]
    assert document["items"][0]["publication_due_on"] == "2026-07-18"
    assert document["classified_annex"] == []
    exports = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == AuditAction.EXPORT,
            AuditEvent.entity_type == "legislature_report",
        )
    ).all()
    assert [event.changes["format"] for event in exports] == ["csv", "json"]
