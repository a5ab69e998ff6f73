"""Clearance rules shared by every record that belongs to an agreement."""

from __future__ import annotations

from registry.core.enums import Classification
from registry.core.errors import ValidationFailed


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
