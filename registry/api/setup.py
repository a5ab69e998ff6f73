"""Mounting the API on the application: the OpenAPI document, its blueprint and errors."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from registry.api.errors import ErrorSchema
from registry.extensions import csrf
from registry.web.access import public


class RegistryApi(Api):
    ERROR_SCHEMA = ErrorSchema  # documents the shape `json_http_error` answers with


def init_api(app: Flask) -> None:
    from registry.api import schemas
    from registry.api.feature_endpoints import register_feature_endpoints
    from registry.api.resources import build_blueprint
    from registry.api.views import blueprint as pages

    app.config.update(
        API_TITLE="Treaty and Commitment Registry API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = RegistryApi(
        app,
        spec_kwargs={
            "info": {
                "description": "Read and change the registry's records with a personal API "
                "token (Authorization: Bearer …) or a signed-in session. Every change is "
                "validated and audited exactly as in the web interface."
            },
            "servers": [{"url": "/"}],
        },
    )
    api.spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"token": []}, {}]
    api.ma_plugin.converter.add_attribute_function(schemas.field_properties)
    blueprint, resources = build_blueprint()
    register_feature_endpoints(blueprint, resources)
    csrf.exempt(blueprint)  # token callers have no session; session writes are checked itself
    api.register_blueprint(blueprint)
    app.register_blueprint(pages)
    serve_document = app.view_functions["api-docs.openapi_json"]

    @public
    def openapi_json():
        return serve_document()

    app.view_functions["api-docs.openapi_json"] = openapi_json
