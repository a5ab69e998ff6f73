from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.core.db import Base, UTCDateTime, utcnow
from registry.users.models import User


class ApiToken(Base):
    """A personal API token. Only the SHA-256 of the secret is stored; the user sees it once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the secret, so the owner can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def label(self) -> str:
        return f"API token {self.name!r} ({self.prefix}…)"

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix} user {self.user_id}>"


class ApiTokenUsage(Base):
    """Requests made with a token in one minute: the rate limit, shared by every process."""

    __tablename__ = "api_token_usage"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
