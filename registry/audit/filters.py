"""The query string of the audit trail, read the same by its page, its API and its download."""

from __future__ import annotations

from marshmallow import fields, validate
from sqlalchemy import Select

from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction
from registry.core.filters import Filters, choice, record_id

LARGEST_EVENT_ID = 2**62


def event_id(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(0, LARGEST_EVENT_ID), **kwargs)


class AuditEventFilters(Filters):
    """Which events: by action and record, between two event ids; `limit` is a page's size."""

    action = choice(AuditAction)
    entity_type = fields.String(validate=validate.Length(max=40))
    entity_id = record_id()
    after = event_id(
        load_default=0,
        metadata={"description": "List events with ids above this one (keyset pagination)."},
    )
    before = event_id(metadata={"description": "List events with ids below this one."})
    limit = fields.Integer(validate=validate.Range(1, 1000), load_default=100)

    def matching(self, query: Select, values: dict) -> Select:
        """The events of `query` that the values ask for."""
        for name in ("action", "entity_type", "entity_id"):
            if values.get(name) is not None:
                query = query.where(getattr(AuditEvent, name) == values[name])
        if values.get("after"):
            query = query.where(AuditEvent.id > values["after"])
        if values.get("before") is not None:
            query = query.where(AuditEvent.id < values["before"])
        return query

    @staticmethod
    def shown(values: dict) -> dict:
        """The filters in use, for links and for the audit event of a download."""
        kept = {name: values.get(name) for name in ("action", "entity_type", "entity_id")}
        kept["action"] = kept["action"].value if kept["action"] else None
        return {name: value for name, value in kept.items() if value}
