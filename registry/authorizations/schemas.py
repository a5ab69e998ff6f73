from marshmallow import ValidationError, fields, validate, validates_schema

from registry.agreements.models import Agreement
from registry.authorizations.models import AuthorizationRule
from registry.core.enums import (
    CONSENT_REQUIREMENTS,
    AuthorizationDecision,
    AuthorizationRequirement,
    Classification,
    ClockTrigger,
    ClockUnit,
    LegalNature,
    Majority,
)
from registry.core.schemas import Choice, Day, EntitySchema, Ref, Text, WholeNumber
from registry.oversight.models import OversightBody


class AuthorizationRuleSchema(EntitySchema):
    name = Text(required=True, max_length=200)
    jurisdiction = Text(
        required=True,
        max_length=3,
        validate=[validate.Regexp(r"^[A-Z]{3}$", error="Give an ISO 3166-1 alpha-3 code: USA.")],
    )
    legal_nature = Choice(LegalNature, required=True)
    requirement = Choice(AuthorizationRequirement, required=True)
    trigger = Choice(ClockTrigger, required=True)
    period_length = WholeNumber(minimum=1, maximum=3650)
    period_unit = Choice(ClockUnit)
    body_id = Ref(OversightBody, "oversight body")
    majority = Choice(Majority, load_default=Majority.NONE, allow_none=False)
    members = WholeNumber(minimum=1, maximum=10000)
    required_before_force = fields.Boolean(load_default=False)
    restarts_after_rejection = fields.Boolean(load_default=False)
    extension_limit = WholeNumber(maximum=365, load_default=0, allow_none=False)
    applies_from = Day()
    description = Text(max_length=5000)
    source = Text(max_length=5000)

    @validates_schema(skip_on_field_errors=False)
    def _consistent(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        length, unit = data.get("period_length"), data.get("period_unit")
        if length and not unit:
            errors["period_unit"] = ["Say what the period counts: calendar days, sitting days…"]
        if unit and not length:
            errors["period_length"] = ["Give the length of the period."]
        if unit == ClockUnit.SITTING_DAYS and not data.get("body_id"):
            errors["body_id"] = ["A period in sitting days needs the body whose days count."]
        if data.get("majority") == Majority.ABSOLUTE and not data.get("members"):
            errors["members"] = ["An absolute majority needs the number of members."]
        if data.get("restarts_after_rejection") and data.get("trigger") != ClockTrigger.SUBMISSION:
            errors["restarts_after_rejection"] = [
                "Only a clock that runs from laying or submission restarts."
            ]
        if data.get("extension_limit") and unit not in (
            ClockUnit.SITTING_DAYS,
            ClockUnit.CALENDAR_DAYS,
        ):
            errors["extension_limit"] = ["Only a period counted in days can be extended."]
        requirement = data.get("requirement")
        if data.get("required_before_force") and requirement not in CONSENT_REQUIREMENTS:
            errors["required_before_force"] = [
                f"A {requirement.label.lower() if requirement else 'step'} does not give "
                "consent; only advice and consent, approval or a scrutiny period can."
            ]
        if errors:
            raise ValidationError(errors)


class AuthorizationSchema(EntitySchema):
    agreement_id = Ref(Agreement, "agreement", required=True)
    rule_id = Ref(AuthorizationRule, "authorisation rule")
    requirement = Choice(AuthorizationRequirement)
    body_id = Ref(OversightBody, "oversight body")
    submitted_on = Day()
    due_on = Day()
    decided_on = Day()
    decision = Choice(
        AuthorizationDecision, load_default=AuthorizationDecision.PENDING, allow_none=False
    )
    votes_for = WholeNumber(maximum=100000)
    votes_against = WholeNumber(maximum=100000)
    extended_by = WholeNumber(minimum=1, maximum=3650)
    instrument = Text(max_length=2000)
    reference = Text(max_length=64)
    conditions = Text(max_length=50000)
    classification = Choice(Classification)
    source = Text(max_length=5000)

    @validates_schema(skip_on_field_errors=False)
    def _decision(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        decision, decided = data.get("decision"), data.get("decided_on")
        if not data.get("requirement") and not data.get("rule_id"):
            errors["requirement"] = ["Choose the requirement, or the rule it follows."]
        if decision == AuthorizationDecision.PENDING and decided:
            errors["decided_on"] = ["A pending step has no decision date; set the decision too."]
        if decision and decision != AuthorizationDecision.PENDING and not decided:
            errors["decided_on"] = [f"Give the date of the decision ({decision.label.lower()})."]
        submitted = data.get("submitted_on")
        if decided and submitted and decided < submitted:
            errors.setdefault("decided_on", []).append(
                f"The decision cannot come before submission ({submitted})."
            )
        votes = (data.get("votes_for"), data.get("votes_against"))
        if (votes[0] is None) != (votes[1] is None):
            field = "votes_against" if votes[1] is None else "votes_for"
            errors.setdefault(field, []).append("Give the votes both for and against.")
        if votes[0] is not None and decision == AuthorizationDecision.PENDING:
            errors.setdefault("votes_for", []).append("Record the votes with the decision.")
        if errors:
            raise ValidationError(errors)
