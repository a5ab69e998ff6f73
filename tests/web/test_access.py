"""The access matrix: every route, for anonymous readers and each role, against the permissions.

Routes come from the application's URL map, so a route added later is checked without
touching this file; one whose view does not declare its access fails.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from registry.api import tokens as api_tokens
from registry.authorizations.services import authorization_rules, authorizations
from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction, Role
from registry.core.permissions import ROLE_PERMISSIONS, Permission
from registry.extensions import db
from registry.obligations.services import measurements, obligations
from registry.oversight.services import sitting_days
from registry.reviews.models import ExitStep
from registry.reviews.services import reviews
from registry.web.access import PUBLIC, SIGNED_IN

from support import ACTOR, count_rows

ANONYMOUS = None
ACTORS = [ANONYMOUS, *Role]


def actor_id(role: Role | None) -> str:
    return "anonymous" if role is None else role.value


@pytest.fixture
def records(make_party, make_agreement, make_action, make_body, make_user) -> dict[str, int]:
    """One live record of every kind a route can name, by the URL segment naming it."""
    party = make_party(iso3="TST")
    agreement = make_agreement()
    action = make_action(agreement, party, "signature", "1949-04-04")
    body = make_body()
    day = sitting_days.create(ACTOR, {"body_id": body.id, "sat_on": "2026-01-05"})
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
    measurement = measurements.create(
        ACTOR,
        {
            "obligation_id": obligation.id,
            "party_id": party.id,
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "value": "2.1",
            "unit": "% of GDP",
            "source": "Annual report",
        },
    )
    step = authorizations.create(
        ACTOR, {"agreement_id": agreement.id, "requirement": "advice_and_consent"}
    )
    review = reviews.create(ACTOR, {"agreement_id": agreement.id, "due_on": "2027-01-01"})
    rule = authorization_rules.create(
        ACTOR,
        {
            "name": "Test treaty consent",
            "jurisdiction": "TST",
            "legal_nature": "treaty",
            "requirement": "advice_and_consent",
            "trigger": "submission",
        },
    )
    user = make_user(role="viewer")
    token, _ = api_tokens.create_token(user, {"name": "Report script"})
    withdrawing = reviews.create(
        make_user(role="editor"),
        {
            "agreement_id": agreement.id,
            "due_on": "2025-12-31",
            "status": "submitted",
            "compliance": "non_compliant",
            "outcome": "withdraw",
            "findings": "Obligations are not being met.",
        },
    )
    reviews.approve(make_user(role="reviewer"), withdrawing, completed_on=date(2026, 1, 5))
    exit_step = db.session.scalar(select(ExitStep).where(ExitStep.review_id == withdrawing.id))
    db.session.commit()
    return {
        "agreements": agreement.id,
        "treaty-actions": action.id,
        "parties": party.id,
        "oversight-bodies": body.id,
        "sitting-days": day.id,
        "obligations": obligation.id,
        "measurements": measurement.id,
        "authorizations": step.id,
        "reviews": review.id,
        "exit-steps": exit_step.id,
        "authorisation-rules": rule.id,
        "users": user.id,
        "tokens": token.id,
    }


def routes(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def page_routes(app):
    """The routes that answer with pages; the JSON API has its own matrix (tests/web/api)."""
    return [rule for rule in routes(app) if not rule.endpoint.startswith("api.")]


def concrete_url(rule, ids: dict[str, int]) -> str:
    """The rule's path with each `<int:...>` replaced by the id of a real record."""

    def substitute(match):
        segment, converter, name = match.groups()
        if converter != "int" or segment not in ids:
            pytest.fail(
                f"{rule.rule}: no test record for /{segment}/<{converter}:{name}>; "
                "add one to the `records` fixture"
            )
        return f"/{segment}/{ids[segment]}"

    url = re.sub(r"/([\w-]+)/<(?:(\w+):)?(\w+)>", substitute, rule.rule)
    assert "<" not in url, f"{rule.rule}: an argument the test cannot fill"
    return url


def denied_events() -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == AuditAction.ACCESS_DENIED)
        .order_by(AuditEvent.id)
    ).all()


def test_every_route_declares_who_may_use_it(app):
    undeclared = [
        f"{rule.rule} ({rule.endpoint})"
        for rule in routes(app)
        if not hasattr(app.view_functions[rule.endpoint], "access")
    ]
    assert not undeclared, "routes without an access declaration: " + ", ".join(undeclared)
    for rule in routes(app):
        access = app.view_functions[rule.endpoint].access
        assert access in (PUBLIC, SIGNED_IN) or isinstance(access, Permission), (
            f"{rule.rule}: unknown access {access!r}"
        )


