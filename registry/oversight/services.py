from sqlalchemy import select

from registry.core.errors import ValidationFailed
from registry.core.services import EntityService, creates_cycle
from registry.extensions import db
from registry.oversight.models import OversightBody, SittingDay
from registry.oversight.schemas import OversightBodySchema, SittingDaySchema


class OversightBodyService(EntityService):
    model = OversightBody
    schema = OversightBodySchema
    noun = "oversight body"
    unique_fields = ("name",)

    def prepare(self, values, existing, actor):
        if existing is not None and creates_cycle(
            OversightBody, existing.id, values.get("parent_id")
        ):
            raise ValidationFailed(
                {"parent_id": ["A body cannot be its own parent, directly or through others."]},
                self.noun,
            )
        return values


class SittingDayService(EntityService):
    model = SittingDay
    schema = SittingDaySchema
    noun = "sitting day"

    def prepare(self, values, existing, actor):
        duplicate = db.session.scalar(
            select(SittingDay.id).where(
                SittingDay.body_id == values["body_id"], SittingDay.sat_on == values["sat_on"]
            )
        )
        if duplicate and (existing is None or duplicate != existing.id):
            raise ValidationFailed(
                {"sat_on": [f"{values['sat_on']} is already a sitting day of this body."]},
                self.noun,
            )
        return values


oversight_bodies = OversightBodyService()
sitting_days = SittingDayService()
