from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, and_, or_, text
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.agreements import rules
from registry.core.db import Archivable, Base, Timestamped, Versioned, enum_type
from registry.core.enums import (
    AgreementForm,
    AgreementStatus,
    Classification,
    InstrumentType,
    LegalNature,
    Region,
    ReviewCadence,
    TreatyActionKind,
)
from registry.parties.models import Party


class Agreement(Timestamped, Versioned, Archivable, Base):
    """A security agreement the registry tracks, with its duration, exit and review terms."""

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint(
            "entered_into_force_on IS NULL OR concluded_on IS NULL "
            "OR entered_into_force_on >= concluded_on",
            name="force_not_before_conclusion",
        ),
        CheckConstraint(
            "expires_on IS NULL OR entered_into_force_on IS NULL "
            "OR expires_on >= entered_into_force_on",
            name="expiry_not_before_force",
        ),
        CheckConstraint(
            "terminated_on IS NULL OR entered_into_force_on IS NULL "
            "OR terminated_on >= entered_into_force_on",
            name="termination_not_before_force",
        ),
        CheckConstraint("extension_options_left >= 0", name="extension_options_not_negative"),
        CheckConstraint(
            "review_cadence = 'none' OR review_interval IS NOT NULL",
            name="review_cadence_has_interval",
        ),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("unts_volume IS NULL OR unts_volume > 0", name="unts_volume_positive"),
        # Lists count the live agreements (by status, region and level) from this index alone.
        Index(
            "ix_agreements_live",
            "status",
            "region",
            "classification",
            "archived_at",  # so that SQLite sees the index covers the condition it is made for
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
        # Earliest notice dates, one ordered range per minimum time in force.
        Index(
            "ix_agreements_notice",
            "notice_min_in_force",
            "entered_into_force_on",
            sqlite_where=text("notice_period IS NOT NULL"),
            postgresql_where=text("notice_period IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(Text, index=True)
    short_title: Mapped[str | None] = mapped_column(String(200))
    instrument_type: Mapped[InstrumentType] = mapped_column(
        enum_type(InstrumentType, "instrument_type"), index=True
    )
    form: Mapped[AgreementForm] = mapped_column(enum_type(AgreementForm, "form"))
    legal_nature: Mapped[LegalNature] = mapped_column(
        enum_type(LegalNature, "legal_nature"), index=True
    )
    region: Mapped[Region] = mapped_column(enum_type(Region, "region"), index=True)
    status: Mapped[AgreementStatus] = mapped_column(
        enum_type(AgreementStatus, "status"), index=True, default=AgreementStatus.DRAFT
    )
    concluded_on: Mapped[date | None] = mapped_column(index=True)
    entered_into_force_on: Mapped[date | None] = mapped_column(index=True)
    expires_on: Mapped[date | None] = mapped_column(index=True)
    terminated_on: Mapped[date | None]

    # Duration and exit terms, as ISO 8601 periods (P10Y, P3M, P90D); no term means indefinite.
    term: Mapped[str | None] = mapped_column(String(16))
    extension_term: Mapped[str | None] = mapped_column(String(16))
    extension_options_left: Mapped[int] = mapped_column(Integer, default=0)
    notice_min_in_force: Mapped[str | None] = mapped_column(String(16))
    notice_period: Mapped[str | None] = mapped_column(String(16))
    notice_to: Mapped[str | None] = mapped_column(Text)

    review_cadence: Mapped[ReviewCadence] = mapped_column(
        enum_type(ReviewCadence, "review_cadence"), default=ReviewCadence.NONE
    )
    review_interval: Mapped[str | None] = mapped_column(String(16))

    depositary: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[Classification] = mapped_column(
        enum_type(Classification, "classification"), index=True, default=Classification.PUBLIC
    )
    summary: Mapped[str | None] = mapped_column(Text)
    text_url: Mapped[str | None] = mapped_column(Text)
    legal_authority: Mapped[str | None] = mapped_column(Text)
    implementing_authority: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[date | None] = mapped_column(index=True)
    unts_volume: Mapped[int | None]
    unts_page: Mapped[int | None]
    un_registration_number: Mapped[str | None] = mapped_column(String(32))
    national_citation: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[str | None] = mapped_column(Text)

    parent: Mapped[Agreement | None] = relationship(remote_side=[id])
    treaty_actions: Mapped[list[TreatyAction]] = relationship(
        back_populates="agreement", passive_deletes="all"
    )

    @hybrid_method
    def in_force_on(self, day: date) -> bool:
        """In force on `day`: from entry into force up to, not including, expiry or end."""
        return rules.is_in_force_on(self, day)

    @in_force_on.inplace.expression
    @classmethod
    def _in_force_on_expression(cls, day: date):
        return and_(
            cls.entered_into_force_on <= day,
            or_(cls.expires_on.is_(None), cls.expires_on > day),
            or_(cls.terminated_on.is_(None), cls.terminated_on > day),
        )

    @property
    def label(self) -> str:
        return f"{self.reference} {self.short_title or self.title}"

    def __repr__(self) -> str:
        return f"<Agreement {self.id} {self.reference}>"


class TreatyAction(Timestamped, Versioned, Archivable, Base):
    """One act of one party on one agreement: signature, ratification, notice of withdrawal…"""

    __tablename__ = "treaty_actions"
    __table_args__ = (
        # Only a successor state's notification can take effect before it is deposited.
        CheckConstraint(
            "kind = 'succession' OR deposited_on IS NULL OR effective_on >= deposited_on",
            name="effect_not_before_deposit",
        ),
        CheckConstraint(
            "kind <> 'withdrawal_notice' OR deposited_on IS NOT NULL",
            name="withdrawal_notice_dated",
        ),
        CheckConstraint(
            "predecessor_id IS NULL OR predecessor_id <> party_id", name="not_own_predecessor"
        ),
        Index(None, "agreement_id", "party_id", "effective_on"),
        Index(None, "kind", "effective_on"),  # withdrawal notices by the date they take effect
        # Partial: few actions name a predecessor, and statistics that counted the rest as one
        # value made SQLite read every action rather than this index.
        Index(
            None,
            "predecessor_id",
            sqlite_where=text("predecessor_id IS NOT NULL"),
            postgresql_where=text("predecessor_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[TreatyActionKind] = mapped_column(enum_type(TreatyActionKind, "kind"), index=True)
    deposited_on: Mapped[date | None] = mapped_column(index=True)
    effective_on: Mapped[date] = mapped_column(index=True)
    depositary_notification: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    predecessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("parties.id", ondelete="RESTRICT")
    )
    source: Mapped[str | None] = mapped_column(Text)

    agreement: Mapped[Agreement] = relationship(back_populates="treaty_actions")
    party: Mapped[Party] = relationship(foreign_keys=[party_id])
    predecessor: Mapped[Party | None] = relationship(foreign_keys=[predecessor_id])

    @property
    def label(self) -> str:
        return f"{self.kind.label} of {self.agreement.reference} by {self.party.name}"

    def __repr__(self) -> str:
        return f"<TreatyAction {self.id} {self.kind} {self.effective_on}>"
