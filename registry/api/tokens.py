"""Personal API tokens and their rate limit.

A token is `trk_` followed by 43 random URL-safe characters (256 bits). Only its SHA-256 is
stored: with that much randomness a slow hash adds nothing, and a copy of the database gives
no working token. A token carries its owner's role and clearance as they are at each request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from marshmallow import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from registry.api.models import ApiToken, ApiTokenUsage
from registry.core.audit.writer import Actor, record
from registry.core.db import utcnow
from registry.core.enums import AuditAction
from registry.core.errors import RuleViolation, ValidationFailed
from registry.core.permissions import Permission, can
from registry.core.schemas import EntitySchema, Text
from registry.extensions import db
from registry.users.models import User

PREFIX = "trk_"
MAX_LIVE_TOKENS = 20
WINDOW = timedelta(minutes=1)


class TokenSchema(EntitySchema):
    name = Text(required=True, max_length=100)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def live_tokens(user: User) -> list[ApiToken]:
    return db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    ).all()


def create_token(actor: User, data: dict) -> tuple[ApiToken, str]:
    """Give `actor` a new token; return it with the secret, which is shown only this once."""
    try:
        name = TokenSchema().load(data)["name"]
    except ValidationError as error:
        raise ValidationFailed(error.messages, "API token") from error
    if len(live_tokens(actor)) >= MAX_LIVE_TOKENS:
        raise RuleViolation(
            f"You already have {MAX_LIVE_TOKENS} active tokens; revoke one you no longer use."
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=actor.id,
        name=name,
        prefix=secret[: len(PREFIX) + 6],
        secret_hash=_digest(secret),
        created_at=utcnow(),
    )
    db.session.add(token)
    db.session.flush()
    record(actor, AuditAction.CREATE, token, {"name": [None, name]}, "API token created")
    return token, secret


def revoke_token(actor: Actor, token: ApiToken) -> ApiToken:
    """Stop a token working: its owner or an administrator may."""
    if isinstance(actor, User) and actor.id != token.user_id:
        if not can(actor, Permission.MANAGE_USERS):
            raise RuleViolation("Only its owner or an administrator may revoke a token.")
    if token.revoked_at is not None:
        raise RuleViolation("This token is already revoked.")
    token.revoked_at = utcnow()
    db.session.flush()
    record(actor, AuditAction.UPDATE, token, {"revoked_at": [None, token.revoked_at]}, "Revoked")
    return token


def find_token(secret: str) -> ApiToken | None:
    """The live token with this secret whose owner is still active; None otherwise."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    return token


def count_request(token: ApiToken, now: datetime, limit: int) -> tuple[int, datetime]:
    """Count one request in the token's current minute; return the count and the window end.

    The counter lives in the database, so every app process shares it. Its caller commits it.
    """
    window = now.replace(second=0, microsecond=0)
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(ApiTokenUsage).values(
        token_id=token.id, window_start=window, requests=1
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=["token_id", "window_start"],
        set_={"requests": ApiTokenUsage.requests + 1},
    ).returning(ApiTokenUsage.requests)
    requests = db.session.execute(upsert).scalar_one()
    if requests == 1:  # a new minute: forget the old ones and note the use
        db.session.execute(
            delete(ApiTokenUsage).where(
                ApiTokenUsage.token_id == token.id, ApiTokenUsage.window_start < window
            )
        )
        token.last_used_at = now
    return requests, window + WINDOW
