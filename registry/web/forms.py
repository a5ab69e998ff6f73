"""Form fields described once per entity; the entity's marshmallow schema does the checking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from flask import request
from flask_login import current_user
from sqlalchemy import select

from registry.core.access import clearance_of, visible
from registry.extensions import db


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, date, select, number, email, url, checkbox, period
    required: bool = False
    hint: str | None = None
    choices: Callable[[], list[tuple[str, str]]] | None = None
    max_length: int | None = None


def enum_choices(enum_cls: type[Enum], *, blank: str | None = "—") -> Callable:
    def choices():
        options = [(member.value, member.label) for member in enum_cls]
        return [("", blank), *options] if blank is not None else options

    return choices


def record_choices(model, label: Callable, *, order_by, blank: str = "—") -> Callable:
    """Options for a reference field: the records the current user may see."""

    def choices():
        query = visible(select(model), model, clearance_of(current_user)).order_by(order_by)
        return [("", blank), *((str(item.id), label(item)) for item in db.session.scalars(query))]

    return choices


def as_text(value) -> str:
    """How a stored value reads in a form input."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def values_of(record, fields: list[Field]) -> dict[str, str]:
    return {field.name: as_text(getattr(record, field.name, None)) for field in fields}


def submitted(fields: list[Field]) -> dict[str, object]:
    """The posted values of the declared fields only; an unticked checkbox means false."""
    data: dict[str, object] = {}
    for field in fields:
        if field.kind == "checkbox":
            data[field.name] = field.name in request.form
        elif field.name in request.form:
            data[field.name] = request.form.get(field.name, "")
    return data


def field_errors(messages: dict) -> dict[str, list[str]]:
    """Flatten marshmallow's messages to one list of sentences per field."""
    flat: dict[str, list[str]] = {}
    for name, problems in messages.items():
        if isinstance(problems, dict):
            problems = [text for value in problems.values() for text in value]
        flat[str(name)] = [str(problem) for problem in problems]
    return flat
