"""Parties, as the generic machinery sees them."""

from registry.core.entities import Entity
from registry.parties.filters import PartyListFilters
from registry.parties.models import Party
from registry.parties.services import parties

PARTIES = Entity(
    name="parties",
    model=Party,
    service=parties,
    reference_keys=(("iso3", "iso3"), ("name", "name")),
    natural_key=("iso3",),
    fallback_key=("name",),
    key_forms={"iso3": str.upper},
    filters=PartyListFilters,
    api_path="parties",
    labels={
        "iso3": "ISO 3166-1 alpha-3 code",
    },
)
