"""Reviews, as the generic machinery sees them."""

from registry.core.entities import Entity
from registry.reviews.models import Review
from registry.reviews.services import reviews

REVIEWS = Entity(
    name="reviews",
    model=Review,
    service=reviews,
    natural_key=("agreement_id", "obligation_id", "is_periodic", "due_on"),
    depends_on=("agreements", "obligations", "oversight_bodies"),
    import_carries=("recorded_by_id",),
    classified_by=("agreements", "agreement_id"),
    api_path="reviews",
)
