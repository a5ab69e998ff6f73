"""`registry backup`: a consistent copy of a live SQLite database that restores and verifies."""

import shutil
import sqlite3

import pytest
from cli.test_commands import one_line_error, run
from sqlalchemy import func, select

from registry.core.audit.models import AuditEvent
from registry.extensions import db


def test_backup_restores_with_an_intact_audit_chain(
    app, backend, database_url, make_party, tmp_path
):
    if backend != "sqlite":
        pytest.skip("backups of PostgreSQL use pg_dump; see the refusal test")
    for _ in range(3):
        make_party()
    db.session.commit()
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    backup = tmp_path / "registry-backup.sqlite3"

    result = run(["backup", "--output", str(backup)], database_url=database_url)

    assert result.returncode == 0, result.stderr
    assert "integrity ok" in result.stdout
    restored = tmp_path / "restored.sqlite3"
    shutil.copy(backup, restored)  # restoring is copying the file into place
    with sqlite3.connect(restored) as connection:
        parties = connection.execute("SELECT count(*) FROM parties").fetchone()[0]
        events = connection.execute("SELECT count(*) FROM audit_events").fetchone()[0]
    assert (parties, events) == (3, events_before)
    verified = run(["audit", "verify"], database_url=f"sqlite:///{restored}")
    assert verified.returncode == 0, verified.stderr
    assert f"intact: {events_before} events" in verified.stdout
    # The backup itself is on record in the live trail.
    db.session.rollback()  # end this test's read snapshot, taken before the command ran
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before + 1


def test_backup_never_overwrites_and_needs_an_existing_folder(app, backend, database_url, tmp_path):
    if backend != "sqlite":
        pytest.skip("SQLite only")
    existing = tmp_path / "taken.sqlite3"
    existing.write_bytes(b"keep me")
    message = one_line_error(run(["backup", "--output", str(existing)], database_url=database_url))
    assert "exists already" in message
    assert existing.read_bytes() == b"keep me"
    nowhere = tmp_path / "no-such-folder" / "backup.sqlite3"
    assert "does not exist" in one_line_error(
        run(["backup", "--output", str(nowhere)], database_url=database_url)
    )


def test_backup_of_postgresql_points_to_pg_dump(app, backend, database_url, tmp_path):
    if backend != "postgresql":
        pytest.skip("PostgreSQL only")
    message = one_line_error(
        run(["backup", "--output", str(tmp_path / "x.sqlite3")], database_url=database_url)
    )
    assert "pg_dump" in message
    assert not (tmp_path / "x.sqlite3").exists()
