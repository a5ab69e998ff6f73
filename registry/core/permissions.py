"""The one table of who may do what. Views, the API and the CLI all ask `can`."""

from __future__ import annotations

from registry.core.enums import LabelledEnum, Role


class Permission(LabelledEnum):
    READ = "read", "Read records within clearance"
    EDIT = "edit", "Create and change records"
    ARCHIVE = "archive", "Archive and restore records"
    APPROVE = "approve", "Sign off reviews recorded by someone else"
    AUDIT = "audit", "Read the whole audit trail"
    EXPORT = "export", "Download exports"
    MANAGE_USERS = "manage_users", "Manage users, roles and clearances"
    CONFIGURE = "configure", "Manage authorisation rules and override the consent rule"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.EDITOR: frozenset({Permission.READ, Permission.EDIT, Permission.ARCHIVE}),
    Role.REVIEWER: frozenset({Permission.READ, Permission.EDIT, Permission.APPROVE}),
    Role.AUDITOR: frozenset({Permission.READ, Permission.AUDIT, Permission.EXPORT}),
    Role.ADMIN: frozenset(Permission),
}


def can(user, permission: Permission) -> bool:
    """Tell whether a signed-in, active user's role grants a permission."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS[user.role]
