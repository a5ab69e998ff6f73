"""Checking an import's rows through the entity's service, then writing them: all or none.

A row is read into the service's input (references resolved by natural key), matched to the
stored record it stands for, and checked: a matched record is updated through its service, an
unmatched one checked by the service's schema and rules (`imported_values`) and written in bulk
with its audit event (`writing`). The caller commits only when no row has a problem.

Columns the services do not take are informational. For a record the import creates, they are
carried over so that an export imported into an empty registry exports again byte for byte:
the id (when no other record has it), version, created_at, updated_at, archived_at and the
entity's `import_carries` (who recorded a review). For a record that exists already they are
ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import inspect, select
from sqlalchemy.orm import MANYTOONE

from registry.core.access import can_see
from registry.core.audit.writer import Actor
from registry.core.dates import InvalidDate, parse_timestamp
from registry.core.db import utcnow
from registry.core.entities import Entity, entities, find
from registry.core.enums import Classification
from registry.core.errors import RegistryError, ValidationFailed
from registry.core.schemas import RowLoader
from registry.core.services import clean_reason
from registry.exports.importing.matching import Matches, Names, Reference, chunks, levels
from registry.exports.importing.matching import references as references_of
from registry.exports.importing.reading import read_rows
from registry.exports.importing.reporting import ImportFileError, ImportReport, RowProblem
from registry.exports.importing.writing import (
    NewRecord,
    fewer_collections,
    larger_page_cache,
    write_new,
)
from registry.exports.tables import export_table
from registry.extensions import db

# Rows checked, then written, at a time: memory stays bounded, queries stay few.
BATCH_ROWS = 5000

# Exports that no entity stands for: what they are made from is imported instead.
DERIVED = {
    "deadlines": "Deadlines are derived from the records and cannot be imported; "
    "import the reviews, obligations and authorisation steps they come from.",
}

# Carried over to the records an import creates, with the entity's `import_carries`.
CARRIED = ("version", "created_at", "updated_at", "archived_at")


def importable() -> tuple[str, ...]:
    """The names of the entities an import takes, in dependency order."""
    return tuple(described.name for described in entities() if described.importable)


def importable_entity(name: str) -> Entity:
    """The description of an entity an import takes; ImportFileError saying why if none."""
    described = find(name)
    if described is not None and described.not_importable:
        raise ImportFileError(described.not_importable)
    if name in DERIVED:
        raise ImportFileError(DERIVED[name])
    if described is None or not described.importable:
        raise ImportFileError(f"Unknown entity {name!r}: importable are {', '.join(importable())}.")
    return described


class Draft:
    """A new record's values read like the record, for its label and clearance check.

    Each model gets its own subclass (`draft_type`): columns the values leave out read as None,
    and each many-to-one relationship reads the record its id names.
    """

    def __init__(self, values: dict, related: dict[tuple, Any]):
        self.__dict__.update(values)
        self._related = related  # records it points at, shared by the import's drafts


def draft_type(model) -> type[Draft]:
    """The Draft subclass for new records of `model`."""
    mapper = inspect(model)
    namespace: dict[str, Any] = dict.fromkeys(mapper.columns.keys())
    for relationship in mapper.relationships:
        if relationship.direction is MANYTOONE:
            (column,) = relationship.local_columns
            namespace[relationship.key] = _related(relationship.mapper.class_, column.key)
    return type(f"{model.__name__}Draft", (Draft,), namespace)


def _related(target, id_key: str) -> property:
    def get(draft: Draft):
        related_id = draft.__dict__.get(id_key)
        if related_id is None:
            return None
        key = (target, related_id)
        if key not in draft._related:
            draft._related[key] = db.session.get(target, related_id)
        return draft._related[key]

    return property(get)


class Importer:
    """Check and apply the rows of one file; the caller commits or rolls back.

    Rows are checked in levels (a level's rows have their parents in earlier levels; most files
    are one level), a batch at a time. Each batch loads the records its rows name and match
    with one query per table, checks every row through the service's schema and rules, then
    writes its new records in bulk with their audit events. A row matching a stored record
    updates it through the service, one by one: imports mostly create.
    """

    def __init__(
        self,
        entity: str,
        actor: Actor,
        clearance: Classification,
        *,
        source: str = "a file",
        on_row: Callable[[int], None] = lambda count: None,
    ):
        self.described = importable_entity(entity)
        self.entity = entity
        self.service = self.described.service
        self.model = self.described.model
        self.actor = actor
        self.clearance = clearance
        self.reason = clean_reason(f"Imported from {source}"[:500], self.service.noun)
        self.on_row = on_row
        self.schema = self.service.loader
        self.columns = export_table(entity, Classification.SECRET).columns
        self.references = references_of(self.described, self.columns)
        fields = sorted(name for name, f in self.schema.fields.items() if not f.dump_only)
        # Each field the service takes, with the reference whose key columns may name it.
        self._sources = [(name, self.references.get(name)) for name in fields]
        self._carried_references = [self.references[name] for name in self.described.import_carries]
        self._draft = draft_type(self.model)
        self._names = Names(self.references, clearance)
        self._matches = Matches(self.described, self._typed)
        self._taken_ids: set[int] = set()
        self._related: dict[tuple, Any] = {}  # records new ones point at, by model and id
        self._unique: dict[tuple[str, Any], int] = {}  # unique values of new records → row
        self._seen: dict[tuple, int] = {}  # match keys of the rows checked → row
        self._plans: dict[tuple, list] = {}  # where each field comes from, by a row's columns
        self._stamps: dict[str, datetime] = {}  # timestamps read, by their text
        self._rows = RowLoader(self.schema)  # one per batch: see _run_batch

    def run(self, data: bytes, fmt: str) -> ImportReport:
        with fewer_collections(), larger_page_cache():
            columns, rows = read_rows(data, fmt)
            if rows:  # an export of an empty table imports as nothing to do
                self._check_columns(columns)
            report = ImportReport(self.entity, rows=len(rows))
            self._find_taken_ids(rows)
            with self.service.importing():
                count = 0
                for level in levels(rows, self.described.tree):
                    for batch in chunks(level, BATCH_ROWS):
                        self._run_batch(batch, count, report)
                        count += len(batch)
        report.outcomes.sort()
        report.problems.sort(key=lambda problem: problem.row)
        return report

    def _run_batch(self, batch, count: int, report: ImportReport) -> None:
        """Check a batch of rows of one level, then write its new records."""
        self._rows = RowLoader(self.schema)  # what it knows of stored records holds for a batch
        self._names.load([row for _, row in batch if isinstance(row, dict)])
        read = []
        for number, row in batch:
            count += 1
            self.on_row(count)
            try:
                if isinstance(row, RowProblem):
                    raise row
                data = self._data(row)
                read.append((number, row, data, self._carried(row), self._matches.key(data)))
            except (RowProblem, RegistryError) as error:
                report.add(number, error, self._column_of)
        self._matches.load([data for _, _, data, _, _ in read], [key for *_, key in read])
        created = []
        for number, row, data, carried, key in read:
            try:
                outcome = self._check(number, row, data, carried, key)
            except (RowProblem, RegistryError) as error:
                report.add(number, error, self._column_of)
                continue
            if isinstance(outcome, NewRecord):
                created.append(outcome)
                report.outcomes.append((number, "created", outcome.label or self.described.noun))
            else:
                report.outcomes.append((number, *outcome))
        write_new(self.described, self.actor, self.reason, created, report)

    # --- checks on the whole file ----------------------------------------------------------

    def _check_columns(self, columns: list[str]) -> None:
        unknown = [name for name in columns if name not in self.columns]
        if unknown:
            raise ImportFileError(
                f"Unknown column(s) for {self.entity}: {', '.join(unknown[:10])}. "
                f"The columns are those of its export: {', '.join(self.columns)}."
            )
        missing = []
        for name, schema_field in self.schema.fields.items():
            if not schema_field.required or name in columns:
                continue
            reference = self.references.get(name)
            if reference and any(key in columns for key in reference.keys):
                continue
            missing.append(reference.keys[0] if reference and reference.keys else name)
        if missing:
            raise ImportFileError(
                f"Missing column(s) every {self.entity} row needs: {', '.join(missing)}."
            )

    def _find_taken_ids(self, rows) -> None:
        """Note which ids the file gives are used by stored records: before anything is written.

        (Ids the import itself gives out are noted as it goes.) Asking while the import fills
        the table would make PostgreSQL plan each question against a table it has no figures
        for yet.
        """
        ids = {
            int(row["id"]) for _, row in rows if isinstance(row, dict) and _valid_id(row.get("id"))
        }
        self._taken_ids |= {
            record_id
            for chunk in chunks(ids)
            for record_id in db.session.scalars(
                select(self.model.id).where(self.model.id.in_(chunk))
            )
        }

    # --- one row ------------------------------------------------------------------------------

    def _check(self, number: int, row: dict, data: dict, carried: dict, key: tuple | None):
        """Check one row; a new record is returned to be written, an update is made now."""
        existing = self._matches.existing(data, key)
        if key is not None:
            if key in self._seen:
                raise RowProblem("", f"Stands for the same record as row {self._seen[key]}.")
            self._seen[key] = number
        if existing is not None and not can_see(existing, self.clearance):
            field_name = self._column_of(key[0][0])
            raise RowProblem(field_name, "Already used by a record you may not see.")
        archived = row.get("archived_at") if "archived_at" in row else ...
        if existing is None:
            return self._new(number, row, data, carried, archived)
        with db.session.begin_nested():
            outcome = self._update(existing, data, archived, row)
            self._check_clearance(existing)
        return outcome, record_label(existing) or self.described.noun

    def _check_clearance(self, record) -> None:
        if not can_see(record, self.clearance):
            raise RowProblem(
                "classification",
                f"Above your clearance ({self.clearance.value}); nothing was imported.",
            )

    def _new(self, number: int, row: dict, data: dict, carried: dict, archived) -> NewRecord:
        values = self.service.imported_values(self.actor, data, loader=self._rows)
        for name in self.service.unique_fields:
            value = values.get(name)
            if value is not None and (name, value) in self._unique:
                raise ValidationFailed(
                    {name: [f"{value} is already used by another {self.service.noun}."]},
                    self.service.noun,
                )
        draft = self._draft(values, self._related)
        self._check_clearance(draft)
        archived_at = None
        if archived not in (None, ...):
            self.service._require_archivable()
            carried["archive_reason"] = clean_reason(
                row.get("archive_reason") or "Archived in the import", self.service.noun
            )
            archived_at = carried.setdefault("archived_at", utcnow())
        for name in self.service.unique_fields:
            if values.get(name) is not None:
                self._unique[(name, values[name])] = number
        if "id" in carried:
            self._taken_ids.add(carried["id"])
        return NewRecord(number, values, carried, record_label(draft, self.model), archived_at)

    def _update(self, existing, data: dict, archived, row: dict) -> str:
        version = existing.version
        self.service.import_update(self.actor, existing, data, reason=self.reason)
        if archived is not ... and (archived is None) != (existing.archived_at is None):
            if archived is None:
                self.service.restore(self.actor, existing, reason=self.reason)
            else:
                self.service.archive(
                    self.actor,
                    existing,
                    reason=row.get("archive_reason") or "Archived in the import",
                )
        return "updated" if existing.version != version else "unchanged"

    def _data(self, row: dict) -> dict:
        """The row as the service's input: references named by natural key resolved to ids."""
        columns = tuple(row)
        plan = self._plans.get(columns)  # a CSV file's rows all have the same columns
        if plan is None:
            plan = self._plans[columns] = [
                (name, reference if reference and set(reference.keys) & set(row) else None)
                for name, reference in self._sources
                if name in row or (reference and set(reference.keys) & set(row))
            ]
        data = {}
        for name, reference in plan:
            if reference is not None:
                data[name] = self._names.resolve(reference, row)
            else:
                value = row[name]
                if isinstance(value, dict | list):
                    raise RowProblem(name, "Expected a single value, not a list or object.")
                data[name] = value
        return data

    def _carried(self, row: dict) -> dict:
        """The columns the service does not take that a new record keeps from the file."""
        carried: dict[str, Any] = {}
        value = row.get("id")
        if value not in (None, ""):
            if not _valid_id(value):
                raise RowProblem("id", "Not a valid id.")
            if int(value) not in self._taken_ids:
                carried["id"] = int(value)
        if row.get("version") not in (None, ""):
            version = row["version"]
            if isinstance(version, bool) or not str(version).isdigit() or int(version) < 1:
                raise RowProblem("version", "Not a valid version number.")
            carried["version"] = int(version)
        for name in CARRIED[1:]:
            text = row.get(name)
            if text not in (None, ""):
                stamp = self._stamps.get(text) if type(text) is str else None
                if stamp is None:
                    stamp = _timestamp(text, name)
                    if type(text) is str:
                        self._stamps[text] = stamp
                carried[name] = stamp
        for reference in self._carried_references:
            if any(row.get(key) not in (None, "") for key in reference.keys):
                carried[reference.id_column] = self._names.resolve(reference, row)
        return carried

    def _typed(self, data: dict, name: str):
        """One field's value as the schema loads it (for matching rows to records)."""
        value = data.get(name)
        if value in (None, ""):
            return None
        if name in self.references:
            if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
                return int(value)
            raise ValidationFailed({name: [f"Not a valid id: {value!r}."]}, self.service.noun)
        try:
            return self._rows.value(name, value)
        except ValidationError as error:
            raise ValidationFailed({name: error.messages}, self.service.noun) from error

    def _column_of(self, name: str) -> str:
        """The file's column for a schema field (a reference is named by its key column)."""
        reference: Reference | None = self.references.get(name)
        return reference.keys[0] if reference and reference.keys else name


def _valid_id(value) -> bool:
    return (
        value not in (None, "")
        and not isinstance(value, bool)
        and str(value).isdigit()
        and 0 < int(value) < 2**31
    )


def _timestamp(value, name: str) -> datetime:
    try:
        return parse_timestamp(value)
    except InvalidDate as error:
        raise RowProblem(name, str(error)) from error


def record_label(record, model=None) -> str | None:
    """A record's label, as its audit event names it; None for a kind of record without one."""
    label = getattr(model or type(record), "label", None)
    return label.fget(record) if isinstance(label, property) else None


def import_file(
    entity: str,
    data: bytes,
    fmt: str,
    actor: Actor,
    clearance: Classification,
    *,
    source: str = "a file",
    on_row: Callable[[int], None] = lambda count: None,
) -> ImportReport:
    """Check and apply every row; the caller commits if the report is ok, else rolls back."""
    return Importer(entity, actor, clearance, source=source, on_row=on_row).run(data, fmt)
