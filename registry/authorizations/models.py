from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.agreements.models import Agreement
from registry.core.db import Archivable, Base, Timestamped, Versioned, enum_type
from registry.core.enums import (
    AuthorizationDecision,
    AuthorizationRequirement,
    Classification,
    ClockTrigger,
    ClockUnit,
    LegalNature,
    Majority,
)
from registry.oversight.models import OversightBody


class AuthorizationRule(Timestamped, Versioned, Archivable, Base):
    """What a legislature must do for one legal nature in one jurisdiction, and by when."""

    __tablename__ = "authorization_rules"
    __table_args__ = (
        CheckConstraint("(period_length IS NULL) = (period_unit IS NULL)", name="length_has_unit"),
        CheckConstraint("period_length IS NULL OR period_length > 0", name="length_positive"),
        CheckConstraint("members IS NULL OR members > 0", name="members_positive"),
        CheckConstraint("extension_limit >= 0", name="extension_limit_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    jurisdiction: Mapped[str] = mapped_column(String(3), index=True)
    legal_nature: Mapped[LegalNature] = mapped_column(
        enum_type(LegalNature, "legal_nature"), index=True
    )
    requirement: Mapped[AuthorizationRequirement] = mapped_column(
        enum_type(AuthorizationRequirement, "requirement")
    )
    trigger: Mapped[ClockTrigger] = mapped_column(enum_type(ClockTrigger, "trigger"))
    period_length: Mapped[int | None] = mapped_column(Integer)
    period_unit: Mapped[ClockUnit | None] = mapped_column(enum_type(ClockUnit, "period_unit"))
    body_id: Mapped[int | None] = mapped_column(
        ForeignKey("oversight_bodies.id", ondelete="RESTRICT"), index=True
    )
    majority: Mapped[Majority] = mapped_column(
        enum_type(Majority, "majority"), default=Majority.NONE
    )
    members: Mapped[int | None] = mapped_column(Integer)
    required_before_force: Mapped[bool] = mapped_column(Boolean, default=False)
    restarts_after_rejection: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_limit: Mapped[int] = mapped_column(Integer, default=0)
    applies_from: Mapped[date | None]
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)

    body: Mapped[OversightBody | None] = relationship()

    @property
    def label(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<AuthorizationRule {self.id} {self.name}>"


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
        CheckConstraint("extended_by IS NULL OR extended_by > 0", name="extension_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="RESTRICT"), index=True
    )
    requirement: Mapped[AuthorizationRequirement] = mapped_column(
        enum_type(AuthorizationRequirement, "requirement")
    )
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("authorization_rules.id", ondelete="RESTRICT"), index=True
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
    extended_by: Mapped[int | None]
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
    rule: Mapped[AuthorizationRule | None] = relationship()

    @property
    def label(self) -> str:
        return f"{self.requirement.label} for {self.agreement.reference}"

    def __repr__(self) -> str:
        return f"<Authorization {self.id} {self.requirement} {self.decision}>"
