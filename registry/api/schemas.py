"""What the API reads and writes, derived from the entity schemas the services validate with.

A record's response schema is its input schema plus the fields the registry keeps itself
(id, version, timestamps, archiving), so the contract cannot drift from the validation.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy import types as sa_types

from registry.core.db import UTCDateTime
from registry.core.enums import AuditAction, Classification, DeadlineKind
from registry.core.schemas import LARGEST_ID, Amount, Day, Period, WholeNumber

MAX_PER_PAGE = 100
MAX_PAGE = 100_000


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


def list_arguments(name: str, sorts: list[str], extra: dict[str, fields.Field]) -> type[Schema]:
    """The query string of a list: filters, sorting and pagination, as in the web lists."""
    return Schema.from_dict(
        {
            **extra,
            "sort": fields.String(validate=validate.OneOf(sorts), load_default=sorts[0]),
            "order": fields.String(validate=validate.OneOf(["asc", "desc"]), load_default="asc"),
            "page": fields.Integer(validate=validate.Range(1, MAX_PAGE), load_default=1),
            "per_page": fields.Integer(validate=validate.Range(1, MAX_PER_PAGE), load_default=25),
        },
        name=f"{name}QuerySchema",
    )


def record_id(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(1, LARGEST_ID), **kwargs)


def search_text() -> fields.String:
    return fields.String(validate=validate.Length(max=200))


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


class PartiesOnArguments(Schema):
    as_of = Day(metadata={"description": "The date asked about; today by default."})


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


class DeadlineArguments(Schema):
    start = Day(metadata={"description": "First due date listed; a year ago by default."})
    end = Day(metadata={"description": "Last due date listed; a year ahead by default."})
    kind = fields.Enum(DeadlineKind, by_value=True)
    agreement_id = record_id()
    page = fields.Integer(validate=validate.Range(1, MAX_PAGE), load_default=1)
    per_page = fields.Integer(validate=validate.Range(1, MAX_PER_PAGE), load_default=25)


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


class AuditArguments(Schema):
    after = fields.Integer(
        validate=validate.Range(0, 2**62),
        load_default=0,
        metadata={"description": "List events with ids above this one (keyset pagination)."},
    )
    limit = fields.Integer(validate=validate.Range(1, 1000), load_default=100)
    entity_type = fields.String(validate=validate.Length(max=40))
    entity_id = record_id()
    action = fields.Enum(AuditAction, by_value=True)


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
