from marshmallow import ValidationError, fields, validates_schema

from registry.agreements.models import Agreement
from registry.core.enums import Classification, ComplianceFinding, ReviewOutcome, ReviewStatus
from registry.core.schemas import Choice, Day, EntitySchema, Ref, Text
from registry.obligations.models import Obligation
from registry.oversight.models import OversightBody
from registry.reviews.models import Review


class ReviewSchema(EntitySchema):
    agreement_id = Ref(Agreement, "agreement", required=True)
    obligation_id = Ref(Obligation, "obligation")
    is_periodic = fields.Boolean(load_default=False)
    due_on = Day(required=True)
    body_id = Ref(OversightBody, "oversight body")
    status = Choice(ReviewStatus, load_default=ReviewStatus.SCHEDULED, allow_none=False)
    completed_on = Day()
    compliance = Choice(ComplianceFinding)
    outcome = Choice(ReviewOutcome)
    findings = Text(max_length=100000)
    recommendations = Text(max_length=100000)
    classification = Choice(Classification)
    corrects_id = Ref(Review, "review")

    @validates_schema(skip_on_field_errors=False)
    def _status(self, data, **kwargs):
        if data.get("status") == ReviewStatus.APPROVED:
            raise ValidationError(
                {"status": ["A review is approved only by a reviewer's sign-off, not by editing."]}
            )
