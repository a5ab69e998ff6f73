"""The query string of the parties list."""

from __future__ import annotations

from sqlalchemy import Select

from registry.core.enums import PartyKind
from registry.core.filters import ListFilters, choice, search_text, sort_by
from registry.core.queries import matching
from registry.parties.models import Party


class PartyListFilters(ListFilters):
    model = Party
    sorts = {"name": Party.name, "iso3": Party.iso3, "id": Party.id}
    equal_to = {"kind": "kind"}

    q = search_text(metadata={"description": "Part of a name or short name, or an ISO3 code."})
    kind = choice(PartyKind)
    sort = sort_by(sorts, "name")

    def matching(self, query: Select, values: dict) -> Select:
        text = values.get("q", "").strip()
        query = matching(
            query, text, Party.name, Party.short_name, exact=(Party.iso3, text.upper())
        )
        return super().matching(query, values)