def test_the_matrix_covers_the_staff_interface(app):
    """A sanity check on the route list the matrix walks (it must not come out empty)."""
    endpoints = {rule.endpoint for rule in routes(app)}
    assert {"web.dashboard", "agreements.agreement_edit", "users.index", "users.logout"} <= (
        endpoints
    )


@pytest.mark.parametrize("role", ACTORS, ids=actor_id)
def test_every_route_answers_each_reader_as_the_permission_table_says(
    app, records, client, sign_in, role
):
    browser = client if role is ANONYMOUS else sign_in(role.value, "secret")
    token = browser.csrf_token()
    failures: list[str] = []
    # Signing out ends the session the other routes need: it goes last.
    for rule in sorted(page_routes(app), key=lambda rule: rule.endpoint == "users.logout"):
        access = getattr(app.view_functions[rule.endpoint], "access", None)
        if access is None:
            failures.append(f"{rule.rule}: the view declares no access")
            continue
        url = concrete_url(rule, records)
        method = "GET" if "GET" in rule.methods else "POST"
        denied_before = len(denied_events())
        if method == "GET":
            response = browser.get(url)
        else:
            response = browser.post(url, data={"csrf_token": token})
        status = response.status_code
        response.close()  # a streamed download stops here, as when a browser goes away
        location = urlsplit(response.headers.get("Location", ""))
        to_login = status == 302 and location.path == "/login"
        denied = denied_events()[denied_before:]

        def fail(problem, url=url, method=method, access=access):
            label = access if isinstance(access, str) else f"permission {access.value}"
            failures.append(f"{method} {url} [{label}] as {actor_id(role)}: {problem}")

        if status >= 500:
            fail(f"server error {status}")
            continue
        if access == PUBLIC:
            if status in (401, 403) or to_login:
                fail(f"a public route refused with {status} {location.path}")
        elif role is ANONYMOUS:
            next_values = parse_qs(location.query).get("next", [])
            if not to_login:
                fail(f"expected a redirect to /login, got {status} {location.path}")
            elif not next_values or urlsplit(next_values[0]).path != url:
                fail(f"the redirect to /login does not carry next={url}: {location.query}")
        elif access == SIGNED_IN or access in ROLE_PERMISSIONS[role]:
            if status in (401, 403) or to_login:
                fail(f"allowed, but answered {status} {location.path}")
            if denied:
                fail("allowed, but an access_denied event was written")
        else:
            if status != 403:
                fail(f"expected 403, got {status} {location.path}")
            if len(denied) != 1:
                fail(f"expected one access_denied event, found {len(denied)}")
            elif denied[0].actor_id != browser.user.id or url not in (denied[0].reason or ""):
                fail(f"the access_denied event names {denied[0].actor_label}: {denied[0].reason}")
    assert not failures, f"{len(failures)} route(s) break the permission table:\n" + "\n".join(
        failures
    )


FORGED_WRITES = [
    pytest.param("/agreements/{agreements}/edit", {"title": "Forged title"}, id="edit-agreement"),
    pytest.param("/agreements/new", {"title": "Forged treaty"}, id="create-agreement"),
    pytest.param("/agreements/{agreements}/archive", {"reason": "Forged"}, id="archive"),
    pytest.param("/parties/{parties}/edit", {"name": "Forgedland"}, id="edit-party"),
    pytest.param("/reviews/{reviews}/approve", {}, id="approve-review"),
]


@pytest.mark.parametrize(("path", "data"), FORGED_WRITES)
def test_a_viewer_forging_a_write_gets_403_and_nothing_changes(app, records, sign_in, path, data):
    from registry.agreements.models import Agreement
    from registry.parties.models import Party
    from registry.reviews.models import Review

    viewer = sign_in("viewer", "secret")
    agreement = db.session.get(Agreement, records["agreements"])
    party = db.session.get(Party, records["parties"])
    review = db.session.get(Review, records["reviews"])
    before = {
        "agreement": (agreement.title, agreement.version, agreement.archived_at),
        "party": (party.name, party.version),
        "review": (review.status, review.version),
        "agreements": count_rows(Agreement),
        "changes": db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action != AuditAction.ACCESS_DENIED)
        ),
    }
    denied_before = len(denied_events())
    url = path.format(**records)
    version = {"version": str(agreement.version)}
    response = viewer.post(url, data={"csrf_token": viewer.csrf_token(), **version, **data})
    assert response.status_code == 403
    assert "Not allowed" in response.page.title
    db.session.expire_all()
    after = {
        "agreement": (agreement.title, agreement.version, agreement.archived_at),
        "party": (party.name, party.version),
        "review": (review.status, review.version),
        "agreements": count_rows(Agreement),
        "changes": db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action != AuditAction.ACCESS_DENIED)
        ),
    }
    assert after == before
    denied = denied_events()[denied_before:]
    assert [event.actor_id for event in denied] == [viewer.user.id]
