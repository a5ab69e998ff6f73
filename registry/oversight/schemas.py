from marshmallow import validate

from registry.core.enums import OversightBodyKind
from registry.core.schemas import Choice, Day, EntitySchema, Ref, Text
from registry.oversight.models import OversightBody


class OversightBodySchema(EntitySchema):
    name = Text(required=True, max_length=200)
    short_name = Text(max_length=100)
    kind = Choice(OversightBodyKind, required=True)
    jurisdiction = Text(max_length=64)
    contact_email = Text(
        max_length=254, validate=[validate.Email(error="Not a valid email address.")]
    )
    url = Text(max_length=2000, validate=[validate.URL(schemes={"http", "https"})])
    parent_id = Ref(OversightBody, "oversight body")
    source = Text(max_length=5000)


class SittingDaySchema(EntitySchema):
    body_id = Ref(OversightBody, "oversight body", required=True)
    sat_on = Day(required=True)
