from marshmallow import post_load, validate

from registry.core.enums import PartyKind
from registry.core.schemas import Choice, EntitySchema, Text

ISO3 = validate.Regexp(r"^[A-Za-z]{3}$", error="Must be three letters (ISO 3166-1 alpha-3).")


class PartySchema(EntitySchema):
    name = Text(required=True, max_length=200)
    short_name = Text(max_length=100)
    kind = Choice(PartyKind, required=True)
    iso3 = Text(max_length=3, validate=[ISO3])
    source = Text(max_length=5000)

    @post_load
    def _upper_case_code(self, values, **kwargs):
        if values.get("iso3"):
            values["iso3"] = values["iso3"].upper()
        return values
