"""How flask-login finds the signed-in user: by id, and only while the account is active."""

from __future__ import annotations

from registry.extensions import db, login_manager
from registry.users.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit() or len(user_id) > 18:
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None
