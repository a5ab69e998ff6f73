from sqlalchemy import select

from registry.agreements.models import Agreement
from registry.core.access import inherit_classification
from registry.core.errors import ValidationFailed
from registry.core.services import EntityService
from registry.extensions import db
from registry.obligations.models import Measurement, Obligation
from registry.obligations.schemas import MeasurementSchema, ObligationSchema


class ObligationService(EntityService):
    model = Obligation
    schema = ObligationSchema
    noun = "obligation"
    immutable_fields = ("agreement_id",)

    def prepare(self, values, existing, actor):
        agreement = db.session.get(Agreement, values["agreement_id"])
        return inherit_classification(values, agreement, self.noun)


class MeasurementService(EntityService):
    model = Measurement
    schema = MeasurementSchema
    noun = "measurement"
    immutable_fields = ("obligation_id",)

    def prepare(self, values, existing, actor):
        obligation = db.session.get(Obligation, values["obligation_id"])
        if obligation.target_unit and values["unit"] != obligation.target_unit:
            raise ValidationFailed(
                {"unit": [f"Must be the obligation's target unit ({obligation.target_unit})."]},
                self.noun,
            )
        duplicate = db.session.scalar(
            select(Measurement.id).where(
                Measurement.obligation_id == values["obligation_id"],
                Measurement.party_id == values["party_id"],
                Measurement.period_start == values["period_start"],
                Measurement.period_end == values["period_end"],
            )
        )
        if duplicate and (existing is None or duplicate != existing.id):
            raise ValidationFailed(
                {"period_start": ["A value is already recorded for this party and period."]},
                self.noun,
            )
        return values


obligations = ObligationService()
measurements = MeasurementService()
