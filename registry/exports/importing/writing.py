"""Writing an import's new records: bulk inserts, then one audit event each, chained in order."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from registry.core.audit.writer import Actor, PendingEvent, record_many
from registry.core.db import insert_rows
from registry.core.entities import Entity
from registry.core.enums import AuditAction
from registry.exports.importing.reporting import ImportReport, Problem
from registry.extensions import db


@dataclass
class NewRecord:
    """A checked row that creates a record: its validated values, written with its level."""

    number: int
    values: dict  # as the service's rules left them: what the audit event records
    kept: dict  # columns carried from the file, and the archive reason
    label: str
    archived_at: datetime | None
    id: int | None = None


def write_new(
    described: Entity,
    actor: Actor,
    reason: str | None,
    created: list[NewRecord],
    report: ImportReport,
) -> None:
    """Insert the new records in bulk, then append their audit events in one pass."""
    if not created:
        return
    db.session.flush()  # updates made through the services come first
    try:
        with db.session.begin_nested():
            _insert(described, created)
    except IntegrityError:
        # A rule only the database knows: find the rows it refuses, one at a time.
        _report_refused(described, created, report)
        return
    service, name = described.service, described.name
    events = []
    for new in created:
        changes = service.creation_changes(new.values)
        events.append(PendingEvent(AuditAction.CREATE, name, new.id, new.label, changes, reason))
        if new.archived_at is not None:
            events.append(
                PendingEvent(
                    AuditAction.ARCHIVE,
                    name,
                    new.id,
                    new.label,
                    {"archived_at": [None, new.archived_at]},
                    new.kept["archive_reason"],
                )
            )
    record_many(actor, events)


def _report_refused(described: Entity, created: list[NewRecord], report: ImportReport) -> None:
    for new in created:
        try:
            with db.session.begin_nested():
                _insert(described, [new])
        except IntegrityError as error:
            message = f"The {described.noun} conflicts with a stored record: {error.orig}"
            report.problems.append(Problem(new.number, "", message))


def _insert(described: Entity, created: list[NewRecord]) -> None:
    """Insert rows that keep the file's id first, then the others with ids given to them."""
    table = described.model.__table__
    given = [new for new in created if "id" in new.kept]
    for new in given:
        new.id = new.kept["id"]
    _insert_rows(table, given)
    postgresql = db.engine.dialect.name == "postgresql"
    if given and postgresql:
        # Ids given explicitly do not move the sequence: move it past them.
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table.name}))"
            )
        )
    others = [new for new in created if "id" not in new.kept]
    if not others:
        return
    if postgresql:
        ids = db.session.scalars(
            text(
                f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "  # noqa: S608
                "FROM generate_series(1, :count)"
            ),
            {"count": len(others)},
        ).all()
    else:  # the next ids SQLite would give: this transaction holds the write lock
        highest = db.session.scalar(select(func.max(table.c.id))) or 0
        ids = range(highest + 1, highest + 1 + len(others))
    for new, record_id in zip(others, ids, strict=True):
        new.id = record_id
    _insert_rows(table, others)


def _insert_rows(table, created: list[NewRecord]) -> None:
    """One bulk insert per set of columns the rows give."""
    groups: dict[tuple, list[dict]] = {}
    for new in created:
        row = {**new.values, **new.kept, "id": new.id}
        groups.setdefault(tuple(row), []).append(row)
    # On SQLite, many rows per INSERT: FTS5 flushes its pending terms at the end of every
    # statement, so the search index's trigger costs about six times as much with one row
    # per statement. (On PostgreSQL, psycopg's pipelined executemany is the faster.)
    connection = db.session.connection()
    for rows in groups.values():
        insert_rows(connection, table, rows, rows_per_statement=500)


# An import holds every row of its file, and what it made of each, until it ends: millions of
# objects that each full run of the garbage collector walks again. With the default thresholds
# that came to about a fifth of an import's time. Collections still run, only less often.
_YOUNG_THRESHOLD = 100_000
_collecting = threading.Lock()
_imports_running = 0
_thresholds: tuple[int, ...] = ()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Let the young generation grow larger before a collection while imports run."""
    global _imports_running, _thresholds
    with _collecting:
        if _imports_running == 0:
            _thresholds = gc.get_threshold()
            gc.set_threshold(max(_thresholds[0], _YOUNG_THRESHOLD), *_thresholds[1:])
        _imports_running += 1
    try:
        yield
    finally:
        with _collecting:
            _imports_running -= 1
            if _imports_running == 0:
                gc.set_threshold(*_thresholds)


# SQLite's own default is 2 MB. An import inserts into several indexes at once, two of them
# (the audit trail's hashes) at random places: with 16 MB it spends about 8 % less time, for
# 16 MB more while it runs. The setting is the connection's, so it is put back afterwards.
IMPORT_PAGE_CACHE_KIB = 16_000


@contextmanager
def larger_page_cache() -> Iterator[None]:
    """Give an import's SQLite connection a larger page cache while it runs."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    # The driver's connection: the setting must be put back also after a failed statement.
    driver = connection.connection.driver_connection
    previous = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size = {-IMPORT_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size = {int(previous)}")
