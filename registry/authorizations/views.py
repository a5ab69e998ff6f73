"""Forms for the steps of legislative authorisation."""

from __future__ import annotations

from flask import Blueprint, url_for

from registry.agreements.models import Agreement
from registry.authorizations.models import Authorization
from registry.authorizations.services import authorizations
from registry.core.enums import AuthorizationDecision, AuthorizationRequirement, Classification
from registry.oversight.models import OversightBody
from registry.web.crud import Crud, Parent
from registry.web.forms import Field, enum_choices, record_choices

blueprint = Blueprint("authorizations", __name__)


def authorization_fields() -> list[Field]:
    return [
        Field(
            "requirement",
            "Requirement",
            "select",
            True,
            choices=enum_choices(AuthorizationRequirement),
        ),
        Field(
            "body_id",
            "Body",
            "select",
            choices=record_choices(OversightBody, lambda b: b.name, order_by=OversightBody.name),
        ),
        Field("submitted_on", "Submitted on", "date"),
        Field("due_on", "Due on", "date"),
        Field(
            "decision",
            "Decision",
            "select",
            True,
            choices=enum_choices(AuthorizationDecision, blank=None),
        ),
        Field("decided_on", "Decided on", "date"),
        Field("votes_for", "Votes for", "number"),
        Field("votes_against", "Votes against", "number"),
        Field("instrument", "Instrument", hint="The resolution or act."),
        Field("reference", "Reference", hint="For example a Treaty Document number."),
        Field(
            "conditions",
            "Conditions",
            "textarea",
            hint="Reservations, understandings and declarations.",
        ),
        Field(
            "classification",
            "Classification",
            "select",
            hint="Empty: the agreement's level.",
            choices=enum_choices(Classification),
        ),
        Field("source", "Source", "textarea"),
    ]


def agreement_url(agreement) -> str:
    return url_for("agreements.show", agreement_id=agreement.id)


Crud(
    blueprint,
    "authorization step",
    Authorization,
    authorizations,
    authorization_fields,
    lambda step: agreement_url(step.agreement),
    "/authorizations",
    parent=Parent("agreement_id", Agreement, "/agreements", agreement_url),
).register()
