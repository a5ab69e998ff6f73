"""Reviews and the exit steps they open, as the generic machinery sees them."""

from registry.core.entities import Entity
from registry.reviews.deadlines import EXIT_STEP_DEADLINES, REVIEW_DEADLINES
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
    # A review of one obligation shows what the obligation is: a reader must see that too.
    also_classified_by=(("obligations", "obligation_id"),),
    filters=ReviewListFilters,
    api_path="reviews",
    labels={
        "is_periodic": "Periodic review under the agreement's review clause",
        "body_id": "Reviewing body",
        "compliance": "Compliance finding",
        "corrects_id": "Corrects an approved review",
    },
    deadlines=REVIEW_DEADLINES,
)

# Opened and closed by the review workflow only; described for clearance, history and deadlines.
EXIT_STEPS = Entity(
    name="exit_steps",
    model=ExitStep,
    service=exit_steps,
    depends_on=("agreements", "reviews"),
    classified_by=("agreements", "agreement_id"),
    not_importable="Exit steps are opened by approving a review and closed on their agreement's "
    "page; they are not imported.",
    exportable=False,
    in_bundle=False,
    deadlines=EXIT_STEP_DEADLINES,
)
