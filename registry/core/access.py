"""Clearance: what each reader may see. Every list, page, count and search goes through here.

One rule, read from the entity descriptions: a record is visible to a reader if its own level
(where it has one) is within the reader's clearance and each parent its description names
(`Entity.classified_by`, `Entity.also_classified_by`) is visible too. `visible_to(reader)`
applies the rule to a query (`filter`, `conditions`) and to a loaded record (`sees`) alike.
Whether a record is archived is its own affair: lists leave archived records out, their pages
still show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import ColumnElement, Select, or_, select

from registry.core.entities import entity, for_model
from registry.core.enums import Classification
from registry.core.errors import ValidationFailed
from registry.extensions import db


def clearance_of(user) -> Classification:
    """The clearance of a signed-in user; readers who are not signed in see public records."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Classification.PUBLIC
    return user.clearance


@cache
def allowed_levels(clearance: Classification) -> tuple[Classification, ...]:
    return tuple(level for level in Classification if Classification(clearance).allows(level))


def sees_everything(clearance: Classification) -> bool:
    """Cleared for every level: there is nothing to hide from this reader."""
    return len(allowed_levels(clearance)) == len(Classification)


_PARENTS: dict[type, tuple[tuple[type, str, bool], ...]] = {}


def _parents(model: type) -> tuple[tuple[type, str, bool], ...]:
    """The models whose visibility a record of `model` depends on, each with the id column
    naming it and whether that column may be empty (from the model's description)."""
    known = _PARENTS.get(model)
    if known is not None:
        return known
    described = for_model(model)
    if described is None:
        return ()  # not remembered: the description may be registered later
    named = ((described.classified_by,) if described.classified_by else ()) + tuple(
        described.also_classified_by
    )
    _PARENTS[model] = tuple(
        (entity(name).model, column, model.__table__.c[column].nullable) for name, column in named
    )
    return _PARENTS[model]


@dataclass(frozen=True)
class Visibility:
    """What one clearance may see, as SQL conditions and as a test of loaded records."""

    clearance: Classification

    @property
    def levels(self) -> tuple[Classification, ...]:
        return allowed_levels(self.clearance)

    @property
    def everything(self) -> bool:
        return sees_everything(self.clearance)

    def allows(self, level: Classification | str | None) -> bool:
        """Whether a record at `level` is within the clearance (no level: public)."""
        return Classification(level or Classification.PUBLIC) in self.levels

    def filter(self, query: Select, model, *, archived: bool = False) -> Select:
        """Limit a query of `model` to what this clearance may see (and to live records)."""
        if not archived and hasattr(model, "archived_at"):
            query = query.where(model.archived_at.is_(None))
        conditions = self.conditions(model)
        return query.where(*conditions) if conditions else query

    def conditions(self, model, *, joined: tuple[type, ...] = ()) -> list[ColumnElement[bool]]:
        """The conditions limiting rows of `model` to this clearance; none for a reader who
        sees everything. A parent in `joined` is already joined into the query, so its own
        columns are tested; any other is probed with EXISTS by its primary key, per row, which
        lets a list or an export walk its own table in id order (an IN list of every visible
        parent made SQLite walk the parents instead)."""
        if self.everything:
            return []
        found: list[ColumnElement[bool]] = []
        if hasattr(model, "classification"):
            found.append(model.classification.in_(self.levels))
        for parent, column, optional in _parents(model):
            if parent in joined:
                found.extend(self.conditions(parent))
                continue
            parent_id = getattr(model, column)
            probe = select(parent.id).where(parent.id == parent_id, *self.conditions(parent))
            if optional:
                found.append(or_(parent_id.is_(None), probe.exists()))
            else:
                found.append(probe.exists())
        return found

    def sees(self, record) -> bool:
        """The same rule for one loaded record (archived or not)."""
        if not self.allows(getattr(record, "classification", None)):
            return False
        for parent, column, _ in _parents(type(record)):
            parent_id = getattr(record, column)
            loaded = getattr(record, column.removesuffix("_id"), None)
            if not isinstance(loaded, parent):
                loaded = db.session.get(parent, parent_id) if parent_id is not None else None
            if loaded is not None and not self.sees(loaded):
                return False
        return True


def visible_to(reader) -> Visibility:
    """What `reader` may see: a user (signed in or not) or a clearance."""
    if isinstance(reader, Classification | str):
        return _visibility(Classification(reader))
    return _visibility(clearance_of(reader))


@cache
def _visibility(clearance: Classification) -> Visibility:
    return Visibility(clearance)


def visible(query: Select, model, clearance: Classification, *, archived: bool = False) -> Select:
    """Limit a query of `model` to what `clearance` may see (and to live records)."""
    return visible_to(clearance).filter(query, model, archived=archived)


def can_see(record, clearance: Classification) -> bool:
    """The same rule for one loaded record."""
    return visible_to(clearance).sees(record)


def inherit_classification(values: dict, agreement, noun: str) -> dict:
    """Default a child record to its agreement's level and refuse anything lower."""
    level = values.get("classification") or agreement.classification
    if not Classification(level).allows(agreement.classification):
        raise ValidationFailed(
            {
                "classification": [
                    f"Must be at least the agreement's level ({agreement.classification.value})."
                ]
            },
            noun,
        )
    values["classification"] = Classification(level)
    return values
