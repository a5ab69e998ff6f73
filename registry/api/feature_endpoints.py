"""The API's endpoints beyond the generic resources: participants on a date, deadlines, the
audit trail and the review workflow. Lists read the same filter schemas as their web pages."""

from __future__ import annotations

from datetime import date

from flask import request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import ValidationError as MarshmallowError

from registry.agreements.models import Agreement
from registry.agreements.queries import standings_in
from registry.api import schemas as api_schemas
from registry.api.auth import needs
from registry.api.resources import (
    DEFAULT_PER_PAGE,
    Resource,
    actor,
    check_if_match,
    json_body,
    record_response,
    write,
)
from registry.audit.filters import AuditEventFilters
from registry.audit.queries import visible_events
from registry.core.access import clearance_of
from registry.core.audit.models import AuditEvent
from registry.core.errors import ValidationFailed
from registry.core.permissions import Permission
from registry.deadlines import listing
from registry.deadlines.filters import DeadlineListFilters
from registry.extensions import db
from registry.reviews.models import Review
from registry.reviews.services import reviews
from registry.web.access import load_visible

REVIEW_STEPS = {
    "start": (Permission.EDIT, "Begin work on a scheduled or returned review"),
    "submit": (Permission.EDIT, "Hand a review in progress to a reviewer for sign-off"),
    "return": (Permission.APPROVE, "Send a submitted review back, saying why (`reason`)"),
    "approve": (Permission.APPROVE, "Sign off a submitted review recorded by someone else"),
}


def register_feature_endpoints(blueprint: Blueprint, resources: dict[str, Resource]) -> None:
    """Lay the endpoints that are not one entity's records on the API's blueprint."""
    _register_agreement_parties(blueprint)
    _register_deadlines(blueprint)
    _register_audit_events(blueprint)
    for step, (permission, summary) in REVIEW_STEPS.items():
        _register_review_step(blueprint, resources["reviews"], step, permission, summary)


def _register_agreement_parties(blueprint: Blueprint) -> None:
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


def _register_deadlines(blueprint: Blueprint) -> None:
    page_schema = api_schemas.page_schema(api_schemas.DeadlineSchema, "Deadline")

    @blueprint.route("/deadlines", methods=["GET"], endpoint="deadlines_list", tags=["deadlines"])
    @needs(Permission.READ)
    @blueprint.arguments(DeadlineListFilters, location="query")
    @blueprint.response(200, page_schema)
    def deadlines(args):
        """Dates someone must act by, within your clearance, soonest first."""
        today = date.today()
        result = listing.run_search(
            clearance_of(current_user), args, reader_id=current_user.id, today=today
        )
        per_page = args.get("per_page") or DEFAULT_PER_PAGE
        total = result.found.count()
        pages = max(1, -(-total // per_page))
        number = min(args["page"], pages)
        return {
            "items": result.found.page(number, per_page),
            "page": number,
            "per_page": per_page,
            "total": total,
            "pages": pages,
        }


def _register_audit_events(blueprint: Blueprint) -> None:
    @blueprint.route("/audit-events", methods=["GET"], endpoint="audit_events", tags=["audit"])
    @needs(Permission.AUDIT)
    @blueprint.arguments(AuditEventFilters, location="query")
    @blueprint.response(200, api_schemas.AuditPageSchema)
    def audit_events(args):
        """The audit trail in order, a page at a time by event id."""
        events_seen = visible_events(clearance_of(current_user))
        query = AuditEventFilters().matching(events_seen, args).order_by(AuditEvent.id)
        limit = args["limit"]
        events = db.session.scalars(query.limit(limit + 1)).all()
        more = len(events) > limit
        events = events[:limit]
        return {"items": events, "next_after": events[-1].id if more else None}


def _register_review_step(
    blueprint: Blueprint, review_resource: Resource, step: str, permission, summary: str
) -> None:
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
