"""Oversight bodies, as the generic machinery sees them."""

from registry.core.entities import Entity
from registry.oversight.filters import OversightBodyListFilters
from registry.oversight.models import OversightBody, SittingDay
from registry.oversight.services import oversight_bodies, sitting_days

OVERSIGHT_BODIES = Entity(
    name="oversight_bodies",
    model=OversightBody,
    service=oversight_bodies,
    reference_keys=(("name", "name"),),
    natural_key=("name",),
    tree=("parent_name", "name"),
    filters=OversightBodyListFilters,
    api_path="oversight-bodies",
    labels={
        "parent_id": "Part of",
        "contact_email": "Contact address",
        "url": "Website",
    },
)

SITTING_DAYS = Entity(
    name="sitting_days",
    model=SittingDay,
    service=sitting_days,
    not_importable="Sitting days are recorded on their body's page, not imported.",
    exportable=False,
    in_bundle=False,
    part_of=("oversight_bodies", "body_id"),
    labels={
        "sat_on": "Sitting day",
    },
)
