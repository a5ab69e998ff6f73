"""Forms for the steps of legislative authorisation."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.agreements.models import Agreement
from registry.authorizations.models import Authorization, AuthorizationRule
from registry.authorizations.services import authorization_rules, authorizations
from registry.core.access import clearance_of, visible
from registry.core.enums import (
    AuthorizationDecision,
    AuthorizationRequirement,
    Classification,
    ClockTrigger,
    ClockUnit,
    LegalNature,
    Majority,
)
from registry.core.permissions import Permission
from registry.extensions import db
from registry.oversight.models import OversightBody
from registry.web.access import load_visible, requires
from registry.web.crud import Crud, Parent
from registry.web.forms import Field, enum_choices, record_choices

blueprint = Blueprint("authorizations", __name__)


def authorization_fields() -> list[Field]:
    return [
        Field(
            "rule_id",
            "Rule",
            "select",
            hint="The rule this step follows: it sets the clock, the body and the majority.",
            choices=record_choices(
                AuthorizationRule, lambda r: r.name, order_by=AuthorizationRule.name
            ),
        ),
        Field(
            "requirement",
            "Requirement",
            "select",
            hint="Empty: the rule's requirement.",
            choices=enum_choices(AuthorizationRequirement),
        ),
        Field(
            "body_id",
            "Body",
            "select",
            choices=record_choices(OversightBody, lambda b: b.name, order_by=OversightBody.name),
        ),
        Field(
            "submitted_on",
            "Laid or submitted on",
            "date",
            hint="For a minister's statement after a resolution against, the day it was laid.",
        ),
        Field("due_on", "Due on", "date", hint="Only for a step without a rule's clock."),
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
        Field(
            "extended_by",
            "Period extended by (days)",
            "number",
            hint="Where the rule allows an extension of the period.",
        ),
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


def rule_fields() -> list[Field]:
    return [
        Field("name", "Name", required=True),
        Field(
            "jurisdiction",
            "Jurisdiction",
            required=True,
            hint="ISO 3166-1 alpha-3 code of the state whose legislature sets the rule.",
        ),
        Field(
            "legal_nature",
            "Legal nature",
            "select",
            True,
            choices=enum_choices(LegalNature, blank=None),
        ),
        Field(
            "requirement",
            "What the legislature must do",
            "select",
            True,
            choices=enum_choices(AuthorizationRequirement, blank=None),
        ),
        Field(
            "trigger",
            "Clock starts at",
            "select",
            True,
            choices=enum_choices(ClockTrigger, blank=None),
        ),
        Field("period_length", "Period length", "number", hint="Empty: no time limit."),
        Field("period_unit", "Period counted in", "select", choices=enum_choices(ClockUnit)),
        Field(
            "body_id",
            "Body",
            "select",
            hint="Whose sitting days count, and who decides.",
            choices=record_choices(OversightBody, lambda b: b.name, order_by=OversightBody.name),
        ),
        Field(
            "majority",
            "Majority required",
            "select",
            True,
            choices=enum_choices(Majority, blank=None),
        ),
        Field("members", "Members of the body", "number", hint="Votes cannot add up to more."),
        Field(
            "required_before_force",
            "Must be approved before the agreement may enter into force",
            "checkbox",
        ),
        Field(
            "restarts_after_rejection",
            "A resolution against followed by a statement starts a new period",
            "checkbox",
        ),
        Field("extension_limit", "Longest extension (days)", "number", hint="0: none."),
        Field(
            "applies_from",
            "Applies to events from",
            "date",
            hint="Empty: to all. Earlier events start no clock.",
        ),
        Field("description", "Description", "textarea"),
        Field("source", "Source", "textarea"),
    ]


def rule_url(rule) -> str:
    return url_for("authorizations.rule_show", rule_id=rule.id)


Crud(
    blueprint,
    "authorisation rule",
    AuthorizationRule,
    authorization_rules,
    rule_fields,
    rule_url,
    "/authorisation-rules",
    index_url=lambda: url_for("authorizations.rule_index"),
    permission=Permission.CONFIGURE,
    archive_permission=Permission.CONFIGURE,
).register()


@blueprint.get("/authorisation-rules")
@requires(Permission.READ)
def rule_index():
    query = visible(
        select(AuthorizationRule),
        AuthorizationRule,
        clearance_of(current_user),
        archived=True,
    )
    rules = db.session.scalars(
        query.options(selectinload(AuthorizationRule.body)).order_by(
            AuthorizationRule.archived_at.is_not(None),
            AuthorizationRule.jurisdiction,
            AuthorizationRule.name,
        )
    ).all()
    return render_template(
        "authorizations/rules.html", rules=rules, page_title="Authorisation rules"
    )


@blueprint.get("/authorisation-rules/<int:rule_id>")
@requires(Permission.READ)
def rule_show(rule_id: int):
    rule = load_visible(AuthorizationRule, rule_id)
    steps = db.session.scalars(
        visible(select(Authorization), Authorization, clearance_of(current_user))
        .where(Authorization.rule_id == rule.id)
        .options(selectinload(Authorization.agreement))
        .order_by(Authorization.submitted_on.desc(), Authorization.id.desc())
        .limit(200)
    ).all()
    return render_template("authorizations/rule.html", rule=rule, steps=steps, page_title=rule.name)
