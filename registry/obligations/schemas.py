from marshmallow import ValidationError, fields, validates_schema

from registry.agreements.models import Agreement
from registry.core.enums import Classification, ObligationKind, ObligationStatus
from registry.core.schemas import Amount, Choice, Day, EntitySchema, Period, Ref, Text
from registry.obligations.models import Obligation
from registry.oversight.models import OversightBody
from registry.parties.models import Party
from registry.users.models import User


class ObligationSchema(EntitySchema):
    agreement_id = Ref(Agreement, "agreement", required=True)
    article_reference = Text(max_length=64)
    title = Text(required=True, max_length=500)
    text = Text(max_length=50000)
    kind = Choice(ObligationKind, required=True)
    obligated_party_id = Ref(Party, "party")
    responsible_office = Text(max_length=500)
    owner_id = Ref(User, "user")
    oversight_body_id = Ref(OversightBody, "oversight body")
    due_on = Day()
    recurrence = Period()
    status = Choice(ObligationStatus, load_default=ObligationStatus.ACTIVE, allow_none=False)
    target_value = Amount()
    target_unit = Text(max_length=32)
    classification = Choice(Classification)
    source = Text(max_length=5000)

    @validates_schema(skip_on_field_errors=False)
    def _target(self, data, **kwargs):
        if data.get("target_value") is not None and not data.get("target_unit"):
            raise ValidationError({"target_unit": ["Give the unit of the target (e.g. % of GDP)."]})
        if data.get("recurrence") and not data.get("due_on"):
            raise ValidationError({"due_on": ["A recurring obligation needs its first due date."]})


class MeasurementSchema(EntitySchema):
    obligation_id = Ref(Obligation, "obligation", required=True)
    party_id = Ref(Party, "party", required=True)
    period_start = Day(required=True)
    period_end = Day(required=True)
    value = Amount(required=True)
    unit = Text(required=True, max_length=32)
    is_estimate = fields.Boolean(load_default=False)
    source = Text(required=True, max_length=5000)

    @validates_schema(skip_on_field_errors=False)
    def _period(self, data, **kwargs):
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            raise ValidationError(
                {"period_end": [f"The period cannot end before it starts ({start})."]}
            )
