"""The audit trail for auditors and admins, newest first, limited to their clearance."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from registry.audit.models import AuditEvent
from registry.audit.queries import visible_events
from registry.core.access import clearance_of
from registry.core.enums import AuditAction
from registry.core.permissions import Permission
from registry.extensions import db
from registry.web.access import requires

blueprint = Blueprint("audit", __name__)

PER_PAGE = 100


@blueprint.get("/audit")
@requires(Permission.AUDIT)
def index():
    query = visible_events(clearance_of(current_user))
    action = request.args.get("action", "")
    if action in AuditAction.values():
        query = query.where(AuditEvent.action == action)
    entity_type = request.args.get("entity_type", "")[:40]
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    before = request.args.get("before", type=int)
    if before:
        # Keyset pagination: as fast on the millionth event as on the first.
        query = query.where(AuditEvent.id < before)
    events = db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(PER_PAGE + 1)).all()
    more = len(events) > PER_PAGE
    events = events[:PER_PAGE]
    return render_template(
        "audit/index.html",
        events=events,
        more=more,
        action=action,
        entity_type=entity_type,
        actions=AuditAction,
        page_title="Audit trail",
    )
