"""The API's generic resources: one per described entity with an `api_path`.

Each resource lists, creates, reads, changes, archives and restores records of its entity
through the entity's service, its list read by the entity's filter schema, the same one the
web list and the downloads read. The routes are laid when an app is made (`build_blueprint`),
so an entity described before then has its resource, and this module imports no feature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest

from registry.api import schemas as api_schemas
from registry.api.auth import add_rate_limit_headers, authenticate, needs
from registry.api.errors import PreconditionFailed, error_response, validation_response
from registry.core.access import clearance_of
from registry.core.cache import remembered
from registry.core.db import write_transaction
from registry.core.entities import Entity, entities
from registry.core.errors import Conflict, RuleViolation, ValidationFailed
from registry.core.filters import ListFilters, bad_filter, sort_by
from registry.core.permissions import Permission
from registry.core.queries import paginate
from registry.core.services import EntityService
from registry.web.access import load_visible

DEFAULT_PER_PAGE = 25


class FilterParser(FlaskParser):
    """Reads a query string by its schema alone: an unknown parameter is refused, as on the web."""

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None}

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        raise bad_filter(error.messages.get("query", error.messages), schema)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = FilterParser()


def invalid(error):
    return validation_response(error)


def refused(error):
    return error_response(409, str(error))


def stale(error):
    return error_response(412, str(error))


def build_blueprint() -> tuple[ApiBlueprint, dict[str, Resource]]:
    """The API's blueprint with a resource for every described entity that has an api_path."""
    blueprint = ApiBlueprint(
        "api",
        __name__,
        url_prefix="/api/v1",
        description="Records of the registry, within the caller's role and clearance.",
    )
    blueprint.before_request(authenticate)
    blueprint.after_request(add_rate_limit_headers)
    blueprint.register_error_handler(ValidationFailed, invalid)
    blueprint.register_error_handler(Conflict, refused)
    blueprint.register_error_handler(RuleViolation, refused)
    blueprint.register_error_handler(PreconditionFailed, stale)
    resources = {
        described.api_path: Resource(described)
        for described in entities()
        if described.api_path is not None
    }
    for resource in resources.values():
        register(blueprint, resource)
    return blueprint, resources


@dataclass(frozen=True)
class Resource:
    """One described entity as the API reads and writes it, through its service."""

    entity: Entity

    @property
    def path(self) -> str:
        return self.entity.api_path

    @property
    def service(self) -> EntityService:
        return self.entity.service

    @property
    def model(self) -> type:
        return self.entity.model

    @property
    def schema(self) -> type[Schema]:
        return self.service.schema

    @property
    def name(self) -> str:  # names the schemas in the OpenAPI document
        return self.model.__name__

    @property
    def read(self) -> Permission | None:
        """Who may read: None lets anyone read the public records, as on the web."""
        return None if self.entity.public_read else Permission.READ

    @cached_property
    def filters(self) -> type[ListFilters]:
        return self.entity.filters or plain_filters(self.model)

    @cached_property
    def record_schema(self) -> type[Schema]:
        return api_schemas.record_schema(self.schema, self.name, self.model)


def plain_filters(model: type) -> type[ListFilters]:
    """The filters of a list whose description gives none: paging, by id."""
    sorts = {"id": model.id}
    return type(
        f"{model.__name__}ListFilters",
        (ListFilters,),
        {"model": model, "sorts": sorts, "sort": sort_by(sorts, "id")},
    )


# --- shared pieces of every operation -----------------------------------------------------


def etag_of(record) -> str:
    return f"v{record.version}"


def record_response(resource: Resource, record, status: int = 200):
    body = resource.record_schema().dump(record)
    response = jsonify(body)
    response.status_code = status
    response.set_etag(etag_of(record))
    if status == 201:
        response.headers["Location"] = url_for(
            f"api.{resource.path}_get", record_id=record.id, _external=False
        )
    return response.make_conditional(request) if status == 200 else response


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("Send a JSON object with Content-Type: application/json.")
    return data


def check_if_match(record) -> int | None:
    """The version the client last read, from If-Match; 412 if the record moved on since."""
    if not request.if_match:
        return None
    if request.if_match.star_tag or request.if_match.contains(etag_of(record)):
        return record.version
    raise PreconditionFailed(
        f"The record is at version {record.version}; your copy is older. Read it again "
        "and reapply your change."
    )


