"""The audit trail, as exports and the bundle see it: read, never written through a service."""

from registry.audit.filters import AuditEventFilters
from registry.core.audit.models import AuditEvent
from registry.core.entities import Entity

AUDIT_EVENTS = Entity(
    name="audit_events",
    model=AuditEvent,
    filters=AuditEventFilters,
    not_importable="Audit events are append-only and cannot be imported; each import writes "
    "its own events. Check an exported trail with: registry audit verify --bundle FILE.zip",
)
