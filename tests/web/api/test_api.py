"""The JSON API: access by role and clearance, the contract, versions and errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.agreements.models import Agreement
from registry.agreements.schemas import AgreementSchema
from registry.api.models import ApiTokenUsage
from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction
from registry.extensions import db
from registry.parties.models import Party

from support import BAD_IDS, count_rows, events_for

AGREEMENT = {
    "title": "Treaty of Testing",
    "instrument_type": "arms_control",
    "form": "bilateral",
    "legal_nature": "treaty",
    "region": "europe",
    "concluded_on": "2010-04-08",
    "entered_into_force_on": "2011-02-05",
}


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status
    assert response.content_type == "application/json"
    body = response.get_json()
    assert body["status"] == status
    assert body["message"] and body["error"]
    return body


# --- the contract ------------------------------------------------------------------------------


def test_the_openapi_document_is_built_from_the_service_schemas(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    for path in (
        "/api/v1/agreements",
        "/api/v1/agreements/{record_id}",
        "/api/v1/agreements/{record_id}/parties",
        "/api/v1/parties",
        "/api/v1/treaty-actions",
        "/api/v1/obligations",
        "/api/v1/measurements",
        "/api/v1/oversight-bodies",
        "/api/v1/authorizations",
        "/api/v1/reviews",
        "/api/v1/deadlines",
        "/api/v1/audit-events",
    ):
        assert path in document["paths"], path
    agreement = document["components"]["schemas"]["Agreement"]
    assert set(agreement["properties"]) == set(AgreementSchema().fields)
    assert agreement["properties"]["title"]["maxLength"] == 2000
    assert agreement["additionalProperties"] is False
    record = document["components"]["schemas"]["AgreementRecord"]
    assert {"id", "version", "created_at"} <= set(record["properties"])
    create = document["paths"]["/api/v1/agreements"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Agreement"
    )


def test_the_documentation_page_lists_every_operation(app, client):
    page = client.get("/api/v1/docs").page
    assert "API" in page.title
    text = page.text
    assert "PATCH /api/v1/agreements/{record_id}" in text
    assert "GET /api/v1/audit-events" in text
    assert "If-Match" in text


# --- who may do what ---------------------------------------------------------------------------


def test_anonymous_callers_read_public_agreements_only(app, client, make_agreement):
    make_agreement(title="Open treaty")
    make_agreement(title="Quiet treaty", classification="secret")
    body = client.get("/api/v1/agreements").get_json()
    assert [item["title"] for item in body["items"]] == ["Open treaty"]
    assert body["total"] == 1
    assert_error_shape(client.get("/api/v1/parties"), 401)
    assert client.get("/api/v1/parties").headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_carries_its_owners_clearance(app, api_as, make_agreement):
    secret = make_agreement(title="Quiet treaty", classification="secret")
    restricted_reader = api_as("viewer", "restricted")
    assert restricted_reader.get("/api/v1/agreements").get_json()["total"] == 0
    assert_error_shape(restricted_reader.get(f"/api/v1/agreements/{secret.id}"), 404)
    assert_error_shape(restricted_reader.get(f"/api/v1/agreements/{secret.id}/parties"), 404)
    cleared = api_as("viewer", "secret")
    assert cleared.get(f"/api/v1/agreements/{secret.id}").get_json()["title"] == "Quiet treaty"


@pytest.mark.parametrize(
    ("role", "read", "write", "archive", "audit"),
    [
        ("viewer", 200, 403, 403, 403),
        ("editor", 200, 201, 200, 403),
        ("reviewer", 200, 201, 403, 403),
        ("auditor", 200, 403, 403, 200),
        ("admin", 200, 201, 200, 200),
    ],
)
def test_each_role_may_do_what_the_permission_table_says(
    app, api_as, make_party, role, read, write, archive, audit
):
    party = make_party()
    caller = api_as(role)
    assert caller.get(f"/api/v1/parties/{party.id}").status_code == read
    created = caller.post("/api/v1/parties", json={"name": "Newland", "kind": "state"})
    assert created.status_code == write
    archived = caller.post(f"/api/v1/parties/{party.id}/archive", json={"reason": "Duplicate"})
    assert archived.status_code == archive
    assert caller.get("/api/v1/audit-events").status_code == audit
    refusals = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.ACCESS_DENIED)
    ).all()
    expected_refusals = [write, archive, audit].count(403)
    assert len(refusals) == expected_refusals
    assert all(event.actor_id == caller.user.id for event in refusals)


def test_a_revoked_or_unknown_token_is_refused(app, api_as, sign_in):
    caller = api_as("editor")
    assert caller.get("/api/v1/parties").status_code == 200
    from registry.api import tokens

    tokens.revoke_token(caller.user, tokens.live_tokens(caller.user)[0])
    db.session.commit()
    assert_error_shape(caller.get("/api/v1/parties"), 401)
    for header in (
        "Bearer trk_not-a-token",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer " + "x" * 5000,
    ):
        caller.environ_base["HTTP_AUTHORIZATION"] = header
        assert_error_shape(caller.get("/api/v1/parties"), 401)


def test_a_deactivated_users_token_stops_working(app, api_as):
    from registry.users.services import users

    caller = api_as("editor")
    users.update(caller.user, caller.user, {"active": False})
    db.session.commit()
    assert_error_shape(caller.get("/api/v1/parties"), 401)


# --- reading -----------------------------------------------------------------------------------


def test_lists_filter_sort_and_paginate(app, api_as, make_party):
    for name in ("Alphaland", "Betaland", "Gammaland"):
        make_party(name=name)
    make_party(name="Deltaorg", kind="international_organisation")
    caller = api_as("viewer")
    body = caller.get("/api/v1/parties?kind=state&sort=name&order=desc&per_page=2").get_json()
    assert [item["name"] for item in body["items"]] == ["Gammaland", "Betaland"]
    assert (body["total"], body["pages"], body["page"]) == (3, 2, 1)
    second = caller.get("/api/v1/parties?kind=state&sort=name&order=desc&per_page=2&page=2")
    assert [item["name"] for item in second.get_json()["items"]] == ["Alphaland"]
    assert caller.get("/api/v1/parties?q=delta").get_json()["total"] == 1


@pytest.mark.parametrize(
    "query",
    [
        "per_page=0",
        "per_page=101",
        "page=-1",
        "sort=password",
        "order=sideways",
        "kind=planet",
        "colour=blue",
    ],
)
def test_bad_list_parameters_answer_400_naming_the_parameter(app, api_as, query):
    body = assert_error_shape(api_as("viewer").get(f"/api/v1/parties?{query}"), 400)
    assert query.split("=")[0] in body["errors"]


def test_an_agreements_parties_on_a_date(app, api_as, make_agreement, make_party, make_action):
    treaty = make_agreement(title="North Atlantic Treaty")
    founder, latecomer = make_party(name="Norway"), make_party(name="Finland")
    make_action(treaty, founder, "ratification", "1949-08-24", "1949-08-24")
    make_action(treaty, latecomer, "accession", "2023-04-04", "2023-04-04")
    caller = api_as("viewer")
    then = caller.get(f"/api/v1/agreements/{treaty.id}/parties?as_of=2000-01-01").get_json()
    assert then["as_of"] == "2000-01-01"
    assert [(p["name"], p["standing"]) for p in then["parties"] if p["standing"] == "party"] == [
        ("Norway", "party")
    ]
    now = caller.get(f"/api/v1/agreements/{treaty.id}/parties?as_of=2024-01-01").get_json()
    assert {p["name"] for p in now["parties"] if p["standing"] == "party"} == {
        "Norway",
        "Finland",
    }
    assert_error_shape(caller.get(f"/api/v1/agreements/{treaty.id}/parties?as_of=soon"), 400)


def test_deadlines_and_the_audit_trail(app, api_as, make_obligation, today):
    make_obligation(days=10, title="Report to the committee")
    auditor = api_as("auditor")
    deadlines = auditor.get("/api/v1/deadlines").get_json()
    assert [(item["kind"], item["title"], item["due_on"]) for item in deadlines["items"]] == [
        ("obligation_due", "Report to the committee", (today + timedelta(days=10)).isoformat())
    ]
    first = auditor.get("/api/v1/audit-events?limit=1").get_json()
    assert len(first["items"]) == 1 and first["next_after"] == first["items"][0]["id"]
    rest = auditor.get(f"/api/v1/audit-events?after={first['next_after']}&limit=1000").get_json()
    assert rest["next_after"] is None
    assert all(event["id"] > first["next_after"] for event in rest["items"])
    assert_error_shape(auditor.get("/api/v1/deadlines?start=2027-01-01&end=2026-01-01"), 400)


# --- writing -----------------------------------------------------------------------------------


def test_create_answers_201_with_location_etag_and_an_audit_event(app, api_as):
    caller = api_as("editor")
    response = caller.post("/api/v1/agreements", json=AGREEMENT)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/agreements/{body['id']}"
    assert response.headers["ETag"] == '"v1"'
    agreement = db.session.get(Agreement, body["id"])
    assert agreement.title == "Treaty of Testing"
    [event] = events_for(agreement)
    assert event.actor_id == caller.user.id and event.action == AuditAction.CREATE


def test_etags_make_reads_conditional_and_refuse_stale_writes(app, api_as, make_party):
    party = make_party(name="Oldland")
    db.session.commit()
    alice, bob = api_as("editor"), api_as("editor")
    read = alice.get(f"/api/v1/parties/{party.id}")
    etag = read.headers["ETag"]
    assert etag == '"v1"'
    assert alice.get(
        f"/api/v1/parties/{party.id}", headers={"If-None-Match": etag}
    ).status_code == (304)
    changed = bob.patch(
        f"/api/v1/parties/{party.id}", json={"name": "Newland"}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200 and changed.headers["ETag"] == '"v2"'
    stale = alice.patch(
        f"/api/v1/parties/{party.id}", json={"name": "Otherland"}, headers={"If-Match": etag}
    )
    body = assert_error_shape(stale, 412)
    assert "version 2" in body["message"]
    db.session.expire_all()
    assert db.session.get(Party, party.id).name == "Newland"
    fresh = alice.patch(
        f"/api/v1/parties/{party.id}",
        json={"short_name": "New"},
        headers={"If-Match": changed.headers["ETag"]},
    )
    assert fresh.status_code == 200
    assert (fresh.get_json()["name"], fresh.get_json()["short_name"]) == ("Newland", "New")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**AGREEMENT, "title": ""}, "title"),
        ({**AGREEMENT, "title": "x" * 2001}, "title"),
        ({**AGREEMENT, "region": "atlantis"}, "region"),
        ({**AGREEMENT, "concluded_on": "2027-02-30"}, "concluded_on"),
        ({**AGREEMENT, "entered_into_force_on": "2001-01-01"}, "entered_into_force_on"),
        ({**AGREEMENT, "parent_id": 999_999}, "parent_id"),
        ({**AGREEMENT, "password": "x"}, "password"),
        ({**AGREEMENT, "title": "Null\x00byte"}, "title"),
    ],
)
def test_invalid_records_answer_422_by_field_and_write_nothing(app, api_as, payload, field):
    caller = api_as("editor")
    body = assert_error_shape(caller.post("/api/v1/agreements", json=payload), 422)
    assert field in body["errors"]
    assert count_rows(Agreement) == 0


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"text"', b"", "\udcff".encode("utf-8", "surrogatepass")],
    ids=["malformed", "array", "string", "empty", "bad-utf8"],
)
def test_bodies_that_are_not_a_json_object_answer_400(app, api_as, body):
    caller = api_as("editor")
    response = caller.post(
        "/api/v1/parties", data=body, headers={"Content-Type": "application/json"}
    )
    assert_error_shape(response, 400)
    assert count_rows(Party) == 0


def test_a_huge_body_is_refused_as_json(app, api_as):
    caller = api_as("editor")
    response = caller.post("/api/v1/parties", json={"name": "x" * 3_000_000, "kind": "state"})
    assert_error_shape(response, 413)


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_bad_references_answer_422(app, api_as, make_agreement, make_party, bad_id):
    agreement = make_agreement()
    caller = api_as("editor")
    payload = {"agreement_id": agreement.id, "party_id": bad_id, "kind": "signature"}
    response = caller.post("/api/v1/treaty-actions", json={**payload, "effective_on": "2020-01-01"})
    assert "party_id" in assert_error_shape(response, 422)["errors"]


def test_unknown_records_paths_and_methods_answer_json(app, api_as):
    caller = api_as("editor")
    assert_error_shape(caller.get("/api/v1/parties/999999"), 404)
    assert_error_shape(caller.get("/api/v1/parties/99999999999"), 404)
    assert_error_shape(caller.get("/api/v1/nothing-here"), 404)
    response = caller.delete("/api/v1/parties")
    assert_error_shape(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_rules_of_the_services_answer_409(app, api_as, make_party):
    party = make_party()
    caller = api_as("editor")
    assert caller.post(
        f"/api/v1/parties/{party.id}/archive", json={"reason": "Gone"}
    ).status_code == (200)
    again = caller.post(f"/api/v1/parties/{party.id}/archive", json={"reason": "Gone"})
    assert "already archived" in assert_error_shape(again, 409)["message"]
    restored = caller.post(f"/api/v1/parties/{party.id}/restore", json={})
    assert restored.status_code == 200  # restoring needs no reason
    no_reason = caller.post(f"/api/v1/parties/{party.id}/archive", json={"reason": " "})
    assert "reason" in assert_error_shape(no_reason, 422)["errors"]


# --- sessions and limits -----------------------------------------------------------------------


def test_a_signed_in_session_reads_and_writes_with_its_csrf_token(app, sign_in):
    browser = sign_in("editor", "secret")
    assert browser.get("/api/v1/parties").status_code == 200
    refused = browser.post("/api/v1/parties", json={"name": "Newland", "kind": "state"})
    assert "X-CSRFToken" in assert_error_shape(refused, 400)["message"]
    accepted = browser.post(
        "/api/v1/parties",
        json={"name": "Newland", "kind": "state"},
        headers={"X-CSRFToken": browser.csrf_token()},
    )
    assert accepted.status_code == 201


def test_tokens_are_rate_limited_across_processes_by_the_database(app, api_as):
    caller = api_as("viewer")
    limit = app.config["API_REQUESTS_PER_MINUTE"]
    app.config["API_REQUESTS_PER_MINUTE"] = 3
    try:
        answers = [caller.get("/api/v1/parties") for _ in range(4)]
    finally:
        app.config["API_REQUESTS_PER_MINUTE"] = limit
    assert [answer.status_code for answer in answers[:3]] == [200, 200, 200]
    assert answers[2].headers["X-RateLimit-Remaining"] == "0"
    body = assert_error_shape(answers[3], 429)
    assert "3 requests a minute" in body["message"]
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60
    [usage] = db.session.scalars(select(ApiTokenUsage)).all()
    assert usage.requests == 4


def test_the_review_workflow_through_the_api(app, api_as, make_agreement):
    agreement = make_agreement(review_cadence="periodic", review_interval="P5Y")
    db.session.commit()
    editor, reviewer = api_as("editor"), api_as("reviewer")
    created = editor.post(
        "/api/v1/reviews",
        json={"agreement_id": agreement.id, "due_on": "2027-06-30", "is_periodic": True},
    )
    assert created.status_code == 201
    review = created.get_json()
    path = f"/api/v1/reviews/{review['id']}"
    assert editor.post(f"{path}/start").get_json()["status"] == "in_progress"
    incomplete = editor.post(f"{path}/submit")
    assert "compliance" in assert_error_shape(incomplete, 422)["errors"]
    filled = editor.patch(
        path, json={"compliance": "compliant", "outcome": "continue", "findings": "All met."}
    )
    assert filled.status_code == 200
    submitted = editor.post(f"{path}/submit")
    assert submitted.get_json()["status"] == "submitted"
    own = editor.post(f"{path}/approve")
    assert_error_shape(own, 403)  # an editor may not sign off at all
    stale = reviewer.post(f"{path}/approve", headers={"If-Match": created.headers["ETag"]})
    assert_error_shape(stale, 412)
    no_reason = reviewer.post(f"{path}/return", json={})
    assert "reason" in assert_error_shape(no_reason, 422)["errors"]
    approved = reviewer.post(
        f"{path}/approve",
        json={"completed_on": "2027-07-01"},
        headers={"If-Match": submitted.headers["ETag"]},
    )
    assert approved.status_code == 200
    body = approved.get_json()
    assert (body["status"], body["approved_by_id"]) == ("approved", reviewer.user.id)
    change = reviewer.patch(path, json={"findings": "Rewritten"})
    assert "approved review" in assert_error_shape(change, 409)["message"]
    upcoming = reviewer.get(f"/api/v1/reviews?agreement_id={agreement.id}&status=scheduled")
    assert [item["due_on"] for item in upcoming.get_json()["items"]] == ["2032-06-30"]


def test_the_recorder_cannot_approve_their_own_review_through_the_api(app, api_as, make_agreement):
    agreement = make_agreement()
    db.session.commit()
    reviewer = api_as("reviewer")
    review = reviewer.post(
        "/api/v1/reviews",
        json={
            "agreement_id": agreement.id,
            "due_on": "2027-06-30",
            "compliance": "compliant",
            "outcome": "continue",
            "findings": "All met.",
        },
    ).get_json()
    path = f"/api/v1/reviews/{review['id']}"
    reviewer.post(f"{path}/start")
    reviewer.post(f"{path}/submit")
    refused = reviewer.post(f"{path}/approve")
    assert "recorded a review cannot also approve" in assert_error_shape(refused, 409)["message"]
