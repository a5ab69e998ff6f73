from marshmallow import fields, validate

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

    def load(self, data, **kwargs):
        values = super().load(data, **kwargs)
        values["email"] = values["email"].lower()
        return values
