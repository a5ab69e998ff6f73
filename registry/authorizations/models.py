from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.agreements.models import Agreement
from registry.core.db import Archivable, Base, Timestamped, Versioned, enum_type
from registry.core.enums import AuthorizationDecision, AuthorizationRequirement, Classification
from registry.oversight.models import OversightBody


class Authorization(Timestamped, Versioned, Archivable, Base):
    """One step of the legislature's process for an agreement (consent, approval, scrutiny…)."""

    __tablename__ = "authorizations"
    __table_args__ = (
        CheckConstraint(
            "decided_on IS NULL OR submitted_on IS NULL OR decided_on >= submitted_on",
            name="decision_not_before_submission",
        ),
        CheckConstraint("(decision = 'pending') = (decided_on IS NULL)", name="decided_iff_dated"),
        CheckConstraint(
            "(votes_for IS NULL OR votes_for >= 0) "
            "AND (votes_against IS NULL OR votes_against >= 0)",
            name="votes_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="RESTRICT"), index=True
    )
    requirement: Mapped[AuthorizationRequirement] = mapped_column(
        enum_type(AuthorizationRequirement, "requirement")
    )
    body_id: Mapped[int | None] = mapped_column(
        ForeignKey("oversight_bodies.id", ondelete="RESTRICT"), index=True
    )
    submitted_on: Mapped[date | None]
    due_on: Mapped[date | None] = mapped_column(index=True)
    decided_on: Mapped[date | None]
    decision: Mapped[AuthorizationDecision] = mapped_column(
        enum_type(AuthorizationDecision, "decision"),
        index=True,
        default=AuthorizationDecision.PENDING,
    )
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    instrument: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(64))
    conditions: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[Classification] = mapped_column(
        enum_type(Classification, "classification"), index=True, default=Classification.PUBLIC
    )
    source: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )

    agreement: Mapped[Agreement] = relationship()
    body: Mapped[OversightBody | None] = relationship()

    @property
    def label(self) -> str:
        return f"{self.requirement.label} for {self.agreement.reference}"

    def __repr__(self) -> str:
        return f"<Authorization {self.id} {self.requirement} {self.decision}>"
