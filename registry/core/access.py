"""Clearance: what each reader may see. Every list, page, count and search goes through here."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, select

from registry.core.enums import Classification
from registry.core.errors import ValidationFailed


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


def visible(query: Select, model, clearance: Classification, *, archived: bool = False) -> Select:
    """Limit a query of `model` to what `clearance` may see (and to live records).

    A record that belongs to an agreement is visible only if both it and its agreement are.
    """
    from registry.agreements.models import Agreement

    levels = allowed_levels(clearance)
    everything = sees_everything(clearance)
    if not archived and hasattr(model, "archived_at"):
        query = query.where(model.archived_at.is_(None))
    if hasattr(model, "classification") and not everything:
        query = query.where(model.classification.in_(levels))
    if model is not Agreement and hasattr(model, "agreement_id"):
        if not everything:
            # EXISTS, probed per row by primary key, lets a list or an export walk its own
            # table in id order; an IN list of every visible agreement made SQLite walk them.
            query = query.where(
                select(Agreement.id)
                .where(Agreement.id == model.agreement_id, Agreement.classification.in_(levels))
                .exists()
            )
    elif hasattr(model, "obligation_id"):  # a measurement is as visible as its obligation
        from registry.obligations.models import Obligation

        visible_obligation = visible(select(Obligation.id), Obligation, clearance)
        query = query.where(visible_obligation.where(Obligation.id == model.obligation_id).exists())
    return query


def can_see(record, clearance: Classification) -> bool:
    """The same rule for one loaded record."""
    levels = allowed_levels(clearance)
    if getattr(record, "classification", Classification.PUBLIC) not in levels:
        return False
    obligation = getattr(record, "obligation", None)
    if obligation is not None and not can_see(obligation, clearance):
        return False
    agreement = getattr(record, "agreement", None)
    return agreement is None or agreement.classification in levels


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
