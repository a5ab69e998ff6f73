"""A record as it stood on a past date, rebuilt by replaying its audit events.

Every change writes field-level `[old, new]` values, so the state at the end of a day is the
`new` value of each field's last change up to then. Values come back as the audit trail holds
them (text for dates and enums, as JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from registry.audit.queries import events_until
from registry.core.enums import AuditAction


@dataclass
class PastState:
    """What the registry held about one record at the end of a day."""

    on: date
    values: dict[str, object] = field(default_factory=dict)
    changed_at: dict[str, datetime] = field(default_factory=dict)
    archived: bool = False
    events: int = 0

    def get(self, name: str, default=None):
        return self.values.get(name, default)


def end_of_day(on: date) -> datetime:
    return datetime.combine(on + timedelta(days=1), time.min, tzinfo=UTC)


def replay(events, on: date) -> PastState | None:
    """Apply events (oldest first) in order; None if the record was not yet created."""
    state: PastState | None = None
    for event in events:
        if event.action == AuditAction.CREATE:
            state = PastState(on=on)
        if state is None:
            continue  # changes logged before a create (none expected) cannot be placed
        state.events += 1
        for name, change in (event.changes or {}).items():
            if isinstance(change, list) and len(change) == 2:
                state.values[name] = change[1]
                state.changed_at[name] = event.occurred_at
        if event.action == AuditAction.ARCHIVE:
            state.archived = True
        elif event.action == AuditAction.RESTORE:
            state.archived = False
    return state


def state_on(record, on: date) -> PastState | None:
    """The record as the audit trail shows it at the end of `on` (UTC)."""
    return replay(events_until(record.__tablename__, record.id, end_of_day(on)), on)
