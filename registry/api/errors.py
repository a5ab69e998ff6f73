"""One JSON error shape for every API answer that is not a success.

{"status": 422, "error": "Unprocessable Entity", "message": "...", "errors": {"field": [...]}}
"""

from __future__ import annotations

from flask import jsonify, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from registry.core.errors import BadFilter, ValidationFailed

PREFIX = "/api/"

# Statuses every operation may answer with, documented on each one.
ERROR_STATUSES = (400, 401, 403, 404, 409, 412, 422, 429)


class ErrorSchema(Schema):
    status = fields.Integer(required=True)
    error = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Field name → what is wrong with its value."},
    )


class PreconditionFailed(Exception):
    """The record changed since the client read it (its If-Match no longer matches)."""


def error_response(status: int, message: str, errors: dict | None = None, headers=None):
    body = {"status": status, "error": HTTP_STATUS_CODES.get(status, "Error"), "message": message}
    if errors:
        body["errors"] = _as_lists(errors)
    response = jsonify(body)
    response.status_code = status
    for name, value in headers or ():
        response.headers[name] = value
    return response


def validation_response(error: ValidationFailed):
    """422 for a record's invalid fields; 400 for a query string a list does not take."""
    return error_response(400 if isinstance(error, BadFilter) else 422, str(error), error.messages)


def _as_lists(errors: dict) -> dict[str, list[str]]:
    """Flatten nested marshmallow messages to field → list of strings."""
    flat: dict[str, list[str]] = {}
    for field, problems in errors.items():
        if isinstance(problems, dict):
            for inner, messages in _as_lists(problems).items():
                flat[f"{field}.{inner}"] = messages
        elif isinstance(problems, list | tuple):
            flat[str(field)] = [str(problem) for problem in problems]
        else:
            flat[str(field)] = [str(problems)]
    return flat


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def json_http_error(error: HTTPException):
    """An HTTP error under /api/ in the API's JSON shape, keeping headers such as Allow."""
    # webargs nests its messages by location (query, json): name the parameter plainly.
    by_location = getattr(error, "data", {}).get("messages") or {}
    errors = {
        name: problems
        for messages in by_location.values()
        if isinstance(messages, dict)
        for name, problems in messages.items()
    }
    message = {
        404: "There is no such record, or it is not visible to you.",
        405: f"This address does not accept {request.method}.",
        422: "Some parameters were not accepted.",
    }.get(error.code, error.description)
    headers = [
        (name, value)
        for name, value in error.get_headers()
        if name.lower() not in ("content-type", "content-length")
    ]
    return error_response(error.code or 500, message, errors, headers)
