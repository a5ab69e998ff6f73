"""The query strings of the agreements list and the treaty actions list."""

from __future__ import annotations

from sqlalchemy import Select

from registry.agreements.models import TreatyAction
from registry.agreements.queries import SORTS, AgreementFilters, agreement_order, search_agreements
from registry.core.enums import (
    AgreementStatus,
    Classification,
    InstrumentType,
    LegalNature,
    Region,
    TreatyActionKind,
)
from registry.core.filters import ListFilters, a_date, choice, record_id, search_text, sort_by

CHOSEN = ("instrument_type", "legal_nature", "status", "region", "classification")


class AgreementListFilters(ListFilters):
    """Search, filters, sorting and paging of the agreements list."""

    sorts = SORTS
    default_order = "desc"

    q = search_text(metadata={"description": "Title, short title, reference or citation."})
    party = search_text(metadata={"description": "A party's name, short name or ISO3 code."})
    instrument_type = choice(InstrumentType)
    legal_nature = choice(LegalNature)
    status = choice(AgreementStatus)
    region = choice(Region)
    classification = choice(Classification)
    in_force_on = a_date(metadata={"description": "Only agreements in force on this date."})
    sort = sort_by(SORTS, "concluded")

    def search(self, values: dict) -> AgreementFilters:
        """The values as the agreement search takes them."""
        return AgreementFilters(
            text=values.get("q", ""),
            party=values.get("party", ""),
            **{name: values[name].value for name in CHOSEN if values.get(name)},
            in_force_on=values.get("in_force_on"),
            sort=values["sort"],
            descending=self.descending(values),
        )

    def query(self, clearance: Classification, values: dict) -> Select:
        return search_agreements(clearance, self.search(values))

    def ordering(self, values: dict, *, reverse: bool = False) -> tuple:
        return agreement_order(self.search(values), reverse=reverse)


class TreatyActionListFilters(ListFilters):
    model = TreatyAction
    sorts = {"effective_on": TreatyAction.effective_on, "id": TreatyAction.id}
    equal_to = {"agreement_id": "agreement_id", "party_id": "party_id", "kind": "kind"}

    agreement_id = record_id()
    party_id = record_id()
    kind = choice(TreatyActionKind)
    sort = sort_by(sorts, "effective_on")
