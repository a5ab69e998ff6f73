"""Signing in: flask-login's user loader, and password checks with throttling and lockout.

Lockout state lives in the users table, so it holds across processes and servers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from registry.core.audit.writer import SystemActor, record
from registry.core.enums import AuditAction
from registry.extensions import db, login_manager
from registry.users.models import User
from registry.users.services import verify_password

# Verified against when the email is unknown, so that both cases take the same time. Made
# once with argon2-cffi's default parameters (those of every stored hash); computing it at
# start-up instead would cost each process a 64 MB, 0.1 s hash before its first request.
_DUMMY_HASH = (  # noqa: S105 - a decoy, not a credential
    "$argon2id$v=19$m=65536,t=3,p=4$045UmE+5CFg6v3pawfzy0g$"
    "XwbRT5ipwsK0rksbasqeum6J0AlvZEpKTbd9jrL+6Vk"
)
ANONYMOUS = SystemActor("anonymous")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit() or len(user_id) > 18:
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)


class LoginRefused(Exception):
    """Wrong email, wrong password, inactive or locked: the message never says which."""

    message = "The email or password is not right, or the account cannot sign in now."


def authenticate(email: str, password: str, *, now: datetime, policy: LoginPolicy) -> User:
    """Return the user for good credentials; otherwise record the failure and refuse."""
    email = (email or "").strip().lower()[:254]
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        verify_password(User(password_hash=_DUMMY_HASH), password)
        record(ANONYMOUS, AuditAction.LOGIN_FAILED, reason=f"Unknown email {email!r}")
        raise LoginRefused
    if user.locked_until is not None and user.locked_until > now:
        record(ANONYMOUS, AuditAction.LOGIN_FAILED, user, reason="Account locked")
        raise LoginRefused
    if not user.active or not verify_password(user, password):
        user.failed_login_count += 1
        changes = {"failed_login_count": [user.failed_login_count - 1, user.failed_login_count]}
        reason = "Inactive account" if not user.active else "Wrong password"
        if user.failed_login_count >= policy.max_failures:
            user.locked_until = now + policy.lockout
            changes["locked_until"] = [None, user.locked_until]
            reason += f"; locked after {user.failed_login_count} failures"
        record(ANONYMOUS, AuditAction.LOGIN_FAILED, user, changes, reason)
        raise LoginRefused
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    record(user, AuditAction.LOGIN, user)
    return user
