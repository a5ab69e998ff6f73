"""Oversight bodies, as the generic machinery sees them."""

from registry.core.entities import Entity
from registry.oversight.filters import OversightBodyListFilters
from registry.oversight.models import OversightBody
from registry.oversight.services import oversight_bodies

OVERSIGHT_BODIES = Entity(
    name="oversight_bodies",
    model=OversightBody,
    service=oversight_bodies,
    reference_keys=(("name", "name"),),
    natural_key=("name",),
    tree=("parent_name", "name"),
    filters=OversightBodyListFilters,
    api_path="oversight-bodies",
    labels={"parent_id": "Part of"},
)
