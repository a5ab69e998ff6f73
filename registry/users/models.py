from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.db import Base, Timestamped, UTCDateTime, Versioned, enum_type
from registry.core.enums import Classification, Role


class User(UserMixin, Timestamped, Versioned, Base):
    """Someone who signs in: treaty-office staff, reviewers, auditors, admins."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), index=True)
    clearance: Mapped[Classification] = mapped_column(
        enum_type(Classification, "clearance"), default=Classification.PUBLIC
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def label(self) -> str:
        return self.email

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
