"""Answers worked out from the recorded data, kept until the data changes.

Every change writes an audit event in its own transaction, and appends to the chain are
serialised (DESIGN §3.8), so the id of the newest event names the state of the records: an
answer kept under it is never served once any process has committed a change. Writes in this
process that add no event (a bulk load, a test's own set-up), by any of its connections, move
a count of this process's writes on, which is part of the name too; bookkeeping that no
answer reads (API request counters, reminders sent) does not. The state is read inside the
transaction that works the answer out, before it, so an answer is never older than the name
it is kept under.

Each process keeps its own answers, a bounded number of them, dropping the least recently
used. Only plain values may be kept: records loaded through the session belong to it.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import Flask, current_app, render_template
from markupsafe import Markup
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from registry.core.audit.models import AuditEvent
from registry.core.db import READING_STATEMENTS
from registry.extensions import db

T = TypeVar("T")

# Answers per process. Most are a count or a rendered page section of tens of kilobytes; the
# largest, a deadline list of ten pages, is some 300 KB: at worst some 40 MB in all.
KEPT = 128

_writes = 0  # the write statements this process has run, committed or not
_WROTE = "registry.wrote"  # in Connection.info: this transaction has written
_STATE = "registry.state"  # in Session.info: the state of the data this transaction saw
# Written on every API request or by the reminder job, and read by no remembered answer; a
# change that matters to readers (a token revoked) writes an audit event as well.
BOOKKEEPING = frozenset({"api_token_usage", "api_tokens", "reminder_deliveries"})


class Answers:
    """A bounded map from (state of the data, question) to answer."""

    def __init__(self, size: int = KEPT):
        self.size = size
        self._kept: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        key = (_data_state(), key)
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]  # type: ignore[return-value]
        answer = compute()
        with self._lock:
            self._kept[key] = answer
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return answer

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or the answer an earlier call with the same `key` got from this same state
    of the data. `key` must name everything the answer depends on besides the records (the
    reader's clearance, today's date, the filters); the answer must be a plain value."""
    return current_app.extensions["registry.answers"].get(key, compute)


def rendered_section(template: str, **context) -> Markup:
    """Part of a page, rendered to be kept: its context must be what the key names."""
    return Markup(render_template(template, **context))  # noqa: S704 - Jinja escaped it


def init_app(app: Flask) -> None:
    app.extensions["registry.answers"] = Answers()


def _data_state() -> tuple[int | None, int]:
    """The newest event's id and this process's write count, read once a transaction (while
    this process writes nothing: a write moves the count on, and the state is read anew)."""
    session = db.session()
    transaction = session.get_transaction()
    known = session.info.get(_STATE)
    if known is not None and known[0] is transaction and known[1] == _writes:
        return known[2], known[1]
    newest = session.scalar(select(func.max(AuditEvent.id)))
    # The count is read after the query above, which may flush pending changes; the
    # transaction after it, which that query may have begun.
    session.info[_STATE] = (session.get_transaction(), _writes, newest)
    return newest, _writes


def _count_write() -> None:
    global _writes
    _writes += 1


_WRITTEN_TABLE = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE
)


@event.listens_for(Engine, "before_cursor_execute")
def _on_statement(connection, _cursor, statement: str, _parameters, _context, _many) -> None:
    # Every statement this process runs, through the session or not (bulk inserts).
    if statement.lstrip()[:9].upper().startswith(READING_STATEMENTS):
        return
    written = _WRITTEN_TABLE.match(statement)
    if written and written.group(1).lower() in BOOKKEEPING:
        return
    _count_write()
    connection.info[_WROTE] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _on_end(connection) -> None:
    # An answer worked out from this transaction's own writes is kept under a count they
    # moved on; moving it once more at the end leaves such answers behind, whichever way the
    # transaction ended (a rolled-back event's id may be handed out again).
    if connection.info.pop(_WROTE, False):
        _count_write()
