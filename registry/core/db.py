"""The declarative base, its naming convention and the column types every model shares."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import Enum
from operator import itemgetter

from sqlalchemy import Connection, DateTime, Integer, MetaData, Table, event, insert
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# The agreement search index is the database's own machinery (an FTS5 table and triggers on
# SQLite, trigram indexes on PostgreSQL), made by a migration and not described by the models.
SEARCH_INDEX_PREFIXES = ("agreements_search", "ix_agreements_search_")


def described_by_models(name, type_, parent_names) -> bool:
    """For Alembic's comparison of the models with the database: leave the search index out."""
    return not (name or "").startswith(SEARCH_INDEX_PREFIXES)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_cls: type[Enum], name: str) -> SAEnum:
    """Store an enum by value in a VARCHAR with a named CHECK constraint (portable, migratable)."""
    return SAEnum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class Versioned:
    """Optimistic locking: a stale update raises StaleDataError instead of losing a change."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805 - SQLAlchemy passes the mapped class
        return {"version_id_col": cls.__table__.c.version}


class Archivable:
    """Records that hold history are archived, never deleted."""

    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archive_reason: Mapped[str | None] = mapped_column()

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def insert_rows(
    connection: Connection, table: Table, rows: list[dict], *, rows_per_statement: int = 1
) -> None:
    """Insert rows that all give the same columns, each value converted by its column's type.

    The statement is compiled once and each value goes through its column type's own bind
    processor, as SQLAlchemy's executemany would do, but without its bookkeeping per row,
    which for an import costs more than the database's insert. A column left out gets its
    Python-side default as SQLAlchemy would give it, once per row: a value, or a function of
    no arguments (any other kind is refused). On SQLite, `rows_per_statement` sends up to that
    many rows in each INSERT.
    """
    if not rows:
        return
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(rows[0]))
    defaults = {column.key: _python_default(column) for column in compiled.insert_prefetch}
    # The statement and the order of its parameters, as SQLAlchemy would send one row.
    state = compiled.construct_expanded_state(rows[0])
    names = list(state.positiontup if compiled.positional else state.parameters)
    # A column at a time: the conversions run in C loops (map, zip) instead of once per value.
    columns = []
    for name in names:
        if name in defaults:
            make = defaults[name]
            values = [make() for _ in rows]
        else:
            values = list(map(itemgetter(name), rows))
        process = _bind_processor(table, name, dialect)
        columns.append(values if process is None else _processed(process, values))
    parameters: list = list(zip(*columns, strict=True))
    if not compiled.positional:
        parameters = [dict(zip(names, values, strict=True)) for values in parameters]
    if rows_per_statement > 1 and dialect.name == "sqlite":
        _insert_many_per_statement(connection, state.statement, parameters, rows_per_statement)
    else:
        connection.exec_driver_sql(state.statement, parameters)


def _processed(process: Callable, values: list) -> list:
    """Each value converted, each distinct one once: a column repeats its dates and kinds."""
    done: dict = {}
    try:
        return [
            done[value] if value in done else done.setdefault(value, process(value))
            for value in values
        ]
    except TypeError:  # a value that cannot be a key (JSON held as a dict): each converted
        return list(map(process, values))


def _bind_processor(table: Table, name: str, dialect):
    return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)


def _python_default(column) -> Callable[[], object]:
    default = column.default
    if default is not None and default.is_scalar:
        return lambda: default.arg
    if default is not None and default.is_callable:
        made_by = getattr(default.arg, "__wrapped__", None)
        if made_by is not None:  # SQLAlchemy wraps a function of no arguments: this is it
            return made_by
    raise ValueError(f"insert_rows cannot fill {column.name}: give its value")


def _insert_many_per_statement(connection, statement: str, parameters: list, size: int) -> None:
    """Run a one-row SQLite INSERT ... VALUES (?, ...) for many rows at a time."""
    head, _, values = statement.rpartition(" VALUES ")
    size = max(1, min(size, _SQLITE_MAX_VARIABLES // max(1, len(parameters[0]))))
    for start in range(0, len(parameters), size):
        chunk = parameters[start : start + size]
        text = f"{head} VALUES {', '.join([values] * len(chunk))}"
        connection.exec_driver_sql(text, tuple(value for row in chunk for value in row))


_SQLITE_MAX_VARIABLES = 32766  # SQLite 3.32 and later


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """Turn on foreign keys, WAL and a busy timeout; let SQLAlchemy own transactions."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # pysqlite's own BEGIN handling breaks SAVEPOINTs and reads outside transactions.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


_sqlite_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=False)


@contextmanager
def write_transaction() -> Iterator[None]:
    """Mark the transactions begun inside as writers, and undo the change if it fails.

    SQLite in WAL mode cannot upgrade a reader to a writer once another writer has committed
    (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out), so a transaction that will write
    takes the write lock at BEGIN and waits its turn instead. PostgreSQL needs nothing here.

    An exception raised inside rolls the session back at once, so that whatever answers the
    error (a form shown again, a redirect, an error page) sees what is stored and keeps
    nothing of the failed change. Committing is the caller's boundary's business
    (registry/core/transaction.py).
    """
    from registry.extensions import db

    session = db.session()  # the real session behind the scoped proxy
    if session.in_transaction() and not has_changes(session):
        # A read transaction already open would be upgraded, not begun: end it, so that the
        # write begins anew and waits for the lock. Loaded records simply reload.
        session.rollback()
    token = _sqlite_write_intent.set(True)
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    finally:
        _sqlite_write_intent.reset(token)


def has_changes(session: Session) -> bool:
    """Whether the session's transaction holds changes, pending or sent (bulk inserts too)."""
    if session.new or session.dirty or session.deleted:
        return True
    return session.in_transaction() and bool(session.connection().info.get(_WRITTEN))


# In Connection.info: the transaction under way has run a statement that may write.
_WRITTEN = "registry.written"
# The statements that read or hold a transaction (none of ours writes through a WITH).
READING_STATEMENTS = (
    "SELECT",
    "WITH",
    "EXPLAIN",
    "PRAGMA",
    "SHOW",
    "SET",
    "BEGIN",
    "SAVEPOINT",
    "RELEASE",
    "ROLLBACK",
    "COMMIT",
)


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(connection, _cursor, statement: str, _parameters, _context, _many) -> None:
    if not statement.lstrip()[:9].upper().startswith(READING_STATEMENTS):
        connection.info[_WRITTEN] = True


@event.listens_for(Engine, "begin")
def _forget_writes(connection) -> None:
    connection.info[_WRITTEN] = False


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _sqlite_write_intent.get() else "BEGIN")
