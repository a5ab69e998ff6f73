"""The query strings of the obligations and measurements lists."""

from __future__ import annotations

from registry.core.enums import ObligationStatus
from registry.core.filters import ListFilters, choice, record_id, search_text, sort_by
from registry.obligations.models import Measurement, Obligation


class ObligationListFilters(ListFilters):
    model = Obligation
    sorts = {"due_on": Obligation.due_on, "title": Obligation.title, "id": Obligation.id}
    text_columns = (Obligation.title, Obligation.article_reference)
    equal_to = {"agreement_id": "agreement_id", "status": "status"}

    q = search_text(metadata={"description": "Part of the title or article reference."})
    agreement_id = record_id()
    status = choice(ObligationStatus)
    sort = sort_by(sorts, "due_on")


class MeasurementListFilters(ListFilters):
    model = Measurement
    sorts = {"period_start": Measurement.period_start, "id": Measurement.id}
    equal_to = {"obligation_id": "obligation_id", "party_id": "party_id"}

    obligation_id = record_id()
    party_id = record_id()
    sort = sort_by(sorts, "period_start")
