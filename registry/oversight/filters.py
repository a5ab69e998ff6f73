"""The query string of the oversight bodies list."""

from __future__ import annotations

from registry.core.enums import OversightBodyKind
from registry.core.filters import ListFilters, choice, search_text, sort_by
from registry.oversight.models import OversightBody


class OversightBodyListFilters(ListFilters):
    model = OversightBody
    sorts = {"name": OversightBody.name, "id": OversightBody.id}
    text_columns = (OversightBody.name, OversightBody.short_name)
    equal_to = {"kind": "kind"}

    q = search_text(metadata={"description": "Part of a name or short name."})
    kind = choice(OversightBodyKind)
    sort = sort_by(sorts, "name")
