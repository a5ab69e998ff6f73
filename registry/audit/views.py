"""The audit trail for auditors and admins, newest first, limited to their clearance."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from registry.audit.filters import AuditEventFilters
from registry.audit.queries import visible_events
from registry.core.access import clearance_of
from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction
from registry.core.filters import load_filters
from registry.core.permissions import Permission
from registry.extensions import db
from registry.web.access import requires

blueprint = Blueprint("audit", __name__)


@blueprint.get("/audit")
@requires(Permission.AUDIT)
def index():
    filters = AuditEventFilters()
    values = load_filters(filters, request.args)
    limit = values["limit"]
    query = filters.matching(visible_events(clearance_of(current_user)), values)
    # Keyset pagination (`before`): as fast on the millionth event as on the first.
    events = db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
    more = len(events) > limit
    events = events[:limit]
    shown = {key: value for key, value in request.args.items() if key != "before" and value}
    return render_template(
        "audit/index.html",
        events=events,
        more=more,
        action=values["action"].value if values.get("action") else "",
        entity_type=values.get("entity_type", ""),
        args=shown,
        actions=AuditAction,
        page_title="Audit trail",
    )
