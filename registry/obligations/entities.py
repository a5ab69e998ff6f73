"""Obligations and measurements, as the generic machinery sees them."""

from registry.core.entities import Entity
from registry.obligations.deadlines import OBLIGATION_DEADLINES
from registry.obligations.filters import MeasurementListFilters, ObligationListFilters
from registry.obligations.models import Measurement, Obligation
from registry.obligations.services import measurements, obligations

OBLIGATIONS = Entity(
    name="obligations",
    model=Obligation,
    service=obligations,
    reference_keys=(("title", "title"),),
    named_within_agreement=True,
    natural_key=("agreement_id", "article_reference", "title"),
    depends_on=("agreements", "parties", "oversight_bodies"),
    classified_by=("agreements", "agreement_id"),
    filters=ObligationListFilters,
    api_path="obligations",
    labels={
        "article_reference": "Article",
        "recurrence": "Recurs every",
        "target_value": "Quantitative target",
        "target_unit": "Unit of the target",
    },
    deadlines=OBLIGATION_DEADLINES,
)

MEASUREMENTS = Entity(
    name="measurements",
    model=Measurement,
    service=measurements,
    natural_key=("obligation_id", "party_id", "period_start", "period_end"),
    depends_on=("obligations", "parties"),
    classified_by=("obligations", "obligation_id"),
    filters=MeasurementListFilters,
    api_path="measurements",
    labels={
        "period_start": "Period starts",
        "period_end": "Period ends",
        "is_estimate": "This value is an estimate",
    },
)
