from marshmallow import fields, pre_load, validate

from registry.core.enums import Classification, Role
from registry.core.schemas import Choice, EntitySchema, Text

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


class UserSchema(EntitySchema):
    email = Text(
        required=True, max_length=254, validate=[validate.Email(error="Not a valid email address.")]
    )
    name = Text(required=True, max_length=200)
    role = Choice(Role, required=True)
    clearance = Choice(Classification, load_default=Classification.PUBLIC, allow_none=False)
    active = fields.Boolean(load_default=True)

    @pre_load
    def _lower_case_email(self, data, **kwargs):
        # Before validation: lower-casing can lengthen text ("İ" becomes two characters).
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            data = {**data, "email": data["email"].lower()}
        return data
