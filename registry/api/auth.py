"""Who is calling the API: a personal token (Bearer) or the browser session.

A token request is counted against the token's per-minute limit before anything else; a
session request that writes must carry the session's CSRF token in `X-CSRFToken`.
"""

from __future__ import annotations

import functools
import math

from flask import current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError as CsrfInvalid

from registry.api.errors import error_response
from registry.api.tokens import count_request, find_token
from registry.core.db import utcnow
from registry.core.permissions import Permission, can
from registry.core.transaction import commit_separately
from registry.web.access import PUBLIC, record_refusal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CHALLENGE = ("WWW-Authenticate", 'Bearer realm="registry"')


def authenticate():
    """Run before every API view: identify the caller, count the request, check CSRF."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        token = find_token(secret.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return error_response(
                401,
                "The API token is missing, malformed, revoked or unknown.",
                headers=[CHALLENGE],
            )
        g._login_user = token.user  # flask-login's current user for this request only
        return _count(token)
    if request.method not in SAFE_METHODS and current_user.is_authenticated:
        try:
            validate_csrf(request.headers.get("X-CSRFToken"))
        except CsrfInvalid:
            return error_response(
                400,
                "A write signed in by session needs the page's CSRF token in the X-CSRFToken "
                "header; scripts should use an API token instead.",
            )
    return None


def _count(token):
    limit = current_app.config["API_REQUESTS_PER_MINUTE"]
    now = utcnow()
    with commit_separately():  # counted even if the request then fails
        used, resets_at = count_request(token, now, limit)
    wait = max(1, math.ceil((resets_at - now).total_seconds()))
    g.rate_limit_headers = [
        ("X-RateLimit-Limit", str(limit)),
        ("X-RateLimit-Remaining", str(max(0, limit - used))),
        ("X-RateLimit-Reset", str(wait)),
    ]
    if used > limit:
        return error_response(
            429,
            f"This token may make {limit} requests a minute; wait {wait} s and try again.",
            headers=[("Retry-After", str(wait)), *g.rate_limit_headers],
        )
    return None


def add_rate_limit_headers(response):
    for name, value in g.get("rate_limit_headers", ()):
        response.headers[name] = value
    return response


def needs(permission: Permission | None):
    """Declare and enforce what an API operation needs; None: anyone, public records only."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if permission is not None:
                if not current_user.is_authenticated:
                    return error_response(
                        401, "Sign in or send an API token to use this.", headers=[CHALLENGE]
                    )
                if not can(current_user, permission):
                    record_refusal(f"{request.method} {request.path} needs {permission.value}")
                    return error_response(
                        403, f"Your role does not allow this (it needs {permission.label})."
                    )
            return view(*args, **kwargs)

        wrapper.access = PUBLIC if permission is None else permission
        return wrapper

    return decorate
