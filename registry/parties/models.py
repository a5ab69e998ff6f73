from __future__ import annotations

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.db import Archivable, Base, Timestamped, Versioned, enum_type
from registry.core.enums import PartyKind


class Party(Timestamped, Versioned, Archivable, Base):
    """A state, international organisation or other entity that takes part in agreements."""

    __tablename__ = "parties"
    __table_args__ = (
        CheckConstraint("iso3 IS NULL OR length(iso3) = 3", name="iso3_three_letters"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[PartyKind] = mapped_column(enum_type(PartyKind, "kind"), index=True)
    iso3: Mapped[str | None] = mapped_column(String(3), unique=True)
    source: Mapped[str | None] = mapped_column(Text)

    @property
    def label(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Party {self.id} {self.iso3 or self.name}>"
