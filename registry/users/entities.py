"""Users as other records name them; they are managed by their own pages, not exported."""

from registry.core.entities import Entity
from registry.users.models import User
from registry.users.services import users

USERS = Entity(
    name="users",
    model=User,
    service=users,
    reference_keys=(("email", "email"),),
    key_forms={"email": str.lower},
    not_importable="Users are invited and managed by administrators, not imported.",
    exportable=False,
    in_bundle=False,
    labels={
        "active": "Active (may sign in)",
    },
)
