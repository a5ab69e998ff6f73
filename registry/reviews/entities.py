"""Reviews and the exit steps they open, as the generic machinery sees them."""

from registry.core.entities import Entity
from registry.reviews.deadlines import EXIT_STEP_DEADLINES, REVIEW_DEADLINES
from registry.reviews.models import ExitStep, Review
from registry.reviews.services import reviews

REVIEWS = Entity(
    name="reviews",
    model=Review,
    service=reviews,
    natural_key=("agreement_id", "obligation_id", "is_periodic", "due_on"),
    depends_on=("agreements", "obligations", "oversight_bodies"),
    classified_by=("agreements", "agreement_id"),
    # A review of one obligation shows what the obligation is: a reader must see that too.
    also_classified_by=(("obligations", "obligation_id"),),
    api_path="reviews",
    deadlines=REVIEW_DEADLINES,
)

# Opened and closed by the review workflow only; described for clearance and deadlines.
EXIT_STEPS = Entity(
    name="exit_steps",
    model=ExitStep,
    depends_on=("agreements", "reviews"),
    classified_by=("agreements", "agreement_id"),
    not_importable="Exit steps are opened by approving a review and closed on their agreement's "
    "page; they are not imported.",
    exportable=False,
    in_bundle=False,
    deadlines=EXIT_STEP_DEADLINES,
)