def write(change: Callable[[], Any]):
    """Run one change as a writer; the request commits it (registry/core/transaction.py)."""
    with write_transaction():
        return change()


def actor():
    return current_user._get_current_object()


# --- the operations of each resource ---------------------------------------------------------


def register(blueprint: Blueprint, resource: Resource) -> None:
    record_schema = resource.record_schema
    page = api_schemas.page_schema(record_schema, resource.name)
    collection, item = f"/{resource.path}", f"/{resource.path}/<int:record_id>"
    body = {"required": True, "content": {"application/json": {"schema": resource.schema}}}
    noun = resource.service.noun
    tags = [resource.path]

    @blueprint.route(collection, methods=["GET"], endpoint=f"{resource.path}_list", tags=tags)
    @needs(resource.read)
    @blueprint.arguments(resource.filters, location="query")
    @blueprint.response(200, page)
    def list_records(args):
        """List the records you may see, filtered, sorted and a page at a time."""
        clearance = clearance_of(current_user)
        filters = resource.filters()
        per_page = args.get("per_page") or DEFAULT_PER_PAGE

        def listing() -> dict:
            rows, total, number, pages = paginate(
                filters.query(clearance, args),
                page=args["page"],
                per_page=per_page,
                reverse_order=filters.ordering(args, reverse=True),
            )
            return page().dump(
                {
                    "items": rows,
                    "page": number,
                    "per_page": per_page,
                    "total": total,
                    "pages": pages,
                }
            )

        # The page as sent, for every caller of this clearance asking the same.
        return jsonify(remembered((resource.path, clearance, *sorted(args.items())), listing))

    @blueprint.route(collection, methods=["POST"], endpoint=f"{resource.path}_create", tags=tags)
    @needs(Permission.EDIT)
    @blueprint.doc(requestBody=body, summary=f"Record a new {noun}")
    @blueprint.response(201, record_schema)
    def create_record():
        data = json_body()
        created = write(lambda: resource.service.create(actor(), data))
        return record_response(resource, created, 201)

    @blueprint.route(item, methods=["GET"], endpoint=f"{resource.path}_get", tags=tags)
    @needs(resource.read)
    @blueprint.response(200, record_schema, description="The record; its ETag is its version.")
    def get_record(record_id: int):
        """Read one record. Send If-None-Match with its ETag to be told it is unchanged (304)."""
        return record_response(resource, load_visible(resource.model, record_id))

    @blueprint.route(item, methods=["PATCH"], endpoint=f"{resource.path}_update", tags=tags)
    @needs(Permission.EDIT)
    @blueprint.doc(
        requestBody=body,
        summary=f"Change some fields of one {noun}",
        description="Send only the fields to change. With If-Match (the ETag you read), the "
        "change is refused with 412 if someone changed the record meanwhile.",
    )
    @blueprint.response(200, record_schema)
    def update_record(record_id: int):
        data = json_body()

        def change():
            found = load_visible(resource.model, record_id)
            expected = check_if_match(found)
            try:
                return resource.service.update(actor(), found, data, expected_version=expected)
            except Conflict as error:
                if expected is None:
                    raise
                raise PreconditionFailed(str(error)) from error

        return record_response(resource, write(change))

    for verb, permission_summary in (("archive", "Archive"), ("restore", "Restore")):
        summary = f"{permission_summary} one {noun}"
        _register_archiving(blueprint, resource, verb, summary, item, tags)


def _register_archiving(
    blueprint: Blueprint, resource: Resource, verb: str, summary: str, item: str, tags
) -> None:
    @blueprint.route(
        f"{item}/{verb}", methods=["POST"], endpoint=f"{resource.path}_{verb}", tags=tags
    )
    @needs(Permission.ARCHIVE)
    @blueprint.doc(
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": api_schemas.ReasonBodySchema}},
        },
        summary=summary,
    )
    @blueprint.response(200, resource.record_schema)
    def archiving(record_id: int):
        data = json_body()

        def change():
            found = load_visible(resource.model, record_id)
            check_if_match(found)
            return getattr(resource.service, verb)(actor(), found, reason=data.get("reason"))

        return record_response(resource, write(change))
