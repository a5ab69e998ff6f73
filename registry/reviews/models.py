from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Text, and_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.agreements.models import Agreement
from registry.core.db import Archivable, Base, Timestamped, Versioned, enum_type
from registry.core.enums import (
    Classification,
    ComplianceFinding,
    ExitStepKind,
    ReviewOutcome,
    ReviewStatus,
)
from registry.obligations.models import Obligation
from registry.oversight.models import OversightBody

# A review still to be done: these fall due, and can be overdue.
OPEN_STATUSES = (
    ReviewStatus.SCHEDULED,
    ReviewStatus.IN_PROGRESS,
    ReviewStatus.SUBMITTED,
    ReviewStatus.RETURNED,
)


class Review(Timestamped, Versioned, Archivable, Base):
    """A periodic or ad-hoc review of an agreement or one of its obligations."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint(
            "approved_by_id IS NULL OR recorded_by_id IS NULL OR approved_by_id <> recorded_by_id",
            name="approver_not_recorder",
        ),
        CheckConstraint(
            "status <> 'approved' OR (approved_by_id IS NOT NULL AND completed_on IS NOT NULL)",
            name="approved_has_approver",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="RESTRICT"), index=True
    )
    obligation_id: Mapped[int | None] = mapped_column(
        ForeignKey("obligations.id", ondelete="RESTRICT"), index=True
    )
    is_periodic: Mapped[bool] = mapped_column(Boolean, default=True)
    due_on: Mapped[date] = mapped_column(index=True)
    body_id: Mapped[int | None] = mapped_column(
        ForeignKey("oversight_bodies.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[ReviewStatus] = mapped_column(
        enum_type(ReviewStatus, "status"), index=True, default=ReviewStatus.SCHEDULED
    )
    completed_on: Mapped[date | None]
    compliance: Mapped[ComplianceFinding | None] = mapped_column(
        enum_type(ComplianceFinding, "compliance")
    )
    outcome: Mapped[ReviewOutcome | None] = mapped_column(enum_type(ReviewOutcome, "outcome"))
    findings: Mapped[str | None] = mapped_column(Text)
    recommendations: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[Classification] = mapped_column(
        enum_type(Classification, "classification"), index=True, default=Classification.PUBLIC
    )
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    # An approved review never changes: a correction is a new review pointing at it.
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="RESTRICT"), index=True
    )
    return_reason: Mapped[str | None] = mapped_column(Text)

    agreement: Mapped[Agreement] = relationship()
    obligation: Mapped[Obligation | None] = relationship()
    body: Mapped[OversightBody | None] = relationship()
    corrects: Mapped[Review | None] = relationship(remote_side=[id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        """Still to be done and due before `today`."""
        return self.status in OPEN_STATUSES and self.due_on < today

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls, today: date):
        return and_(cls.status.in_(OPEN_STATUSES), cls.due_on < today)

    @property
    def label(self) -> str:
        return f"Review of {self.agreement.reference} due {self.due_on.isoformat()}"

    def __repr__(self) -> str:
        return f"<Review {self.id} {self.status} {self.due_on}>"


class ExitStep(Timestamped, Versioned, Base):
    """Withdrawal or suspension opened by an approved review, with the dates its terms give."""

    __tablename__ = "exit_steps"
    __table_args__ = (
        CheckConstraint("closed_on IS NULL OR close_reason IS NOT NULL", name="closed_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="RESTRICT"), index=True
    )
    review_id: Mapped[int] = mapped_column(
        ForeignKey("reviews.id", ondelete="RESTRICT"), unique=True
    )
    kind: Mapped[ExitStepKind] = mapped_column(enum_type(ExitStepKind, "kind"))
    opened_on: Mapped[date]
    earliest_notice_on: Mapped[date | None]
    effective_if_notice_on_earliest: Mapped[date | None]
    effective_if_notice_on_opening: Mapped[date | None]
    closed_on: Mapped[date | None] = mapped_column(index=True)
    close_reason: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[Classification] = mapped_column(
        enum_type(Classification, "classification"), index=True, default=Classification.PUBLIC
    )

    agreement: Mapped[Agreement] = relationship()
    review: Mapped[Review] = relationship()

    @property
    def notice_possible_from(self) -> date | None:
        """The first day notice could be given once the step was opened."""
        if self.earliest_notice_on is None:
            return None
        return max(self.earliest_notice_on, self.opened_on)

    @property
    def label(self) -> str:
        return f"{self.kind.label} of {self.agreement.reference} considered"

    def __repr__(self) -> str:
        return f"<ExitStep {self.id} {self.kind} {self.agreement_id}>"
