"""Review pages and forms, and the sign-off workflow: start, submit, return, approve."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from registry.agreements.models import Agreement
from registry.audit.queries import history_of
from registry.core.access import clearance_of, visible
from registry.core.db import write_transaction
from registry.core.enums import Classification, ComplianceFinding, ReviewOutcome, ReviewStatus
from registry.core.errors import Conflict, RuleViolation, ValidationFailed
from registry.core.permissions import Permission
from registry.extensions import db
from registry.oversight.models import OversightBody
from registry.reviews.models import ExitStep, Review
from registry.reviews.services import exit_steps, reviews
from registry.web.access import load_visible, requires
from registry.web.crud import Crud, Parent
from registry.web.forms import Field, enum_choices, field_errors, record_choices

blueprint = Blueprint("reviews", __name__)


def approved_review_choices():
    query = (
        visible(select(Review), Review, clearance_of(current_user))
        .where(Review.status == ReviewStatus.APPROVED)
        .order_by(Review.due_on.desc())
    )
    return [("", "—"), *((str(r.id), r.label) for r in db.session.scalars(query))]


def review_fields() -> list[Field]:
    return [
        Field("due_on", "Due on", "date", True),
        Field("is_periodic", "Periodic review under the agreement's review clause", "checkbox"),
        Field(
            "body_id",
            "Reviewing body",
            "select",
            choices=record_choices(OversightBody, lambda b: b.name, order_by=OversightBody.name),
        ),
        Field(
            "completed_on",
            "Completed on",
            "date",
            hint="When the review was held; empty: the day a reviewer approves it.",
        ),
        Field(
            "compliance", "Compliance finding", "select", choices=enum_choices(ComplianceFinding)
        ),
        Field(
            "outcome",
            "Outcome",
            "select",
            choices=enum_choices(ReviewOutcome),
            hint="Withdraw or suspend opens that step, with its dates, once approved.",
        ),
        Field("findings", "Findings", "textarea"),
        Field("recommendations", "Recommendations", "textarea"),
        Field(
            "corrects_id",
            "Corrects an approved review",
            "select",
            choices=approved_review_choices,
            hint="An approved review never changes: record its correction as a new review.",
        ),
        Field(
            "classification",
            "Classification",
            "select",
            hint="Empty: the agreement's level.",
            choices=enum_choices(Classification),
        ),
    ]


def review_url(review) -> str:
    return url_for("reviews.show", review_id=review.id)


Crud(
    blueprint,
    "review",
    Review,
    reviews,
    review_fields,
    review_url,
    "/reviews",
    parent=Parent(
        "agreement_id",
        Agreement,
        "/agreements",
        lambda agreement: url_for("agreements.show", agreement_id=agreement.id),
    ),
).register()


@blueprint.get("/reviews/<int:review_id>")
@requires(Permission.READ)
def show(review_id: int):
    return render_review(load_visible(Review, review_id))


def render_review(review: Review, *, errors=None, reason: str = "", status: int = 200):
    clearance = clearance_of(current_user)
    corrections = db.session.scalars(
        visible(select(Review), Review, clearance)
        .where(Review.corrects_id == review.id)
        .order_by(Review.id)
    ).all()
    step = db.session.scalar(
        visible(select(ExitStep), ExitStep, clearance).where(ExitStep.review_id == review.id)
    )
    return render_template(
        "reviews/show.html",
        review=review,
        corrections=corrections,
        step=step,
        errors=errors or {},
        reason=reason,
        history=history_of(review, clearance),
        page_title=review.label,
    ), status


def _workflow(review_id: int, act, done: str):
    """Run one workflow step on a review and report it, or explain why not."""
    review = load_visible(Review, review_id)
    version = request.form.get("version", type=int)
    try:
        with write_transaction():
            act(review, version)
    except ValidationFailed as error:
        review = load_visible(Review, review_id)
        flash(str(error), "error")
        return render_review(
            review,
            errors=field_errors(error.messages),
            reason=request.form.get("reason", ""),
            status=422,
        )
    except (RuleViolation, Conflict) as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    return redirect(review_url(review))


@blueprint.post("/reviews/<int:review_id>/start")
@requires(Permission.EDIT)
def start(review_id: int):
    return _workflow(
        review_id,
        lambda review, version: reviews.start(current_user, review, expected_version=version),
        "Work on the review has started.",
    )


@blueprint.post("/reviews/<int:review_id>/submit")
@requires(Permission.EDIT)
def submit(review_id: int):
    return _workflow(
        review_id,
        lambda review, version: reviews.submit(current_user, review, expected_version=version),
        "The review was submitted for a reviewer's sign-off.",
    )


@blueprint.post("/reviews/<int:review_id>/return")
@requires(Permission.APPROVE)
def return_for_changes(review_id: int):
    return _workflow(
        review_id,
        lambda review, version: reviews.return_for_changes(
            current_user, review, reason=request.form.get("reason", ""), expected_version=version
        ),
        "The review was returned to its recorder.",
    )


@blueprint.post("/reviews/<int:review_id>/approve")
@requires(Permission.APPROVE)
def approve(review_id: int):
    return _workflow(
        review_id,
        lambda review, version: reviews.approve(
            current_user,
            review,
            completed_on=review.completed_on or date.today(),
            expected_version=version,
        ),
        "The review was approved.",
    )


@blueprint.post("/exit-steps/<int:step_id>/close")
@requires(Permission.EDIT)
def close_exit_step(step_id: int):
    step = load_visible(ExitStep, step_id)
    version = request.form.get("version", type=int)
    try:
        with write_transaction():
            exit_steps.close(
                current_user,
                step,
                reason=request.form.get("reason", ""),
                closed_on=date.today(),
                expected_version=version,
            )
    except ValidationFailed as error:
        flash(str(error), "error")
    except (RuleViolation, Conflict) as error:
        flash(str(error), "error")
    else:
        flash("The exit step was closed.", "success")
    return redirect(url_for("agreements.show", agreement_id=step.agreement_id))
