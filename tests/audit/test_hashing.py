"""An event's hash: one fixed format, whichever path wrote the event.

Databases written by earlier versions must keep verifying, so the format is pinned here by a
known answer and by its definition; and a bulk import must write the very events that creating
the same records one by one would.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from registry.agreements.services import agreements, treaty_actions
from registry.core.audit.chain import event_hash, verify_chain
from registry.core.audit.models import AuditEvent
from registry.core.audit.writer import jsonable
from registry.core.enums import Classification, TreatyActionKind
from registry.exports.importing import import_file
from registry.extensions import db

from support import ACTOR


def defined_hash(**fields) -> str:
    """The format as defined: SHA-256 of the fields as sorted, compact, ASCII-only JSON."""
    payload = {**fields, "changes": fields["changes"] or {}, "action": str(fields["action"])}
    if isinstance(payload["occurred_at"], datetime):
        payload["occurred_at"] = payload["occurred_at"].isoformat()
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def test_a_known_event_keeps_its_known_hash():
    changes = jsonable(
        {
            "title": [None, 'Traité sur l’Atlantique Nord \u2013 "NATO"'],
            "concluded_on": [None, date(1949, 4, 4)],
            "classification": [None, Classification.RESTRICTED],
            "amount": [Decimal("2.50"), Decimal("1E+3")],
            "count": [0, 3],
            "flag": [True, False],
            "ratio": [None, 0.25],
            "z": {"nested": [1, None]},
        }
    )
    assert changes["concluded_on"] == [None, "1949-04-04"]
    assert changes["amount"] == ["2.5", "1000"]
    assert changes["classification"] == [None, "restricted"]
    fields = dict(
        prev_hash="0" * 64,
        occurred_at=datetime(2026, 11, 27, 13, 0, 0, 123456, tzinfo=UTC),
        actor_id=7,
        actor_label="editor@example.org",
        action="create",
        entity_type="agreements",
        entity_id=42,
        entity_label="AGR-1949-0001 North Atlantic Treaty",
        changes=changes,
        reason="Imported from agreements.csv",
    )
    known = "4bcfbac41dce0bd69a95eac0423e310fe02e6b15c01cea9d9055195194608084"
    assert event_hash(**fields) == known
    assert defined_hash(**fields) == known


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.sampled_from(list(Classification) + list(TreatyActionKind)),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(
    changes=st.dictionaries(st.text(max_size=12), st.tuples(values, values), max_size=8),
    label=st.none() | st.text(),
    reason=st.none() | st.text(),
    entity_id=st.none() | st.integers(min_value=1, max_value=2**31),
    action=st.sampled_from(["create", "update", "archive", "export"]),
)
def test_every_event_is_hashed_by_the_one_definition(changes, label, reason, entity_id, action):
    stored = jsonable(changes)
    assert json.loads(json.dumps(stored)) == stored  # what the JSON column keeps
    fields = dict(
        prev_hash="a" * 64,
        occurred_at=datetime(2030, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        actor_id=None,
        actor_label="system:cli:someone",
        action=action,
        entity_type="treaty_actions",
        entity_id=entity_id,
        entity_label=label,
        changes=stored,
        reason=reason,
    )
    assert event_hash(**fields) == defined_hash(**fields)


def test_a_bulk_import_writes_the_events_creating_one_by_one_writes(app, make_party, monkeypatch):
    """Same records, same order, same moment: the same events, hash for hash."""
    monkeypatch.setattr(
        "registry.core.audit.writer.utcnow", lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
    france = make_party(name="France", iso3="FRA", kind="state")
    union = make_party(name="Union européenne", kind="international_organisation")
    db.session.commit()
    base = {"instrument_type": "arms_control", "form": "bilateral", "legal_nature": "treaty"}
    new_agreements = [
        {
            **base,
            "reference": "AGR-1990-0001",
            "title": "Treaty on “Conventional” Forces",
            "region": "europe",
            "concluded_on": "1990-11-19",
            "classification": "restricted",
            "review_cadence": "periodic",
            "review_interval": "P5Y",
            "extension_options_left": "2",
            "extension_term": "P5Y",
        },
        {
            **base,
            "reference": "AGR-1991-0001",
            "title": "Accord",
            "region": "global",
            "concluded_on": "",
            "classification": "public",
            "review_cadence": "none",
            "review_interval": "",
            "extension_options_left": "0",
            "extension_term": "",
        },
    ]
    actions = [
        {"agreement_reference": "AGR-1990-0001", "party_iso3": "FRA", "kind": "signature",
         "deposited_on": "1990-11-19", "effective_on": "1990-11-19",
         "depositary_notification": ""},
        {"agreement_reference": "AGR-1990-0001", "party_name": "Union européenne",
         "kind": "ratification", "deposited_on": "1991-01-02", "effective_on": "1991-02-01",
         "depositary_notification": "C.N.1.1991"},
    ]  # fmt: skip

    def written() -> list[tuple]:
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > start).order_by(AuditEvent.id)
        )
        return [
            (e.occurred_at, e.actor_label, e.action, e.entity_type, e.entity_id, e.entity_label,
             e.changes, e.reason, e.prev_hash, e.hash)
            for e in events
        ]  # fmt: skip

    start = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    for number, data in enumerate(new_agreements, start=500):
        agreements.create(ACTOR, data, reason="Imported from agreements.csv", record_id=number)
    for number, row in enumerate(actions, start=700):
        party = france if "party_iso3" in row else union
        data = {key: value for key, value in row.items() if not key.startswith(("agr", "party"))}
        data |= {"agreement_id": 500, "party_id": party.id}
        reason = "Imported from treaty_actions.csv"
        treaty_actions.create(ACTOR, data, reason=reason, record_id=number)
    one_by_one = written()
    db.session.rollback()

    def as_csv(rows: list[dict], first_id: int) -> bytes:
        columns = ["id", *dict.fromkeys(key for row in rows for key in row)]
        lines = [",".join(columns)]
        for number, row in enumerate(rows, start=first_id):
            cells = [str(number)] + [row.get(column, "") for column in columns[1:]]
            lines.append(",".join(f'"{cell}"' if "," in cell else cell for cell in cells))
        return ("\n".join(lines) + "\n").encode()

    for entity, rows, first_id in (
        ("agreements", new_agreements, 500),
        ("treaty_actions", actions, 700),
    ):
        report = import_file(
            entity, as_csv(rows, first_id), "csv", ACTOR, Classification.SECRET,
            source=f"{entity}.csv",
        )  # fmt: skip
        assert report.ok, report.problems
    in_bulk = written()

    assert len(one_by_one) == 4
    assert in_bulk == one_by_one
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    assert verify_chain(
        {column: getattr(event, column) for column in AuditEvent.__table__.columns.keys()}
        | {"action": event.action.value}
        for event in events
    ).ok
