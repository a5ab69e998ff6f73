"""Field types and the base schema shared by every entity's marshmallow schema.

The fields run their own checks after turning blank input into null, so an empty optional
form field is stored as null instead of failing a length or range check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing, validate
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

from registry.core.dates import InvalidDate, parse_date
from registry.core.periods import InvalidPeriod, normalise_period
from registry.extensions import db

LARGEST_ID = 2**31 - 1  # id columns are 32-bit integers on PostgreSQL
REQUIRED = "Missing data for required field."
_WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,18}$")


class EntitySchema(Schema):
    """Unknown fields are an error, so a typo never silently drops a value."""

    class Meta:
        unknown = RAISE


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Text(fields.String):
    """Text with surrounding whitespace removed; blank optional text is stored as null."""

    def __init__(self, *, max_length: int | None = None, required: bool = False, **kwargs):
        self.checks = list(kwargs.pop("validate", []) or [])
        if max_length:
            self.checks.append(validate.Length(max=max_length))
        super().__init__(required=required, allow_none=not required, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            if self.required:
                raise ValidationError("Must not be blank.")
            return None
        if "\x00" in text:
            raise ValidationError("Must not contain NUL characters.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValidationError("Must be valid Unicode text.") from error
        for check in self.checks:
            check(text)
        return text


class Day(fields.Date):
    """A calendar date within the range a treaty record can plausibly carry."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_none", not kwargs.get("required", False))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if _blank(value):
            if self.required:
                raise ValidationError(REQUIRED)
            return None
        try:
            return parse_date(value)
        except InvalidDate as error:
            raise ValidationError(str(error)) from error


class Period(fields.String):
    """An ISO 8601 period such as P20Y, P3M or P90D."""

    MAX_LENGTH = 16  # the width of the period columns

    def __init__(self, **kwargs):
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            return None
        if len(text) > self.MAX_LENGTH:
            raise ValidationError(f"Longer than maximum length {self.MAX_LENGTH}.")
        try:
            return normalise_period(text)
        except InvalidPeriod as error:
            raise ValidationError(str(error)) from error


