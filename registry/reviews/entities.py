"""Reviews, as the generic machinery sees them."""

from registry.core.entities import Entity
from registry.reviews.filters import ReviewListFilters
from registry.reviews.models import ExitStep, Review
from registry.reviews.services import exit_steps, reviews

REVIEWS = Entity(
    name="reviews",
    model=Review,
    service=reviews,
    natural_key=("agreement_id", "obligation_id", "is_periodic", "due_on"),
    depends_on=("agreements", "obligations", "oversight_bodies"),
    import_carries=("recorded_by_id",),
    classified_by=("agreements", "agreement_id"),
    filters=ReviewListFilters,
    api_path="reviews",
    labels={
        "is_periodic": "Periodic review under the agreement's review clause",
        "body_id": "Reviewing body",
        "compliance": "Compliance finding",
        "corrects_id": "Corrects an approved review",
    },
)

EXIT_STEPS = Entity(
    name="exit_steps",
    model=ExitStep,
    service=exit_steps,
    not_importable="Exit steps are opened by approved reviews, not imported.",
    exportable=False,
    in_bundle=False,
    classified_by=("agreements", "agreement_id"),
)
