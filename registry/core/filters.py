"""One filter schema per list: what its query string may hold, read the same way everywhere.

The web list, the API list and the list's downloads load their query string through the
list's schema, so the same query string finds the same rows on each. A parameter the list
does not know, or a value it cannot take, is a `BadFilter` naming the parameter and what it
accepts (a 400), never silently ignored. An empty value, as a form sends for a field left
blank, counts as not given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema
from sqlalchemy import Select, select

from registry.core.access import visible
from registry.core.enums import Classification
from registry.core.errors import BadFilter
from registry.core.queries import matching, ordering
from registry.core.schemas import LARGEST_ID, Day

MAX_PER_PAGE = 100
MAX_PAGE = 100_000
ORDERS = ("asc", "desc")


def choice(enum, **kwargs) -> fields.Enum:
    """A parameter that takes one of an enum's values."""
    return fields.Enum(enum, by_value=True, **kwargs)


def record_id(**kwargs) -> fields.Integer:
    """A parameter that names a record by its id."""
    return fields.Integer(validate=validate.Range(1, LARGEST_ID), **kwargs)


def search_text(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=200), **kwargs)


def a_date(**kwargs) -> fields.Date:
    """A date parameter, read by the one date parser (`registry/core/dates.py`)."""
    return Day(**kwargs)


def sort_by(sorts: Mapping[str, Any], default: str) -> fields.String:
    """The `sort` parameter of a list that sorts by the columns named in `sorts`."""
    return fields.String(validate=validate.OneOf(list(sorts)), load_default=default)


def order_field(**kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(ORDERS), **kwargs)


class Filters(Schema):
    """The query string of one list; a parameter it does not declare is refused."""

    class Meta:
        unknown = RAISE

    @pre_load
    def drop_blanks(self, data, **kwargs):
        """A blank parameter (a form field left empty) is as if it were not sent."""
        if not isinstance(data, Mapping):
            return data
        return {key: data[key] for key in data if data[key] not in ("", None)}


class ListFilters(Filters):
    """A paged, sorted list of one model's records within the reader's clearance.

    Subclasses name the model, the columns `sort` may take (`sorts`, with `sort` declared by
    `sort_by`), the columns `q` searches and the parameters that must equal a column.
    """

    model: ClassVar[type]
    sorts: ClassVar[dict[str, Any]] = {}
    default_order: ClassVar[str] = "asc"
    text_columns: ClassVar[tuple] = ()
    equal_to: ClassVar[dict[str, str]] = {}  # parameter → column of `model`

    page = fields.Integer(validate=validate.Range(1, MAX_PAGE), load_default=1)
    per_page = fields.Integer(validate=validate.Range(1, MAX_PER_PAGE))
    order = order_field(metadata={"description": "asc or desc; `direction` is the same."})
    direction = order_field(metadata={"description": "The same as `order`."})

    @validates_schema
    def one_order(self, values: dict, **kwargs) -> None:
        if values.get("order") and values.get("direction") not in (None, values["order"]):
            raise ValidationError("Give order or direction, not both.", "direction")

    def descending(self, values: dict) -> bool:
        return (values.get("order") or values.get("direction") or self.default_order) == "desc"

    def query(self, clearance: Classification, values: dict) -> Select:
        """The records the values ask for, within `clearance`, in the list's order."""
        query = self.matching(visible(select(self.model), self.model, clearance), values)
        return query.order_by(*self.ordering(values))

    def matching(self, query: Select, values: dict) -> Select:
        if self.text_columns:
            query = matching(query, values.get("q", ""), *self.text_columns)
        for name, column in self.equal_to.items():
            if values.get(name) is not None:
                query = query.where(getattr(self.model, column) == values[name])
        return query

    def ordering(self, values: dict, *, reverse: bool = False) -> tuple:
        """The list's order, or exactly its reverse (to read the last pages from the end)."""
        column = self.sorts[values["sort"]]
        return ordering(column, self.model.id, descending=self.descending(values), reverse=reverse)


def load_filters(schema: type[Filters] | Filters, args: Mapping[str, Any]) -> dict:
    """The values of a query string as `schema` reads them; BadFilter if it refuses any."""
    loader = schema() if isinstance(schema, type) else schema
    try:
        return loader.load(args)
    except ValidationError as error:
        raise bad_filter(error.messages, loader) from error


def bad_filter(messages: dict | list, schema: Schema) -> BadFilter:
    """The refusal of a query string, each parameter named with what the list accepts."""
    messages = messages if isinstance(messages, dict) else {"_schema": messages}
    known = ", ".join(sorted(schema.fields))
    named = {
        name: (
            [f"Unknown parameter: this list takes {known}."]
            if problems == ["Unknown field."]
            else problems
        )
        for name, problems in messages.items()
    }
    return BadFilter(named)
