"""The API's operations: one table of resources, and the views every resource shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from marshmallow import ValidationError as MarshmallowError
from sqlalchemy import Select, select
from werkzeug.exceptions import BadRequest

from registry.agreements.models import Agreement, TreatyAction
from registry.agreements.queries import (
    SORTS,
    AgreementFilters,
    agreement_order,
    search_agreements,
    standings_in,
)
from registry.agreements.services import agreements, treaty_actions
from registry.api import schemas as api_schemas
from registry.api.auth import add_rate_limit_headers, authenticate, needs
from registry.api.errors import PreconditionFailed, error_response, validation_response
from registry.audit.models import AuditEvent
from registry.audit.queries import visible_events
from registry.authorizations.models import Authorization
from registry.authorizations.services import authorizations
from registry.core.access import clearance_of, visible
from registry.core.cache import remembered
from registry.core.db import write_transaction
from registry.core.enums import (
    AgreementStatus,
    AuthorizationDecision,
    Classification,
    InstrumentType,
    LegalNature,
    ObligationStatus,
    PartyKind,
    Region,
    ReviewStatus,
    TreatyActionKind,
)
from registry.core.errors import Conflict, RuleViolation, ValidationFailed
from registry.core.permissions import Permission
from registry.core.queries import matching, ordering, paginate
from registry.core.services import EntityService
from registry.deadlines.queries import DeadlineFilters, DeadlineQuery
from registry.extensions import db
from registry.obligations.models import Measurement, Obligation
from registry.obligations.services import measurements, obligations
from registry.oversight.models import OversightBody
from registry.oversight.services import oversight_bodies
from registry.parties.models import Party
from registry.parties.services import parties
from registry.reviews.models import Review
from registry.reviews.services import reviews
from registry.web.access import load_visible

blueprint = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Records of the registry, within the caller's role and clearance.",
)

blueprint.before_request(authenticate)
blueprint.after_request(add_rate_limit_headers)


@blueprint.errorhandler(ValidationFailed)
def invalid(error):
    return validation_response(error)


@blueprint.errorhandler(Conflict)
@blueprint.errorhandler(RuleViolation)
def refused(error):
    return error_response(409, str(error))


@blueprint.errorhandler(PreconditionFailed)
def stale(error):
    return error_response(412, str(error))


@dataclass(frozen=True)
class Resource:
    """One kind of record the API reads and writes through its service."""

    path: str
    service: EntityService
    sorts: dict[str, Any]
    # Query parameter → (its field, the column it must equal).
    filters: dict[str, tuple[fields.Field, Any]] = field(default_factory=dict)
    text_columns: tuple = ()
    # Who may read: None lets anyone read the public records, as on the web.
    read: Permission | None = Permission.READ
    search: Callable[[Classification, dict], Select] | None = None

    @property
    def model(self) -> type:
        return self.service.model

    @property
    def schema(self) -> type[Schema]:
        return self.service.schema

    @property
    def name(self) -> str:  # names the schemas in the OpenAPI document
        return self.model.__name__

    @cached_property
    def record_schema(self) -> type[Schema]:
        return api_schemas.record_schema(self.schema, self.name, self.model)

    def query(self, clearance: Classification, args: dict) -> Select:
        if self.search is not None:
            return self.search(clearance, args)
        query = visible(select(self.model), self.model, clearance)
        query = matching(query, args.get("q", ""), *self.text_columns)
        for name, (_, column) in self.filters.items():
            if args.get(name) is not None:
                query = query.where(column == args[name])
        return query.order_by(*self.ordering(args))

    def ordering(self, args: dict, *, reverse: bool = False) -> tuple:
        if self.search is not None:
            return agreement_order(_agreement_filters(args), reverse=reverse)
        return ordering(
            self.sorts[args["sort"]],
            self.model.id,
            descending=args["order"] == "desc",
            reverse=reverse,
        )


def _agreement_filters(args: dict) -> AgreementFilters:
    return AgreementFilters(
        text=args.get("q", ""),
        party=args.get("party", ""),
        **{
            name: args[name].value if args.get(name) else ""
            for name in ("instrument_type", "legal_nature", "status", "region", "classification")
        },
        in_force_on=args.get("in_force_on"),
        sort=args["sort"],
        descending=args["order"] == "desc",
    )


def _search_agreements(clearance: Classification, args: dict) -> Select:
    return search_agreements(clearance, _agreement_filters(args))


def _choice(enum) -> fields.Enum:
    return fields.Enum(enum, by_value=True)


RESOURCES = (
    Resource(
        "agreements",
        agreements,
        sorts=dict(SORTS),
        filters={
            "party": (api_schemas.search_text(), None),
            "instrument_type": (_choice(InstrumentType), None),
            "legal_nature": (_choice(LegalNature), None),
            "status": (_choice(AgreementStatus), None),
            "region": (_choice(Region), None),
            "classification": (_choice(Classification), None),
            "in_force_on": (fields.Date(), None),
        },
        read=None,
        search=_search_agreements,
    ),
    Resource(
        "parties",
        parties,
        sorts={"name": Party.name, "iso3": Party.iso3, "id": Party.id},
        filters={"kind": (_choice(PartyKind), Party.kind)},
        text_columns=(Party.name, Party.short_name, Party.iso3),
    ),
    Resource(
        "treaty-actions",
        treaty_actions,
        sorts={"effective_on": TreatyAction.effective_on, "id": TreatyAction.id},
        filters={
            "agreement_id": (api_schemas.record_id(), TreatyAction.agreement_id),
            "party_id": (api_schemas.record_id(), TreatyAction.party_id),
            "kind": (_choice(TreatyActionKind), TreatyAction.kind),
        },
    ),
    Resource(
        "obligations",
        obligations,
        sorts={"due_on": Obligation.due_on, "title": Obligation.title, "id": Obligation.id},
        filters={
            "agreement_id": (api_schemas.record_id(), Obligation.agreement_id),
            "status": (_choice(ObligationStatus), Obligation.status),
        },
        text_columns=(Obligation.title, Obligation.article_reference),
    ),
    Resource(
        "measurements",
        measurements,
        sorts={"period_start": Measurement.period_start, "id": Measurement.id},
        filters={
            "obligation_id": (api_schemas.record_id(), Measurement.obligation_id),
            "party_id": (api_schemas.record_id(), Measurement.party_id),
        },
    ),
    Resource(
        "oversight-bodies",
        oversight_bodies,
        sorts={"name": OversightBody.name, "id": OversightBody.id},
        text_columns=(OversightBody.name, OversightBody.short_name),
    ),
    Resource(
        "authorizations",
        authorizations,
        sorts={"submitted_on": Authorization.submitted_on, "id": Authorization.id},
        filters={
            "agreement_id": (api_schemas.record_id(), Authorization.agreement_id),
            "decision": (_choice(AuthorizationDecision), Authorization.decision),
        },
    ),
    Resource(
        "reviews",
        reviews,
        sorts={"due_on": Review.due_on, "id": Review.id},
        filters={
            "agreement_id": (api_schemas.record_id(), Review.agreement_id),
            "status": (_choice(ReviewStatus), Review.status),
        },
    ),
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


def register(resource: Resource) -> None:
    record_schema = resource.record_schema
    page = api_schemas.page_schema(record_schema, resource.name)
    extra = {name: spec for name, (spec, _) in resource.filters.items()}
    if resource.text_columns or resource.search is not None:
        extra["q"] = api_schemas.search_text()
    arguments = api_schemas.list_arguments(resource.name, list(resource.sorts), extra)
    collection, item = f"/{resource.path}", f"/{resource.path}/<int:record_id>"
    body = {"required": True, "content": {"application/json": {"schema": resource.schema}}}
    noun = resource.service.noun
    tags = [resource.path]

    @blueprint.route(collection, methods=["GET"], endpoint=f"{resource.path}_list", tags=tags)
    @needs(resource.read)
    @blueprint.arguments(arguments, location="query", as_kwargs=True)
    @blueprint.response(200, page)
    def list_records(**args):
        """List the records you may see, filtered, sorted and a page at a time."""
        clearance = clearance_of(current_user)

        def listing() -> dict:
            rows, total, number, pages = paginate(
                resource.query(clearance, args), page=args["page"], per_page=args["per_page"]
            )
            return page().dump(
                {
                    "items": rows,
                    "page": number,
                    "per_page": args["per_page"],
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
        _register_archiving(resource, verb, f"{permission_summary} one {noun}", item, tags)


def _register_archiving(resource: Resource, verb: str, summary: str, item: str, tags) -> None:
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


for _resource in RESOURCES:
    register(_resource)


@blueprint.route(
    "/agreements/<int:record_id>/parties",
    methods=["GET"],
    endpoint="agreement_parties",
    tags=["agreements"],
)
@needs(None)
@blueprint.arguments(api_schemas.PartiesOnArguments, location="query", as_kwargs=True)
@blueprint.response(200, api_schemas.PartiesOnSchema)
def agreement_parties(record_id: int, as_of: date | None = None):
    """The participants of an agreement with their standing on a date."""
    agreement = load_visible(Agreement, record_id)
    on = as_of or date.today()
    standings = standings_in(agreement, on)
    return {
        "agreement_id": agreement.id,
        "as_of": on,
        "parties": [
            {"party_id": p.id, "name": p.name, "iso3": p.iso3, "standing": s.value}
            for p, s in sorted(standings.items(), key=lambda item: item[0].name)
        ],
    }


@blueprint.route("/deadlines", methods=["GET"], endpoint="deadlines_list", tags=["deadlines"])
@needs(Permission.READ)
@blueprint.arguments(api_schemas.DeadlineArguments, location="query", as_kwargs=True)
@blueprint.response(200, api_schemas.page_schema(api_schemas.DeadlineSchema, "Deadline"))
def deadlines(page: int, per_page: int, **args):
    """Dates someone must act by, within your clearance, soonest first."""
    today = date.today()
    start = args.get("start") or today - timedelta(days=365)
    end = args.get("end") or today + timedelta(days=365)
    if end < start:
        raise BadRequest("end must not be before start.")
    filters = DeadlineFilters(kind=args.get("kind"), agreement_id=args.get("agreement_id"))
    found = DeadlineQuery(clearance_of(current_user), start, end, filters, today=today)
    total = found.count()
    pages = max(1, -(-total // per_page))
    number = min(page, pages)
    return {
        "items": found.page(number, per_page),
        "page": number,
        "per_page": per_page,
        "total": total,
        "pages": pages,
    }


@blueprint.route("/audit-events", methods=["GET"], endpoint="audit_events", tags=["audit"])
@needs(Permission.AUDIT)
@blueprint.arguments(api_schemas.AuditArguments, location="query", as_kwargs=True)
@blueprint.response(200, api_schemas.AuditPageSchema)
def audit_events(after: int, limit: int, **args):
    """The audit trail in order, a page at a time by event id."""
    events_seen = visible_events(clearance_of(current_user))
    query = events_seen.where(AuditEvent.id > after).order_by(AuditEvent.id)
    for name in ("entity_type", "entity_id", "action"):
        if args.get(name) is not None:
            query = query.where(getattr(AuditEvent, name) == args[name])
    events = db.session.scalars(query.limit(limit + 1)).all()
    more = len(events) > limit
    events = events[:limit]
    return {"items": events, "next_after": events[-1].id if more else None}


REVIEW_STEPS = {
    "start": (Permission.EDIT, "Begin work on a scheduled or returned review"),
    "submit": (Permission.EDIT, "Hand a review in progress to a reviewer for sign-off"),
    "return": (Permission.APPROVE, "Send a submitted review back, saying why (`reason`)"),
    "approve": (Permission.APPROVE, "Sign off a submitted review recorded by someone else"),
}


def _register_review_step(step: str, permission: Permission, summary: str) -> None:
    review_resource = next(resource for resource in RESOURCES if resource.path == "reviews")

    @blueprint.route(
        f"/reviews/<int:record_id>/{step}",
        methods=["POST"],
        endpoint=f"reviews_{step}",
        tags=["reviews"],
    )
    @needs(permission)
    @blueprint.doc(
        requestBody={
            "required": False,
            "content": {"application/json": {"schema": api_schemas.ReviewStepSchema}},
        },
        summary=summary,
    )
    @blueprint.response(200, review_resource.record_schema)
    def review_step(record_id: int):
        data = json_body() if request.content_length else {}  # a step's body is optional
        try:
            values = api_schemas.ReviewStepSchema().load(data)
        except MarshmallowError as error:
            raise ValidationFailed(error.messages, "review") from error

        def change():
            review = load_visible(Review, record_id)
            expected = check_if_match(review)
            if step == "return":
                return reviews.return_for_changes(
                    actor(), review, reason=values.get("reason"), expected_version=expected
                )
            if step == "approve":
                on = values.get("completed_on") or date.today()
                return reviews.approve(actor(), review, completed_on=on, expected_version=expected)
            return getattr(reviews, step)(actor(), review, expected_version=expected)

        return record_response(review_resource, write(change))


for _step, (_permission, _summary) in REVIEW_STEPS.items():
    _register_review_step(_step, _permission, _summary)
