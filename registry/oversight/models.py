from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.core.db import Archivable, Base, Timestamped, Versioned, enum_type
from registry.core.enums import OversightBodyKind


class OversightBody(Timestamped, Versioned, Archivable, Base):
    """A legislature, committee, audit institution, court or verification body."""

    __tablename__ = "oversight_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[OversightBodyKind] = mapped_column(
        enum_type(OversightBodyKind, "kind"), index=True
    )
    jurisdiction: Mapped[str | None] = mapped_column(String(64))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    url: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("oversight_bodies.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[str | None] = mapped_column(Text)

    parent: Mapped[OversightBody | None] = relationship(remote_side=[id])
    sitting_days: Mapped[list[SittingDay]] = relationship(
        back_populates="body", order_by="SittingDay.sat_on", passive_deletes="all"
    )

    @property
    def label(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<OversightBody {self.id} {self.short_name or self.name}>"


class SittingDay(Base):
    """A day on which an oversight body sits, for clocks counted in sitting days."""

    __tablename__ = "sitting_days"
    __table_args__ = (UniqueConstraint("body_id", "sat_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("oversight_bodies.id", ondelete="RESTRICT"))
    sat_on: Mapped[date]

    body: Mapped[OversightBody] = relationship(back_populates="sitting_days")

    def __repr__(self) -> str:
        return f"<SittingDay {self.body_id} {self.sat_on}>"
