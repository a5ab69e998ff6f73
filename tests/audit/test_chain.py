"""The audit trail: every change writes a chained event; tampering is detected and named."""

import threading

import pytest
from sqlalchemy import func, select, text

from registry.core.audit.chain import verify_chain
from registry.core.audit.models import GENESIS_HASH, AuditEvent
from registry.core.audit.writer import SystemActor
from registry.core.db import write_transaction
from registry.extensions import db
from registry.parties.services import parties


def verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def make_chain(make_party, length=5):
    for _ in range(length):
        make_party()
    db.session.commit()


def test_events_link_each_to_the_one_before(make_party):
    make_chain(make_party, 3)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [event.prev_hash for event in events] == [GENESIS_HASH, events[0].hash, events[1].hash]
    assert len({event.hash for event in events}) == 3


def test_verify_passes_on_an_intact_chain(app, make_party):
    make_chain(make_party)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "intact: 5 events" in result.output


def test_verify_on_an_empty_trail_passes(app):
    result = verify(app)
    assert result.exit_code == 0
    assert "0 events" in result.output


def test_editing_one_event_behind_the_applications_back_is_named(app, make_party):
    make_chain(make_party)
    third = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[2]
    db.session.execute(
        text("UPDATE audit_events SET reason = 'nothing to see' WHERE id = :id"), {"id": third}
    )
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"broken at event {third}" in result.output
    assert "content was changed" in result.output
    assert "Traceback" not in result.output


def test_rewriting_an_events_hash_too_breaks_the_next_link(app, make_party):
    make_chain(make_party)
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    db.session.execute(
        text("UPDATE audit_events SET hash = :fake WHERE id = :id"),
        {"fake": "f" * 64, "id": ids[1]},
    )
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"broken at event {ids[1]}" in result.output


def test_deleting_an_event_is_detected_at_its_successor(app, make_party):
    make_chain(make_party)
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[2]})
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"broken at event {ids[3]}" in result.output
    assert "deleted" in result.output


def test_a_chain_cannot_fork(app, make_party):
    make_chain(make_party, 2)
    head = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    db.session.add(
        AuditEvent(
            occurred_at=head.occurred_at,
            actor_label="intruder",
            action=head.action,
            changes={},
            prev_hash=head.prev_hash,
            hash="e" * 64,
        )
    )
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.commit()
    db.session.rollback()


def test_verify_chain_on_plain_rows_reports_where_it_breaks():
    assert verify_chain([]).ok
    report = verify_chain([{"id": 9, "prev_hash": "x" * 64, "hash": "y" * 64}])
    assert report.broken_event_id == 9


def test_concurrent_writers_keep_one_unbroken_chain(_migrated_app, app):
    """Two threads commit changes at once; the chain stays linear and complete."""
    errors = []

    def writer(prefix):
        with _migrated_app.app_context():
            try:
                for number in range(8):
                    with write_transaction():
                        parties.create(
                            SystemActor(prefix), {"name": f"{prefix} {number}", "kind": "other"}
                        )
                        db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("alpha", "beta")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 16
    assert verify(app).exit_code == 0
