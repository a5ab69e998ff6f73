from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.db import Base, UTCDateTime, enum_type, utcnow
from registry.core.enums import DeliveryStatus


class ReminderDelivery(Base):
    """One reminder of one deadline at one stage to one recipient: claimed, then sent.

    The unique key is what makes a reminder go out once, however many jobs run at once.
    """

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        UniqueConstraint("recipient", "deadline_key", "due_on", "stage"),
        Index(None, "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    deadline_key: Mapped[str] = mapped_column(String(120))
    due_on: Mapped[date]
    stage: Mapped[str] = mapped_column(String(40))
    status: Mapped[DeliveryStatus] = mapped_column(enum_type(DeliveryStatus, "status"))
    run_id: Mapped[str] = mapped_column(String(40))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<ReminderDelivery {self.id} {self.recipient} {self.deadline_key} {self.stage}>"


class CalendarFeed(Base):
    """A user's secret calendar feed. The token is derived from `nonce` and the secret key,
    so a copy of the database alone does not reveal working feed URLs."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<CalendarFeed {self.id} user {self.user_id}>"
