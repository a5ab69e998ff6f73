"""Field types and the base schema shared by every entity's marshmallow schema."""

from __future__ import annotations

from datetime import date

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from registry.core.periods import InvalidPeriod, normalise_period
from registry.extensions import db

EARLIEST_DATE = date(1800, 1, 1)
LATEST_DATE = date(2200, 12, 31)


class EntitySchema(Schema):
    """Unknown fields are an error, so a typo never silently drops a value."""

    class Meta:
        unknown = RAISE


class Text(fields.String):
    """Text with surrounding whitespace removed; blank optional text is stored as null."""

    def __init__(self, *, max_length: int | None = None, required: bool = False, **kwargs):
        validators = list(kwargs.pop("validate", []) or [])
        if max_length:
            validators.append(validate.Length(max=max_length))
        if required:
            validators.append(validate.Length(min=1, error="Must not be blank."))
        super().__init__(required=required, allow_none=not required, validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if "\x00" in text:
            raise ValidationError("Must not contain NUL characters.")
        if not text and not self.required:
            return None
        return text


class Day(fields.Date):
    """A calendar date within the range a treaty record can plausibly carry."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_none", not kwargs.get("required", False))
        super().__init__(
            validate=validate.Range(
                min=EARLIEST_DATE,
                max=LATEST_DATE,
                error=f"Must be between {EARLIEST_DATE} and {LATEST_DATE}.",
            ),
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "":
            if self.required:
                raise ValidationError("Missing data for required field.")
            return None
        return super()._deserialize(value, attr, data, **kwargs)


class Period(fields.String):
    """An ISO 8601 period such as P20Y, P3M or P90D."""

    def __init__(self, **kwargs):
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            return None
        try:
            return normalise_period(text)
        except InvalidPeriod as error:
            raise ValidationError(str(error)) from error


class Choice(fields.Enum):
    """An enum member, given by its value."""

    def __init__(self, enum, **kwargs):
        kwargs.setdefault("allow_none", not kwargs.get("required", False))
        super().__init__(enum, by_value=True, **kwargs)


class Ref(fields.Integer):
    """The id of an existing record of `model`; the error names what was missing."""

    def __init__(self, model, noun: str, **kwargs):
        self.model = model
        self.noun = noun
        kwargs.setdefault("allow_none", not kwargs.get("required", False))
        super().__init__(strict=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "":
            return None
        record_id = super()._deserialize(value, attr, data, **kwargs)
        if record_id < 1 or record_id > 2**62 or db.session.get(self.model, record_id) is None:
            raise ValidationError(f"No {self.noun} with id {record_id}.")
        return record_id


def whole_number(*, minimum: int = 0, maximum: int = 10**9, **kwargs) -> fields.Integer:
    """A whole number in a range (integers given as text are accepted, as forms send them)."""
    kwargs.setdefault("allow_none", not kwargs.get("required", False))
    return fields.Integer(strict=False, validate=validate.Range(min=minimum, max=maximum), **kwargs)
