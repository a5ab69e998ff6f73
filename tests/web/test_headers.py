"""Security headers, the session cookie, and friendly error pages that leak nothing."""

from __future__ import annotations

import pytest

from registry import create_app
from registry.web.access import public

from support import ACTOR, count_rows

LEAKS = ("Traceback", 'File "', "werkzeug", "sqlalchemy", "RuntimeError", "secret detail")


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, "no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("path", ["/", "/login", "/agreements", "/no-such-page"])
def test_every_page_carries_a_strict_content_security_policy(client, path):
    response = client.get(path)
    directives = csp_directives(response)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert directives.get("frame-ancestors") == ["'none'"]
    assert directives.get("default-src") == ["'self'"]
    assert directives.get("object-src") == ["'none'"]
    script_sources = directives.get("script-src", directives["default-src"])
    assert "*" not in script_sources and "data:" not in script_sources
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in (
        "same-origin",
        "no-referrer",
        "strict-origin",
        "strict-origin-when-cross-origin",
    )


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie was set"
    return cookies[-1]


def test_the_session_cookie_is_http_only_and_same_site_lax(client, make_user):
    attributes = [a.strip().lower() for a in session_cookie(client.get("/login")).split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    make_user(email="ada@example.org", password="a long enough password")
    signed_in = client.login("ada@example.org", "a long enough password")
    attributes = [a.strip().lower() for a in session_cookie(signed_in).split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def assert_friendly(response, status: int, heading: str):
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert response.page.title == heading
    assert response.page.by_id("content") is not None, "the error page is a full site page"
    body = response.get_data(as_text=True)
    for leak in LEAKS:
        assert leak not in body, f"the {status} page shows {leak!r}"


def test_a_missing_page_is_a_friendly_404(client):
    assert_friendly(client.get("/no-such-page"), 404, "Not found")
    assert_friendly(client.get("/agreements/999999"), 404, "Not found")


@pytest.mark.parametrize(
    "path",
    [
        "/agreements/2147483648",  # beyond a 32-bit id column
        "/agreements/99999999999999999999999",  # beyond any integer column
        "/agreements/9223372036854775808/treaty-actions/new",
    ],
)
def test_an_id_beyond_the_columns_range_is_a_404_not_a_500(sign_in, path):
    assert_friendly(sign_in("editor").get(path), 404, "Not found")


def test_a_refused_page_is_a_friendly_403(sign_in):
    viewer = sign_in("viewer")
    assert_friendly(viewer.get("/agreements/new"), 403, "Not allowed")


def test_a_wrong_method_is_a_friendly_405(client):
    response = client.get("/logout")
    assert_friendly(response, 405, "Not allowed here")
    assert "POST" in response.headers.get("Allow", "")
    assert_friendly(client.delete("/agreements"), 405, "Not allowed here")


def test_an_expired_form_is_a_friendly_400(sign_in):
    editor = sign_in("editor")
    assert_friendly(editor.post("/agreements/new", data={"title": "x"}), 400, "Bad request")


def test_an_unexpected_error_is_a_friendly_500_that_saves_nothing(app, new_client):
    from registry.agreements.models import Agreement
    from registry.agreements.services import agreements
    from registry.extensions import db

    fresh = create_app({"TESTING": True})

    @fresh.get("/boom")
    @public
    def boom():
        data = {
            "title": "Half-made",
            "instrument_type": "other",
            "form": "bilateral",
            "legal_nature": "treaty",
            "region": "global",
        }
        agreements.create(ACTOR, data)
        db.session.flush()
        raise RuntimeError("secret detail of the failure")

    try:
        response = new_client(fresh).get("/boom")
    finally:
        with fresh.app_context():
            db.engine.dispose()
    assert_friendly(response, 500, "Something went wrong")
    assert "Nothing was saved." in response.page.text
    assert csp_directives(response).get("frame-ancestors") == ["'none'"]
    assert count_rows(Agreement) == 0
