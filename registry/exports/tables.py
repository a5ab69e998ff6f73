"""What each export holds: every column of the entity's table, plus natural keys beside ids.

Columns come from the models, in table order, so they stay stable as long as the schema does;
each reference to another record is followed by that record's natural key (agreement
reference, party ISO3 and name, body name, user email), which is what a person or an import
matches on.
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

from registry.agreements.models import Agreement, TreatyAction
from registry.audit.models import AuditEvent
from registry.audit.queries import visible_events
from registry.authorizations.models import Authorization, AuthorizationRule
from registry.core.access import visible
from registry.core.db import UTCDateTime
from registry.core.entities import entity as described
from registry.core.enums import Classification
from registry.exports.formats import JSONRows
from registry.extensions import db
from registry.obligations.models import Measurement, Obligation
from registry.oversight.models import OversightBody
from registry.parties.models import Party
from registry.reviews.models import Review
from registry.users.models import User

BATCH = 1000
SECRET_COLUMNS = {"password_hash"}

ENTITIES = {
    "parties": Party,
    "agreements": Agreement,
    "treaty_actions": TreatyAction,
    "obligations": Obligation,
    "measurements": Measurement,
    "oversight_bodies": OversightBody,
    "authorization_rules": AuthorizationRule,
    "authorizations": Authorization,
    "reviews": Review,
    "audit_events": AuditEvent,
}

# For each kind of reference, the natural keys written after the id.
NATURAL_KEYS = {
    "agreements": (("reference", "reference"),),
    "parties": (("iso3", "iso3"), ("name", "name")),
    "oversight_bodies": (("name", "name"),),
    "authorization_rules": (("name", "name"),),
    "users": (("email", "email"),),
    "obligations": (("title", "title"),),
}
# References whose natural key needs the referenced record's own agreement too: an obligation
# is named by its title within its agreement.
AGREEMENT_SCOPED = {"obligations"}


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
    model = ENTITIES[entity] if entity in ENTITIES else described(entity).model
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
            keys = NATURAL_KEYS.get(target.name, ())
            if not keys:
                continue
            alias = aliased(target, name=f"ref_{column.name}")
            joins.append((alias, column == alias.c.id))
            prefix = column.name.removesuffix("_id")
            for key, label in keys:
                selected.append(alias.c[key].label(f"{prefix}_{label}"))
                names.append(f"{prefix}_{label}")
                sources[f"{prefix}_{label}"] = alias.c[key]
            if target.name in AGREEMENT_SCOPED:
                scope = aliased(Agreement.__table__, name=f"ref_{column.name}_agreement")
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


def stream_batches(
    export: ExportTable, *, since: date | None = None, until: date | None = None
) -> Iterator[list[tuple]]:
    """Rows in id order, in batches read by key (never OFFSET); values in column order.

    Each row is a tuple of the values SQLAlchemy would give, read from the driver's cursor
    (SQLAlchemy's own rows, and the ORM's bookkeeping even more, would cost more than reading
    them), except that JSON comes as its text: a batch that holds some is a `JSONRows`.
    """
    table = ENTITIES[export.name].__table__
    stamp = table.c.occurred_at if "occurred_at" in table.c else table.c.created_at
    query = export.query
    if since:
        query = query.where(stamp >= datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        query = query.where(stamp < datetime.combine(until, time.min, tzinfo=UTC))
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
    emails = dict(
        db.session.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all()
    )
    bodies = dict(db.session.execute(select(OversightBody.id, OversightBody.name)).all())
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
