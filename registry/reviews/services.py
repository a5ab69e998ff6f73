"""Reviews: recording, the sign-off workflow, periodic scheduling and the exit steps it opens.

A review moves scheduled → in progress → submitted → approved, or from submitted back to
returned (with a reason) and on to in progress again. Only a reviewer who did not record a
review may approve or return it; an approved review never changes.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry.agreements import rules
from registry.agreements.models import Agreement
from registry.core.access import inherit_classification
from registry.core.audit.writer import Actor, record
from registry.core.enums import (
    AuditAction,
    ExitStepKind,
    ReviewOutcome,
    ReviewStatus,
    Role,
)
from registry.core.errors import Conflict, RuleViolation, ValidationFailed
from registry.core.permissions import Permission, can
from registry.core.services import EntityService, clean_reason
from registry.extensions import db
from registry.obligations.models import Obligation
from registry.reviews.models import OPEN_STATUSES, ExitStep, Review
from registry.reviews.schemas import ReviewSchema
from registry.users.models import User

EXIT_OUTCOMES = {
    ReviewOutcome.WITHDRAW: ExitStepKind.WITHDRAWAL,
    ReviewOutcome.SUSPEND: ExitStepKind.SUSPENSION,
}
# What submission needs: a finding and an outcome, for the reviewer to sign off.
REQUIRED_TO_SUBMIT = {
    "compliance": "Give the compliance finding before submitting.",
    "outcome": "Give the outcome before submitting.",
    "findings": "Write the findings before submitting.",
}


class ReviewService(EntityService):
    model = Review
    schema = ReviewSchema
    noun = "review"
    immutable_fields = ("agreement_id", "corrects_id")

    def update(self, actor, record_, data, **kwargs):
        if record_.status == ReviewStatus.APPROVED:
            raise RuleViolation(
                "An approved review cannot be changed; record a new review that corrects it."
            )
        if record_.status == ReviewStatus.SUBMITTED:
            raise RuleViolation(
                "A submitted review is waiting for sign-off; a reviewer must return it "
                "before it can be changed."
            )
        return super().update(actor, record_, data, **kwargs)

    def import_update(self, actor, record_, data, *, reason):
        if record_.status == ReviewStatus.APPROVED:
            # An approved review is final: an import may repeat it, never change it.
            current = self.schema().dump(record_)
            if any(_text(current.get(name)) != _text(value) for name, value in data.items()):
                raise ValidationFailed(
                    {
                        "status": [
                            "An approved review cannot be changed; record a new review instead."
                        ]
                    },
                    self.noun,
                )
            return
        super().import_update(actor, record_, data, reason=reason)

    def prepare(self, values, existing, actor):
        # Whoever first records a review's content (it may have been scheduled by the system)
        # is its recorder, and so cannot approve it.
        if isinstance(actor, User) and (existing is None or existing.recorded_by_id is None):
            values["recorded_by_id"] = actor.id
        status = values.get("status")
        if existing is not None and status is not None and status != existing.status:
            raise ValidationFailed(
                {
                    "status": [
                        "A review changes status by its steps: start, submit, return, approve."
                    ]
                },
                self.noun,
            )
        if existing is None and status == ReviewStatus.SUBMITTED:  # recorded as handed in
            missing = {
                field: [message]
                for field, message in REQUIRED_TO_SUBMIT.items()
                if values.get(field) in (None, "")
            }
            if missing:
                raise ValidationFailed(missing, self.noun)
        agreement = db.session.get(Agreement, values["agreement_id"])
        if values.get("obligation_id"):
            obligation = db.session.get(Obligation, values["obligation_id"])
            if obligation.agreement_id != agreement.id:
                raise ValidationFailed(
                    {"obligation_id": ["The obligation belongs to another agreement."]}, self.noun
                )
        if values.get("corrects_id") and existing is None:
            corrected = db.session.get(Review, values["corrects_id"])
            if corrected.agreement_id != agreement.id:
                raise ValidationFailed(
                    {"corrects_id": ["The corrected review belongs to another agreement."]},
                    self.noun,
                )
            if corrected.status != ReviewStatus.APPROVED:
                raise ValidationFailed(
                    {"corrects_id": ["Only an approved review is corrected by a new review."]},
                    self.noun,
                )
        return inherit_classification(values, agreement, self.noun)

    # --- workflow ---------------------------------------------------------------------------

    def start(self, actor: User, review: Review, *, expected_version: int | None = None):
        """Begin work on a scheduled review, or resume a returned one."""
        self._check_version(review, expected_version)
        self._require(actor, Permission.EDIT, "Only an editor or a reviewer can work on a review.")
        if review.status not in (ReviewStatus.SCHEDULED, ReviewStatus.RETURNED):
            raise RuleViolation(
                "Only a scheduled or returned review can be started "
                f"(this one is {review.status.label.lower()})."
            )
        reason = "Review resumed after return" if review.status == ReviewStatus.RETURNED else None
        return self._move(
            actor,
            review,
            ReviewStatus.IN_PROGRESS,
            {},
            reason or "Review started",
            expected_version,
        )

    def submit(self, actor: User, review: Review, *, expected_version: int | None = None):
        """Hand a review in progress to a reviewer for sign-off."""
        self._check_version(review, expected_version)
        self._require(actor, Permission.EDIT, "Only an editor or a reviewer can submit a review.")
        if review.status != ReviewStatus.IN_PROGRESS:
            raise RuleViolation(
                "Only a review in progress can be submitted "
                f"(this one is {review.status.label.lower()})."
            )
        missing = {
            field: [message]
            for field, message in REQUIRED_TO_SUBMIT.items()
            if getattr(review, field) in (None, "")
        }
        if missing:
            raise ValidationFailed(missing, self.noun)
        return self._move(
            actor,
            review,
            ReviewStatus.SUBMITTED,
            {"return_reason": None},
            "Review submitted for sign-off",
            expected_version,
        )

    def return_for_changes(
        self, actor: User, review: Review, *, reason: str, expected_version: int | None = None
    ):
        """Send a submitted review back to its recorder, saying why."""
        self._check_version(review, expected_version)
        self._require_signer(actor, review, "return")
        reason = clean_reason(reason, self.noun)
        if not reason:
            raise ValidationFailed({"reason": ["Say what must change before approval."]}, self.noun)
        return self._move(
            actor,
            review,
            ReviewStatus.RETURNED,
            {"return_reason": reason},
            reason,
            expected_version,
        )

    def approve(
        self,
        actor: User,
        review: Review,
        *,
        completed_on: date,
        expected_version: int | None = None,
    ) -> Review:
        """Sign off a submitted review; schedule the next and open any exit step it calls for."""
        self._check_version(review, expected_version)
        self._require_signer(actor, review, "approve")
        self._move(
            actor,
            review,
            ReviewStatus.APPROVED,
            {"approved_by_id": actor.id, "completed_on": completed_on},
            "Review approved",
            expected_version,
        )
        if review.is_periodic:
            self.schedule_next(actor, review.agreement, today=completed_on)
        if review.outcome in EXIT_OUTCOMES:
            exit_steps.open(actor, review)
        return review

    def _require(self, actor, permission: Permission, message: str) -> None:
        if not isinstance(actor, User) or not can(actor, permission):
            raise RuleViolation(message)

    def _require_signer(self, actor, review: Review, verb: str) -> None:
        if not isinstance(actor, User) or actor.role not in (Role.REVIEWER, Role.ADMIN):
            raise RuleViolation(f"Only a reviewer can {verb} a review.")
        if review.recorded_by_id is None:
            raise RuleViolation(f"A review must be recorded by someone before it can be {verb}d.")
        if review.recorded_by_id == actor.id:
            raise RuleViolation(f"The person who recorded a review cannot also {verb} it.")
        if review.status != ReviewStatus.SUBMITTED:
            raise RuleViolation(
                f"Only a submitted review can be {verb}d "
                f"(this one is {review.status.label.lower()})."
            )

    def _check_version(self, review: Review, expected_version: int | None) -> None:
        if expected_version is not None and expected_version != review.version:
            raise Conflict(
                f"This review was changed by someone else (version {review.version}, "
                f"you saw version {expected_version}). Reload it and try again."
            )

    def _move(self, actor, review, status, extra, reason, expected_version):
        values = {"status": status, **extra}
        if review.recorded_by_id is None and status != ReviewStatus.APPROVED:
            values["recorded_by_id"] = actor.id
        changes = {
            field: [getattr(review, field), value]
            for field, value in values.items()
            if getattr(review, field) != value
        }
        for field, value in values.items():
            setattr(review, field, value)
        self._flush()
        record(actor, AuditAction.UPDATE, review, changes, reason)
        return review

    # --- scheduling -------------------------------------------------------------------------

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
        # Scheduled by the cadence, not recorded by anyone: whoever fills it in records it.
        values = self._load(
            {"agreement_id": agreement.id, "is_periodic": True, "due_on": due.isoformat()}
        )
        return self._insert(
            actor,
            inherit_classification(values, agreement, self.noun),
            "Next periodic review scheduled from the agreement's review cadence",
        )


class ExitStepService:
    """Open and close the withdrawal or suspension steps that reviews call for."""

    noun = "exit step"

    def open(self, actor: User, review: Review) -> ExitStep:
        """Open the step an approved review's outcome calls for, with the dates its terms give."""
        agreement = review.agreement
        opened_on = review.completed_on
        earliest = rules.earliest_notice_on(agreement)
        on_earliest = on_opening = None
        if earliest is not None:
            on_earliest = rules.withdrawal_effective_on(agreement, earliest)
            on_opening = rules.withdrawal_effective_on(agreement, max(earliest, opened_on))
        step = ExitStep(
            agreement_id=agreement.id,
            review_id=review.id,
            kind=EXIT_OUTCOMES[review.outcome],
            opened_on=opened_on,
            earliest_notice_on=earliest,
            effective_if_notice_on_earliest=on_earliest,
            effective_if_notice_on_opening=on_opening,
            classification=review.classification,
        )
        db.session.add(step)
        _flush(self.noun)
        changes = {
            field: [None, getattr(step, field)]
            for field in (
                "agreement_id",
                "review_id",
                "kind",
                "opened_on",
                "earliest_notice_on",
                "effective_if_notice_on_earliest",
                "effective_if_notice_on_opening",
                "classification",
            )
            if getattr(step, field) is not None
        }
        record(actor, AuditAction.CREATE, step, changes, "Opened by the review's outcome")
        return step

    def close(
        self,
        actor: User,
        step: ExitStep,
        *,
        reason: str,
        closed_on: date,
        expected_version: int | None = None,
    ) -> ExitStep:
        """Close an open step (notice given, or decided against), saying why."""
        if not isinstance(actor, User) or not can(actor, Permission.EDIT):
            raise RuleViolation("Only an editor or a reviewer can close an exit step.")
        if step.closed_on is not None:
            raise RuleViolation("This exit step is already closed.")
        if expected_version is not None and expected_version != step.version:
            raise Conflict("This exit step was changed by someone else. Reload it and try again.")
        reason = clean_reason(reason, self.noun)
        if not reason:
            raise ValidationFailed({"reason": ["Say why the step is closed."]}, self.noun)
        if closed_on < step.opened_on:
            raise ValidationFailed(
                {"closed_on": [f"Cannot be before the step was opened ({step.opened_on})."]},
                self.noun,
            )
        step.closed_on = closed_on
        step.close_reason = reason
        _flush(self.noun)
        record(
            actor,
            AuditAction.UPDATE,
            step,
            {"closed_on": [None, closed_on], "close_reason": [None, reason]},
            reason,
        )
        return step


def _flush(noun: str) -> None:
    try:
        db.session.flush()
    except StaleDataError as error:
        raise Conflict(
            f"This {noun} was changed by someone else meanwhile. Reload it and try again."
        ) from error
    except IntegrityError as error:
        raise Conflict(f"The {noun} conflicts with a stored record: {error.orig}") from error


reviews = ReviewService()
exit_steps = ExitStepService()


def _text(value) -> str:
    """A dumped or imported value as text, to tell whether an import would change it."""
    return "" if value is None else str(value)
