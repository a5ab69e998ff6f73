"""The shared field types run any validator given to them."""

from datetime import date

import pytest
from marshmallow import ValidationError, validate

from registry.core.enums import Classification
from registry.core.schemas import Choice, Day, EntitySchema, Period, Text, WholeNumber


class Checked(EntitySchema):
    day = Day(validate=validate.Range(min=date(2000, 1, 1)))
    number = WholeNumber(validate=validate.OneOf([1, 2]))
    level = Choice(Classification, validate=validate.OneOf([Classification.PUBLIC]))
    term = Period(validate=validate.OneOf(["P1Y"]))
    name = Text(validate=[validate.Regexp(r"^[A-Z]")])


def test_a_validator_given_to_a_field_still_runs():
    with pytest.raises(ValidationError) as error:
        Checked().load(
            {"day": "1999-12-31", "number": "3", "level": "secret", "term": "P2Y", "name": "x"}
        )
    assert set(error.value.messages) == {"day", "number", "level", "term", "name"}
    loaded = Checked().load(
        {"day": "2000-01-01", "number": "2", "level": "public", "term": "P1Y", "name": "X"}
    )
    assert loaded == {
        "day": date(2000, 1, 1),
        "number": 2,
        "level": Classification.PUBLIC,
        "term": "P1Y",
        "name": "X",
    }
