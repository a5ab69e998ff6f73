"""Every route declares who may use it; the access-matrix test holds each route to it."""

from __future__ import annotations

import functools

from flask import abort, request
from flask_login import current_user

from registry.core.access import can_see, clearance_of
from registry.core.audit.writer import record
from registry.core.enums import AuditAction
from registry.core.permissions import Permission, can
from registry.core.schemas import LARGEST_ID
from registry.core.transaction import commit_separately
from registry.extensions import db, login_manager

PUBLIC = "public"
SIGNED_IN = "signed_in"


def public(view):
    """Anyone may use this route, signed in or not."""
    view.access = PUBLIC
    return view


def signed_in(view):
    """Any signed-in user may use this route (their own account pages)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapper.access = SIGNED_IN
    return wrapper


def requires(permission: Permission):
    """Only users whose role grants `permission`; a refusal is an audit event."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, permission):
                refuse(f"{request.method} {request.path} needs permission {permission.value}")
            return view(*args, **kwargs)

        wrapper.access = permission
        return wrapper

    return decorate


def refuse(reason: str):
    """Record the refusal in the audit trail, then answer 403."""
    record_refusal(reason)
    abort(403)


def record_refusal(reason: str) -> None:
    """Write the refusal as an audit event in a transaction of its own."""
    with commit_separately():
        record(current_user._get_current_object(), AuditAction.ACCESS_DENIED, reason=reason)


def load_visible(model, record_id: int):
    """The record if it exists and the reader may see it; 404 otherwise (no hint which)."""
    if not 1 <= record_id <= LARGEST_ID:
        abort(404)
    found = db.session.get(model, record_id)
    if found is None or not can_see(found, clearance_of(current_user)):
        abort(404)
    return found
