"""What each export holds: every column of the entity's table, plus natural keys beside ids.

An export is either stored or derived. A stored export is a described entity (`Entity` with
`exportable`): its columns come from the model, in table order, so they stay stable as long as
the schema does; each reference to another record is followed by the way the referenced entity
is named (its `reference_keys`: agreement reference, party ISO3 and name, body name, user
email), which is what a person or an import matches on. A derived export (`DERIVED`: the
deadlines) is worked out rather than stored: it is described here by its columns, its Table
Schema and a function that makes its rows, since it has no table and no record of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import (
    JSON,
    Date,
    Select,
    String,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from registry.audit.queries import visible_events
from registry.core.access import visible
from registry.core.audit.models import AuditEvent
from registry.core.db import UTCDateTime
from registry.core.entities import Entity, entities, find, for_table
from registry.core.entities import entity as describe
from registry.core.enums import Classification
from registry.core.errors import RuleViolation
from registry.exports.formats import JSONRows
from registry.extensions import db

BATCH = 1000
SECRET_COLUMNS = {"password_hash"}


def exportable() -> list[Entity]:
    """The stored exports: every described entity that is exported, in registration order."""
    return [described for described in entities() if described.exportable]


def export_names() -> list[str]:
    """Every export's name, stored and derived."""
    return [described.name for described in exportable()] + list(DERIVED)


@dataclass(frozen=True)
class ExportTable:
    name: str
    columns: list[str]
    query: Select  # yields one row per record, in id order, with the columns above
    sources: dict  # column name -> the table column it is read from (for types and keys)


def export_table(
    entity: str, clearance: Classification, *, only: Select | None = None
) -> ExportTable:
    """The columns and the clearance-limited query of one exportable entity.

    `only`, a query of ids, narrows the export to the records a list's filters select.
    """
    model = _stored(entity).model
    base = (
        visible_events(clearance)
        if model is AuditEvent
        else visible(select(model), model, clearance, archived=True)
    )
    table = model.__table__
    dialect = db.session.get_bind().dialect.name
    selected, names, sources = [], [], {}
    joins = []
    for column in table.columns:
        if column.name in SECRET_COLUMNS:
            continue
        selected.append(_as_exported(column, dialect))
        names.append(column.name)
        sources[column.name] = column
        for foreign_key in column.foreign_keys:
            target = foreign_key.column.table
            referenced = for_table(target.name)
            if referenced is None or not referenced.reference_keys:
                continue
            alias = aliased(target, name=f"ref_{column.name}")
            joins.append((alias, column == alias.c.id))
            prefix = column.name.removesuffix("_id")
            for key, label in referenced.reference_keys:
                selected.append(alias.c[key].label(f"{prefix}_{label}"))
                names.append(f"{prefix}_{label}")
                sources[f"{prefix}_{label}"] = alias.c[key]
            if referenced.named_within_agreement:
                [to_agreement] = target.c.agreement_id.foreign_keys
                agreement = to_agreement.column.table
                scope = aliased(agreement, name=f"ref_{column.name}_agreement")
                joins.append((scope, alias.c.agreement_id == scope.c.id))
                selected.append(scope.c.reference.label(f"{prefix}_agreement_reference"))
                names.append(f"{prefix}_agreement_reference")
                sources[f"{prefix}_agreement_reference"] = scope.c.reference
    query = base.with_only_columns(*selected)
    for alias, condition in joins:
        query = query.outerjoin(alias, condition)
    if only is not None:
        query = query.where(table.c.id.in_(only.with_only_columns(model.id).order_by(None)))
    return ExportTable(entity, names, query.order_by(table.c.id), sources)


def _stored(name: str) -> Entity:
    described = find(name)
    if described is None or not described.exportable:
        raise KeyError(f"{name!r} is not a stored export")
    return described