class Choice(fields.Enum):
    """An enum member, given by its value."""

    def __init__(self, enum, **kwargs):
        kwargs.setdefault("allow_none", not kwargs.get("required", False))
        super().__init__(enum, by_value=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if _blank(value) and self.allow_none:
            return None
        return super()._deserialize(value, attr, data, **kwargs)


class Amount(fields.Decimal):
    """A decimal quantity; blank optional input is null. NaN and infinity are refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_none", not kwargs.get("required", False))
        super().__init__(places=4, allow_nan=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if _blank(value):
            if self.required:
                raise ValidationError(REQUIRED)
            return None
        amount = super()._deserialize(value, attr, data, **kwargs)
        if abs(amount) > 10**13:
            raise ValidationError("Must be between -10^13 and 10^13.")
        return amount


class WholeNumber(fields.Field):
    """A whole number in a range. Digits in text are accepted, as forms send them; 82.5 is not."""

    def __init__(self, *, minimum: int = 0, maximum: int = 10**9, **kwargs):
        kwargs.setdefault("allow_none", not kwargs.get("required", False))
        self.minimum, self.maximum = minimum, maximum
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if _blank(value):
            if self.required:
                raise ValidationError(REQUIRED)
            return None if self.load_default is missing else self.load_default
        if isinstance(value, bool):
            raise ValidationError("Not a valid whole number.")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and _WHOLE_NUMBER.match(value.strip()):
            value = int(value.strip())
        if not isinstance(value, int):
            raise ValidationError("Not a valid whole number.")
        if not self.minimum <= value <= self.maximum:
            raise ValidationError(f"Must be between {self.minimum} and {self.maximum}.")
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Ref(WholeNumber):
    """The id of an existing record of `model`; the error names what was missing."""

    def __init__(self, model, noun: str, **kwargs):
        self.model = model
        self.noun = noun
        super().__init__(minimum=1, maximum=LARGEST_ID, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            record_id = super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as error:
            if _blank(value):
                raise
            raise ValidationError(f"No {self.noun} with id {value!r}.") from error
        if record_id is not None and db.session.get(self.model, record_id) is None:
            raise ValidationError(f"No {self.noun} with id {record_id}.")
        return record_id


class ReasonSchema(EntitySchema):
    reason = Text(max_length=5000)


# Fields whose loaded value depends on the cell alone (a reference also on the records stored).
_BY_CELL = (Text, Day, Period, Choice, Amount, WholeNumber, fields.Boolean)
# Cells looked up by value: equal cells of these types are the same cell (unlike 0.0 and -0.0,
# which load as different amounts). Lists and objects are loaded each time.
_KEPT_CELLS = frozenset({type(None), str, int, bool})
# Loaded values that rows may share: none of them can be changed in place.
_SHAREABLE = frozenset({type(None), str, int, bool, float, Decimal, date, datetime})


class RowLoader:
    """Load many rows with one schema exactly as `schema.load` does, each distinct cell once.

    An import loads the same kinds, dates and references thousands of times over: a cell a
    field has loaded before is looked up, not loaded again. A row with any problem is loaded
    by `schema.load` itself, so that its errors are marshmallow's own; so is every row of a
    schema with hooks or fields this does not handle. References are checked against the
    records stored when first seen: use one loader for rows checked together, before writing.
    """

    def __init__(self, schema: Schema):
        self.schema = schema
        self._plan = [
            (field.data_key or name, field.attribute or name, field, {})
            for name, field in schema.load_fields.items()
        ]
        self._by_name = {key: (field, memo) for key, _, field, memo in self._plan}
        hooks = type(schema).resolve_hooks()  # the decorated methods, as marshmallow finds them
        self._validators = [getattr(schema, name) for name, _, _ in hooks[VALIDATES_SCHEMA]]
        self._quick = (
            schema.unknown == RAISE
            and not schema.partial
            and not any(hooks[hook] for hook in (PRE_LOAD, POST_LOAD, VALIDATES))
            and all(
                not many and not options.get("pass_original")
                for _, many, options in hooks[VALIDATES_SCHEMA]
            )
            and all(isinstance(field, _BY_CELL) for field in schema.load_fields.values())
        )

    def load(self, data: Mapping) -> dict[str, Any]:
        """The row's values as `schema.load(data)` gives them; raises its ValidationError."""
        if self._quick and type(data) is dict:
            values = self._load_valid(data)
            if values is not None:
                return values
        return self.schema.load(data)

    def value(self, key: str, cell) -> Any:
        """One field's value as the schema loads it; raises ValidationError."""
        field, memo = self._by_name[key]
        return self._cell(field, memo, key, cell, {key: cell})

    def _load_valid(self, data: dict) -> dict[str, Any] | None:
        """The row's values, or None if anything is wrong with it (unknown fields included)."""
        if not all(map(self._by_name.__contains__, data)):
            return None
        values: dict[str, Any] = {}
        try:
            for key, attribute, field, memo in self._plan:
                cell = data.get(key, missing)
                value = (
                    field.deserialize(missing, key, data)
                    if cell is missing
                    else self._cell(field, memo, key, cell, data)
                )
                if value is not missing:
                    values[attribute] = value
            for validator in self._validators:
                validator(
                    values, partial=self.schema.partial, many=False, unknown=self.schema.unknown
                )
        except ValidationError:
            return None
        return values

    @staticmethod
    def _cell(field, memo: dict, key: str, cell, data):
        kind = type(cell)
        if kind not in _KEPT_CELLS:
            return field.deserialize(cell, key, data)
        # The type is part of the key: 1 and True are equal, and load differently.
        try:
            return memo[kind, cell]
        except KeyError:
            value = field.deserialize(cell, key, data)
            if type(value) in _SHAREABLE or isinstance(value, Enum):
                memo[kind, cell] = value
            return value
