"""Review forms and the reviewer's sign-off."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from registry.agreements.models import Agreement
from registry.core.db import write_transaction
from registry.core.enums import Classification, ComplianceFinding, ReviewOutcome, ReviewStatus
from registry.core.errors import RuleViolation
from registry.core.permissions import Permission
from registry.extensions import db
from registry.oversight.models import OversightBody
from registry.reviews.models import Review
from registry.reviews.services import reviews
from registry.web.access import load_visible, requires
from registry.web.crud import Crud, Parent
from registry.web.forms import Field, enum_choices, record_choices

blueprint = Blueprint("reviews", __name__)


def review_fields() -> list[Field]:
    statuses = [s for s in enum_choices(ReviewStatus, blank=None)() if s[0] != "approved"]
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
            "status",
            "Status",
            "select",
            True,
            choices=lambda: statuses,
            hint="A reviewer approves a submitted review separately.",
        ),
        Field("completed_on", "Completed on", "date"),
        Field(
            "compliance", "Compliance finding", "select", choices=enum_choices(ComplianceFinding)
        ),
        Field("outcome", "Outcome", "select", choices=enum_choices(ReviewOutcome)),
        Field("findings", "Findings", "textarea"),
        Field("recommendations", "Recommendations", "textarea"),
        Field(
            "classification",
            "Classification",
            "select",
            hint="Empty: the agreement's level.",
            choices=enum_choices(Classification),
        ),
    ]


def agreement_url(agreement) -> str:
    return url_for("agreements.show", agreement_id=agreement.id)


Crud(
    blueprint,
    "review",
    Review,
    reviews,
    review_fields,
    lambda review: agreement_url(review.agreement),
    "/reviews",
    parent=Parent("agreement_id", Agreement, "/agreements", agreement_url),
).register()


@blueprint.post("/reviews/<int:review_id>/approve")
@requires(Permission.APPROVE)
def approve(review_id: int):
    review = load_visible(Review, review_id)
    try:
        with write_transaction():
            reviews.approve(current_user, review, completed_on=review.completed_on or date.today())
            db.session.commit()
        flash("The review was approved.", "success")
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(agreement_url(review.agreement))