def _as_exported(column, dialect: str) -> ColumnElement:
    """The column read as the text the export writes, where the database can make it.

    Enum values are read as stored; dates and timestamps come as ISO 8601 text made by the
    database, rather than as objects that would be made and turned back into text per row.
    JSON is read as its stored text, decoded only as it is written (`JSONRows`).
    """
    if isinstance(column.type, SAEnum):
        return type_coerce(column, String).label(column.name)
    if isinstance(column.type, JSON):
        stored = cast(column, Text) if dialect == "postgresql" else column  # psycopg decodes JSON
        return type_coerce(stored, Text).label(column.name)
    if isinstance(column.type, Date):
        as_text = _ISO_DATES.get(dialect)
    elif isinstance(column.type, UTCDateTime):
        as_text = _ISO_TIMESTAMPS.get(dialect)
    else:
        as_text = None
    if as_text is None:
        return column
    return type_coerce(as_text(column), String).label(column.name)


def _sqlite_iso_timestamp(column) -> ColumnElement:
    """'YYYY-MM-DD HH:MM:SS.ffffff', as SQLite holds it in UTC, as isoformat() writes it.

    Like isoformat(), it leaves out a fraction of zero microseconds.
    """
    text = type_coerce(column, String)
    return func.replace(func.replace(text, " ", "T"), ".000000", "") + literal("+00:00")


def _postgresql_iso_timestamp(column) -> ColumnElement:
    """A timestamptz in UTC as isoformat() writes it, without a fraction of zero."""
    utc = func.timezone("UTC", column)
    fraction = func.to_char(utc, "US")
    return (
        func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
        + case((fraction == "000000", literal("")), else_=literal(".") + fraction)
        + literal("+00:00")
    )


_ISO_DATES = {
    "sqlite": lambda column: type_coerce(column, String),  # stored as ISO text already
    "postgresql": lambda column: func.to_char(column, "YYYY-MM-DD"),
}
_ISO_TIMESTAMPS = {"sqlite": _sqlite_iso_timestamp, "postgresql": _postgresql_iso_timestamp}


def count_rows(export: ExportTable) -> int:
    """How many rows an export holds now."""
    return db.session.scalar(
        select(func.count()).select_from(export.query.order_by(None).subquery())
    )


# What --since and --until compare: when an event occurred, or when a record was created.
STAMPS = ("occurred_at", "created_at")


