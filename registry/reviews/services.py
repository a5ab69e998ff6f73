from __future__ import annotations

from datetime import date

from sqlalchemy import select

from registry.agreements import rules
from registry.agreements.models import Agreement
from registry.audit.services import Actor, record
from registry.core.access import inherit_classification
from registry.core.enums import AuditAction, ReviewStatus, Role
from registry.core.errors import RuleViolation, ValidationFailed
from registry.core.services import EntityService
from registry.extensions import db
from registry.obligations.models import Obligation
from registry.reviews.models import Review
from registry.reviews.schemas import ReviewSchema
from registry.users.models import User

OPEN_STATUSES = (
    ReviewStatus.SCHEDULED,
    ReviewStatus.IN_PROGRESS,
    ReviewStatus.SUBMITTED,
    ReviewStatus.RETURNED,
)


class ReviewService(EntityService):
    model = Review
    schema = ReviewSchema
    noun = "review"
    immutable_fields = ("agreement_id",)

    def update(self, actor, record_, data, **kwargs):
        if record_.status == ReviewStatus.APPROVED:
            raise RuleViolation(
                "An approved review cannot be changed; record a new review instead."
            )
        return super().update(actor, record_, data, **kwargs)

    def prepare(self, values, existing, actor):
        # Whoever first records a review's content (it may have been scheduled by the system)
        # is its recorder, and so cannot approve it.
        if isinstance(actor, User) and (existing is None or existing.recorded_by_id is None):
            values["recorded_by_id"] = actor.id
        agreement = db.session.get(Agreement, values["agreement_id"])
        if values.get("obligation_id"):
            obligation = db.session.get(Obligation, values["obligation_id"])
            if obligation.agreement_id != agreement.id:
                raise ValidationFailed(
                    {"obligation_id": ["The obligation belongs to another agreement."]}, self.noun
                )
        return inherit_classification(values, agreement, self.noun)

    def approve(self, actor: User, review: Review, *, completed_on: date) -> Review:
        """Sign off a submitted review: only a reviewer who did not record it may."""
        if actor.role not in (Role.REVIEWER, Role.ADMIN):
            raise RuleViolation("Only a reviewer can approve a review.")
        if review.recorded_by_id is None:
            raise RuleViolation("A review must be recorded by someone before it can be approved.")
        if review.recorded_by_id == actor.id:
            raise RuleViolation("The person who recorded a review cannot also approve it.")
        if review.status != ReviewStatus.SUBMITTED:
            raise RuleViolation(
                "Only a submitted review can be approved "
                f"(this one is {review.status.label.lower()})."
            )
        changes = {
            "status": [review.status, ReviewStatus.APPROVED],
            "approved_by_id": [None, actor.id],
            "completed_on": [review.completed_on, completed_on],
        }
        review.status = ReviewStatus.APPROVED
        review.approved_by_id = actor.id
        review.completed_on = completed_on
        self._flush()
        record(actor, AuditAction.UPDATE, review, changes, "Review approved")
        return review

    def open_periodic_review(self, agreement: Agreement) -> Review | None:
        return db.session.scalar(
            select(Review).where(
                Review.agreement_id == agreement.id,
                Review.is_periodic.is_(True),
                Review.status.in_(OPEN_STATUSES),
            )
        )

    def schedule_next(self, actor: Actor, agreement: Agreement, *, today: date) -> Review | None:
        """Make sure a periodic agreement has its next review scheduled; return it."""
        open_review = self.open_periodic_review(agreement)
        if open_review is not None:
            return open_review
        last_due = db.session.scalar(
            select(Review.due_on)
            .where(Review.agreement_id == agreement.id, Review.is_periodic.is_(True))
            .order_by(Review.due_on.desc())
            .limit(1)
        )
        due = rules.next_review_on(agreement, last_review_due_on=last_due, today=today)
        if due is None:
            return None
        return self.create(
            actor,
            {"agreement_id": agreement.id, "is_periodic": True, "due_on": due.isoformat()},
            reason="Next periodic review scheduled from the agreement's review cadence",
        )


reviews = ReviewService()
