from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.agreements.models import Agreement
from registry.core.db import Archivable, Base, Timestamped, Versioned, enum_type
from registry.core.enums import Classification, ObligationKind, ObligationStatus
from registry.oversight.models import OversightBody
from registry.parties.models import Party

RECURRING_LIVE = "archived_at IS NULL AND recurrence IS NOT NULL"


class Obligation(Timestamped, Versioned, Archivable, Base):
    """What an agreement binds someone to, with its owner, oversight and due date."""

    __tablename__ = "obligations"
    __table_args__ = (
        CheckConstraint("target_value IS NULL OR target_unit IS NOT NULL", name="target_has_unit"),
        # Live recurring duties, grouped by first date and period for the deadline list, are
        # read from this index alone.
        Index(
            "ix_obligations_recurring",
            "recurrence",
            "due_on",
            "status",
            "classification",
            "agreement_id",
            "owner_id",
            "oversight_body_id",
            sqlite_where=text(RECURRING_LIVE),
            postgresql_where=text(RECURRING_LIVE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="RESTRICT"), index=True
    )
    article_reference: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[ObligationKind] = mapped_column(enum_type(ObligationKind, "kind"), index=True)
    obligated_party_id: Mapped[int | None] = mapped_column(
        ForeignKey("parties.id", ondelete="RESTRICT"), index=True
    )
    responsible_office: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    oversight_body_id: Mapped[int | None] = mapped_column(
        ForeignKey("oversight_bodies.id", ondelete="RESTRICT"), index=True
    )
    due_on: Mapped[date | None] = mapped_column(index=True)
    recurrence: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[ObligationStatus] = mapped_column(
        enum_type(ObligationStatus, "status"), index=True, default=ObligationStatus.ACTIVE
    )
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    target_unit: Mapped[str | None] = mapped_column(String(32))
    classification: Mapped[Classification] = mapped_column(
        enum_type(Classification, "classification"), index=True, default=Classification.PUBLIC
    )
    source: Mapped[str | None] = mapped_column(Text)

    agreement: Mapped[Agreement] = relationship()
    obligated_party: Mapped[Party | None] = relationship()
    oversight_body: Mapped[OversightBody | None] = relationship()
    owner = relationship("User")

    @property
    def label(self) -> str:
        article = f"{self.article_reference} " if self.article_reference else ""
        return f"{article}{self.title}"

    def __repr__(self) -> str:
        return f"<Obligation {self.id} {self.label}>"


class Measurement(Timestamped, Versioned, Archivable, Base):
    """A value recorded against an obligation's target for one party and one period."""

    __tablename__ = "measurements"
    __table_args__ = (
        UniqueConstraint("obligation_id", "party_id", "period_start", "period_end"),
        CheckConstraint("period_end >= period_start", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(
        ForeignKey("obligations.id", ondelete="RESTRICT"), index=True
    )
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="RESTRICT"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    unit: Mapped[str] = mapped_column(String(32))
    is_estimate: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text)

    obligation: Mapped[Obligation] = relationship()
    party: Mapped[Party] = relationship()

    @property
    def label(self) -> str:
        return f"{self.party.name} {self.period_start}–{self.period_end}: {self.value} {self.unit}"

    def __repr__(self) -> str:
        return f"<Measurement {self.id} {self.value} {self.unit}>"