def stream_batches(
    export: ExportTable, *, since: date | None = None, until: date | None = None
) -> Iterator[list[tuple]]:
    """Rows in id order, in batches read by key (never OFFSET); values in column order.

    Each row is a tuple of the values SQLAlchemy would give, read from the driver's cursor
    (SQLAlchemy's own rows, and the ORM's bookkeeping even more, would cost more than reading
    them), except that JSON comes as its text: a batch that holds some is a `JSONRows`.
    """
    table = _stored(export.name).model.__table__
    query = export.query
    if since or until:
        # Checked before the first row is asked for, so that nothing is written on a refusal.
        stamp = next((table.c[name] for name in STAMPS if name in table.c), None)
        if stamp is None:
            raise RuleViolation(
                f"{export.name} records carry no creation time: export them without "
                "--since and --until."
            )
    if since:
        query = query.where(stamp >= datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        query = query.where(stamp < datetime.combine(until, time.min, tzinfo=UTC))
    return _batches(export, table, query)


def _batches(export: ExportTable, table, query) -> Iterator[list[tuple]]:
    """Read the rows of `query` a batch at a time, by key."""
    # One statement for every batch, so that it is compiled once.
    query = query.where(table.c.id > bindparam("after")).limit(BATCH)
    json_text = [
        index
        for index, name in enumerate(export.columns)
        if isinstance(export.sources[name].type, JSON)
    ]
    connection = db.session.connection()
    result = connection.execute(query, {"after": 0})
    convert = _converter(query, result.cursor.description, connection.dialect)
    while True:
        rows = result.cursor.fetchall()  # the driver's own rows: no Row objects made
        result.close()
        if rows:
            after = rows[-1][0]
            if convert:
                rows = convert(rows)
            yield JSONRows(rows, json_text) if json_text else rows
        if len(rows) < BATCH:
            return
        result = connection.execute(query, {"after": after})


def _converter(
    query: Select, description: Sequence, dialect
) -> Callable[[list[tuple]], list[tuple]] | None:
    """What turns the driver's rows into the values SQLAlchemy gives: its result processor
    for each column that has one (none for most), applied a column at a time."""
    processors = [
        column.type.dialect_impl(dialect).result_processor(dialect, entry[1])
        for column, entry in zip(query.selected_columns, description, strict=True)
    ]
    if not any(processors):
        return None

    def convert(rows: list[tuple]) -> list[tuple]:
        columns = zip(*rows, strict=True)
        return list(
            zip(
                *(
                    values if process is None else list(map(process, values))
                    for process, values in zip(processors, columns, strict=True)
                ),
                strict=True,
            )
        )

    return convert


@dataclass(frozen=True)
class DerivedExport:
    """An export worked out rather than stored: no table, so its shape is described here."""

    name: str
    columns: list[str]
    # (clearance, *, today, since, until) -> batches of rows in column order
    rows: Callable[..., list[list[tuple]]]
    schema: dict  # its Table Schema in the bundle's data package


DEADLINE_COLUMNS = [
    "key",
    "kind",
    "due_on",
    "days_left",
    "title",
    "agreement_id",
    "agreement_reference",
    "classification",
    "responsible_emails",
    "oversight_body_id",
    "oversight_body_name",
]
DEADLINE_TYPES = {
    "due_on": "date",
    "days_left": "integer",
    "agreement_id": "integer",
    "oversight_body_id": "integer",
}


def deadline_rows(
    clearance: Classification, *, today: date, since: date | None = None, until: date | None = None
) -> list[list[tuple]]:
    """Deadlines are derived, not stored: export those from `since` (default: five years
    back) to `until` (default: five years ahead), soonest first."""
    from registry.deadlines.queries import find_deadlines

    start = since or today.replace(year=today.year - 5)
    end = until or today.replace(year=today.year + 5)
    return deadline_records(find_deadlines(clearance, start, end, today=today), today=today)


def deadline_records(deadlines: list, *, today: date) -> list[list[tuple]]:
    """Export rows of derived deadlines, as one batch; people and bodies are looked up now."""
    user_ids = {user_id for deadline in deadlines for user_id in deadline.responsible_ids}
    emails = _names("users", "email", user_ids)
    bodies = _names("oversight_bodies", "name")
    rows = [
        (
            deadline.uid,
            deadline.kind,
            deadline.due_on,
            deadline.days_left(today),
            deadline.title,
            deadline.agreement_id,
            deadline.agreement_reference,
            deadline.classification,
            "; ".join(emails[i] for i in deadline.responsible_ids if i in emails),
            deadline.oversight_body_id,
            bodies.get(deadline.oversight_body_id),
        )
        for deadline in deadlines
    ]
    return [rows]


def _names(entity_name: str, column: str, ids: set[int] | None = None) -> dict[int, object]:
    """One column of records of a described entity by id: of those in `ids`, or of all."""
    model = describe(entity_name).model
    query = select(model.id, getattr(model, column))
    if ids is not None:
        query = query.where(model.id.in_(ids))
    return dict(db.session.execute(query).all())


DERIVED = {
    "deadlines": DerivedExport(
        "deadlines",
        DEADLINE_COLUMNS,
        deadline_rows,
        {
            "fields": [
                {"name": name, "type": DEADLINE_TYPES.get(name, "string")}
                for name in DEADLINE_COLUMNS
            ],
            "primaryKey": ["key"],
            "missingValues": [""],
            "foreignKeys": [
                {"fields": "agreement_id", "reference": {"resource": "agreements", "fields": "id"}}
            ],
        },
    ),
}
