"""The hash chain of audit events: how each event's hash is computed and how a chain is checked.

Plain functions over plain values, so the same code verifies the live table and an exported copy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from registry.core.audit.models import GENESIS_HASH

# The canonical form hashed: sorted keys, no spaces, ASCII only. One encoder serves every call
# (json.dumps would build a new one each time; encoding keeps no state on it). Events hold
# trees of plain values, so the encoder need not look for cycles: the text is the same.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=True, check_circular=False
)


def event_hash(
    *,
    prev_hash: str,
    occurred_at: datetime | str,
    actor_id: int | None,
    actor_label: str,
    action: str,
    entity_type: str | None,
    entity_id: int | None,
    entity_label: str | None,
    changes: Mapping | None,
    reason: str | None,
) -> str:
    """Return the SHA-256 of an event's content and its predecessor's hash."""
    if isinstance(occurred_at, datetime):
        occurred_at = occurred_at.isoformat()
    payload = {
        "prev_hash": prev_hash,
        "occurred_at": occurred_at,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": str(action),
        "entity_type": entity_type,
        "entity_id": entity_id,
        "entity_label": entity_label,
        "changes": changes or {},
        "reason": reason,
    }
    return hashlib.sha256(_CANONICAL.encode(payload).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_hash: str
    broken_event_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_event_id is None


def verify_chain(events: Iterable[Mapping]) -> ChainReport:
    """Walk events in id order; report the first whose link or content does not hold."""
    expected_prev = GENESIS_HASH
    checked = 0
    for event in events:
        if event["prev_hash"] != expected_prev:
            return ChainReport(
                checked,
                expected_prev,
                event["id"],
                "does not follow the event before it: an event was deleted, inserted or "
                "reordered before it",
            )
        recomputed = event_hash(**{key: event[key] for key in _HASHED_FIELDS})
        if recomputed != event["hash"]:
            return ChainReport(
                checked, expected_prev, event["id"], "its content was changed after it was written"
            )
        expected_prev = event["hash"]
        checked += 1
    return ChainReport(checked, expected_prev)


_HASHED_FIELDS = (
    "prev_hash",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "entity_type",
    "entity_id",
    "entity_label",
    "changes",
    "reason",
)
