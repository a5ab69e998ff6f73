from marshmallow import ValidationError, validates_schema

from registry.agreements.models import Agreement
from registry.core.enums import AuthorizationDecision, AuthorizationRequirement, Classification
from registry.core.schemas import Choice, Day, EntitySchema, Ref, Text, WholeNumber
from registry.oversight.models import OversightBody


class AuthorizationSchema(EntitySchema):
    agreement_id = Ref(Agreement, "agreement", required=True)
    requirement = Choice(AuthorizationRequirement, required=True)
    body_id = Ref(OversightBody, "oversight body")
    submitted_on = Day()
    due_on = Day()
    decided_on = Day()
    decision = Choice(
        AuthorizationDecision, load_default=AuthorizationDecision.PENDING, allow_none=False
    )
    votes_for = WholeNumber(maximum=100000)
    votes_against = WholeNumber(maximum=100000)
    instrument = Text(max_length=2000)
    reference = Text(max_length=64)
    conditions = Text(max_length=50000)
    classification = Choice(Classification)
    source = Text(max_length=5000)

    @validates_schema(skip_on_field_errors=False)
    def _decision(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        decision, decided = data.get("decision"), data.get("decided_on")
        if decision == AuthorizationDecision.PENDING and decided:
            errors["decided_on"] = ["A pending step has no decision date; set the decision too."]
        if decision and decision != AuthorizationDecision.PENDING and not decided:
            errors["decided_on"] = [f"Give the date of the decision ({decision.label.lower()})."]
        submitted = data.get("submitted_on")
        if decided and submitted and decided < submitted:
            errors.setdefault("decided_on", []).append(
                f"The decision cannot come before submission ({submitted})."
            )
        if errors:
            raise ValidationError(errors)
