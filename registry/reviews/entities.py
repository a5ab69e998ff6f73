"""Reviews, as the generic machinery sees them."""

from registry.core.entities import Entity
from registry.reviews.filters import ReviewListFilters
from registry.reviews.models import Review
from registry.reviews.services import reviews

REVIEWS = Entity(
    name="reviews",
    model=Review,
    service=reviews,
    natural_key=("agreement_id", "obligation_id", "is_periodic", "due_on"),
    depends_on=("agreements", "obligations", "oversight_bodies"),
    classified_by=("agreements", "agreement_id"),
    filters=ReviewListFilters,
    api_path="reviews",
)
