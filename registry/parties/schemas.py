from marshmallow import ValidationError, validate, validates

from registry.core.enums import PartyKind
from registry.core.schemas import Choice, EntitySchema, Text


class PartySchema(EntitySchema):
    name = Text(required=True, max_length=200)
    short_name = Text(max_length=100)
    kind = Choice(PartyKind, required=True)
    iso3 = Text(max_length=3)
    source = Text(max_length=5000)

    @validates("iso3")
    def _iso3(self, value, **kwargs):
        if value is not None:
            validate.Regexp(r"^[A-Za-z]{3}$", error="Must be three letters (ISO 3166-1 alpha-3).")(
                value
            )

    def load(self, data, **kwargs):
        values = super().load(data, **kwargs)
        if values.get("iso3"):
            values["iso3"] = values["iso3"].upper()
        return values


__all__ = ["PartySchema", "ValidationError"]
