"""What the API reads and writes, derived from the entity schemas the services validate with.

A record's response schema is its input schema plus the fields the registry keeps itself
(id, version, timestamps, archiving), so the contract cannot drift from the validation.
"""

from __future__ import annotations

from functools import cache

from marshmallow import Schema, fields, validate
from sqlalchemy import types as sa_types

from registry.core.db import UTCDateTime
from registry.core.enums import Classification, DeadlineKind
from registry.core.filters import Filters, a_date
from registry.core.schemas import Amount, Day, Period, WholeNumber


@cache  # one class per entity, however many apps are made
def record_schema(input_schema: type[Schema], name: str, model) -> type[Schema]:
    """The response schema of one record: what may be written, and what the registry keeps."""
    written = input_schema().fields
    kept = {
        column.name: _read_only_field(column)
        for column in model.__table__.columns
        if column.name not in written
    }
    # Decimals travel as strings: a JSON number would lose their exactness.
    decimals = {
        field_name: _decimal(required=field.required)
        for field_name, field in written.items()
        if isinstance(field, Amount)
    }
    return type(f"{name}RecordSchema", (input_schema,), {**kept, **decimals})


def _read_only_field(column) -> fields.Field:
    kind = column.type
    options = {"required": not column.nullable, "allow_none": column.nullable}
    if isinstance(kind, sa_types.Enum):
        return fields.String(validate=validate.OneOf(kind.enums), **options)
    if isinstance(kind, UTCDateTime | sa_types.DateTime):
        return fields.AwareDateTime(**options)
    if isinstance(kind, sa_types.Date):
        return fields.Date(**options)
    if isinstance(kind, sa_types.Boolean):
        return fields.Boolean(**options)
    if isinstance(kind, sa_types.Integer):
        return fields.Integer(**options)
    if isinstance(kind, sa_types.Numeric):
        return _decimal(required=not column.nullable)
    return fields.String(**options)


def _decimal(*, required: bool) -> fields.Decimal:
    return fields.Decimal(
        as_string=True,
        required=required,
        allow_none=not required,
        metadata={"type": "string", "format": "decimal", "example": "2.0000"},
    )


@cache
def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A page of records with where it sits in the whole list."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True),
            "pages": fields.Integer(required=True),
        },
        name=f"{name}PageSchema",
    )


class ReasonBodySchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class ReviewStepSchema(Schema):
    reason = fields.String(
        validate=validate.Length(max=5000),
        metadata={"description": "Why a review is returned (required to return one)."},
    )
    completed_on = Day(
        metadata={"description": "The sign-off date when approving; today by default."}
    )


class StandingSchema(Schema):
    party_id = fields.Integer(required=True)
    name = fields.String(required=True)
    iso3 = fields.String(allow_none=True)
    standing = fields.String(required=True)


class PartiesOnSchema(Schema):
    agreement_id = fields.Integer(required=True)
    as_of = fields.Date(required=True)
    parties = fields.List(fields.Nested(StandingSchema), required=True)


class PartiesOnArguments(Filters):
    as_of = a_date(metadata={"description": "The date asked about; today by default."})


class DeadlineSchema(Schema):
    key = fields.String(required=True)
    kind = fields.Enum(DeadlineKind, by_value=True, required=True)
    due_on = fields.Date(required=True)
    title = fields.String(required=True)
    agreement_id = fields.Integer(required=True)
    agreement_reference = fields.String(required=True)
    classification = fields.Enum(Classification, by_value=True, required=True)
    responsible_ids = fields.List(fields.Integer(), required=True)
    oversight_body_id = fields.Integer(allow_none=True)


class AuditEventSchema(Schema):
    id = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    actor_id = fields.Integer(allow_none=True)
    actor_label = fields.String(required=True)
    action = fields.Function(lambda event: event.action.value, required=True)
    entity_type = fields.String(allow_none=True)
    entity_id = fields.Integer(allow_none=True)
    entity_label = fields.String(allow_none=True)
    changes = fields.Dict(required=True)
    reason = fields.String(allow_none=True)
    prev_hash = fields.String(required=True)
    hash = fields.String(required=True)


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEventSchema), required=True)
    next_after = fields.Integer(
        allow_none=True,
        metadata={"description": "Pass as `after` for the next page; null on the last page."},
    )


def field_properties(self, field, **kwargs) -> dict:
    """OpenAPI limits of the registry's own field types, which validate in their own way."""
    properties: dict = {}
    for check in getattr(field, "checks", ()):
        if isinstance(check, validate.Length) and check.max is not None:
            properties["maxLength"] = check.max
    if isinstance(field, WholeNumber):
        properties.update(type="integer", minimum=field.minimum, maximum=field.maximum)
    if isinstance(field, Period):
        properties.update(maxLength=Period.MAX_LENGTH, example="P5Y")
    return properties
