"""Schemathesis drives every operation of the OpenAPI document with generated requests, valid
and invalid: none may answer 5xx or break the document's own description of its answers."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from registry.extensions import db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 6  # in each mode; deterministic, so a failure reproduces


@pytest.fixture
def admin_token(app, api_as, make_agreement, make_party, make_action, make_obligation):
    """An administrator's token, over a few records for the reads to find."""
    agreement = make_agreement()
    make_action(agreement, make_party(name="Norway", iso3="NOR"), "ratification", "1949-08-24")
    make_obligation(agreement=agreement)
    caller = api_as("admin", "secret")
    db.session.commit()
    limit = app.config["API_REQUESTS_PER_MINUTE"]
    app.config["API_REQUESTS_PER_MINUTE"] = 100_000
    yield caller.token
    app.config["API_REQUESTS_PER_MINUTE"] = limit


def test_every_operation_keeps_to_the_contract(app, admin_token):
    def isolated(environ, start_response):
        # Each request in its own application context, as under a real server.
        with app.app_context():
            return app.wsgi_app(environ, start_response)

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated)
    headers = {"Authorization": f"Bearer {admin_token}"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def exercise(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                exercise()
            except Exception as error:  # noqa: BLE001 - collect every operation's failure
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert operations >= 35
    assert not failures, "\n\n".join(failures)
