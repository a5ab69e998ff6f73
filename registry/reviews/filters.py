"""The query string of the reviews list."""

from __future__ import annotations

from registry.core.enums import ReviewStatus
from registry.core.filters import ListFilters, choice, record_id, sort_by
from registry.reviews.models import Review


class ReviewListFilters(ListFilters):
    model = Review
    sorts = {"due_on": Review.due_on, "id": Review.id}
    equal_to = {"agreement_id": "agreement_id", "status": "status"}

    agreement_id = record_id()
    status = choice(ReviewStatus)
    sort = sort_by(sorts, "due_on")
