"""The HTML interface: security headers, CSRF, error pages and template helpers."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from registry.api.errors import error_response, is_api_request, json_http_error, validation_response
from registry.core.entities import label_of
from registry.core.enums import Classification
from registry.core.errors import BadFilter
from registry.core.permissions import Permission, can
from registry.extensions import csrf, talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

ERROR_TEXT = {
    400: ("Bad request", "The request could not be understood. Check the address or the form."),
    401: ("Sign-in needed", "Sign in to see this page."),
    403: ("Not allowed", "Your role or clearance does not allow this. The refusal was recorded."),
    404: ("Not found", "There is no such page or record, or it is not visible to you."),
    405: ("Not allowed here", "This address does not accept that kind of request."),
    409: ("Conflict", "The record changed or a rule forbids the change."),
    413: ("Too large", "What was sent is larger than the registry accepts."),
    422: ("Invalid input", "Some values were not accepted."),
    429: ("Too many requests", "Wait a moment, then try again."),
    500: (
        "Something went wrong",
        "The registry could not complete the request. Nothing was saved.",
    ),
}


def init_web(app: Flask) -> None:
    csrf.init_app(app)
    talisman.init_app(
        app,
        force_https=False,  # TLS ends at the proxy; links and cookies follow REGISTRY_BASE_URL
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="same-origin",
        strict_transport_security=app.config["SESSION_COOKIE_SECURE"],
    )
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default None means no limit
        app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    app.jinja_env.globals.update(
        can=can,
        Permission=Permission,
        Classification=Classification,
        field_label=label_of,  # history shows a field by the label its form gives it
    )

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "The form expired or did not come from this site. Try again.")

    @app.errorhandler(BadFilter)
    def bad_filter(error):
        if is_api_request():
            return validation_response(error)
        return render_error(
            400,
            "Some filters in this page's address were not accepted. Change or remove:",
            problems=error.messages,
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if is_api_request():
            return json_http_error(error)
        if error.code not in ERROR_TEXT:
            return error
        body, code = render_error(error.code)
        # Keep what the exception says in headers, such as Allow on a 405.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return body, code, headers

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unhandled error")  # the request's changes are rolled back
        if is_api_request():
            return error_response(500, ERROR_TEXT[500][1])
        return render_error(500)


def render_error(code: int, message: str | None = None, problems: dict | None = None):
    title, default = ERROR_TEXT[code]
    return render_template(
        "errors/error.html",
        title=title,
        message=message or default,
        problems=problems or {},
        page_title=title,
    ), code
