from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from registry.core.audit.writer import Actor, record
from registry.core.enums import AuditAction
from registry.core.errors import ValidationFailed
from registry.core.services import EntityService
from registry.users.models import User
from registry.users.schemas import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, UserSchema

_hasher = PasswordHasher()


def check_password_strength(password: str) -> None:
    problems = []
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Must be at least {MIN_PASSWORD_LENGTH} characters.")
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Must be at most {MAX_PASSWORD_LENGTH} characters.")
    elif password.strip() != password or not password.strip():
        problems.append("Must not start or end with spaces.")
    if problems:
        raise ValidationFailed({"password": problems}, "user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Check a password against the stored argon2 hash."""
    if not isinstance(password, str):
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class UserService(EntityService):
    model = User
    schema = UserSchema
    noun = "user"
    unique_fields = ("email",)
    unaudited_fields = ("password_hash",)

    def create(self, actor: Actor, data: dict, *, password: str, reason: str | None = None):
        values = self.prepare(self._load(data), None, actor)
        check_password_strength(password)
        values["password_hash"] = hash_password(password)
        return self._insert(actor, values, reason)

    def set_password(self, actor: Actor, user: User, password: str) -> User:
        check_password_strength(password)
        user.password_hash = hash_password(password)
        self._flush()
        # The hash itself never goes into the audit trail.
        record(actor, AuditAction.UPDATE, user, {"password": ["(set)", "(changed)"]})
        return user


users = UserService()
