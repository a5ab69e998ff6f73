"""Importing the export formats back: every row checked by its entity's service, all or none.

A row names the records it refers to by their natural keys (the columns an export writes
beside each id: `agreement_reference`, `party_iso3`/`party_name`, `body_name`, `owner_email`,
`obligation_title` with `obligation_agreement_reference`), and it matches the record it stands
for by the entity's own key (MATCH_KEYS). A matched record is updated through its service, an
unmatched one created; the caller commits only when no row has a problem. New records are
checked by the service's schema and rules (`new_values`) and written in bulk with their audit
events (`record_many`): no query per row.

Columns the services do not take are informational. For a record the import creates, they are
carried over so that an export imported into an empty registry exports again byte for byte:
the id (when no other record has it), version, created_at, updated_at, archived_at and the
recorder. For a record that exists already they are ignored.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import operator
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import MANYTOONE, joinedload

from registry.agreements.models import Agreement
from registry.agreements.services import agreements, treaty_actions
from registry.audit.services import Actor, PendingEvent, record_many
from registry.authorizations.models import AuthorizationRule
from registry.authorizations.services import authorization_rules, authorizations
from registry.core.access import can_see
from registry.core.dates import InvalidDate, parse_timestamp
from registry.core.db import insert_rows, utcnow
from registry.core.enums import AuditAction, Classification, ReviewStatus
from registry.core.errors import RegistryError, ValidationFailed
from registry.core.schemas import RowLoader
from registry.core.services import clean_reason
from registry.exports.formats import FORMATS, plain, uncsv_cell
from registry.exports.tables import export_table
from registry.extensions import db
from registry.obligations.models import Obligation
from registry.obligations.services import measurements, obligations
from registry.oversight.models import OversightBody
from registry.oversight.services import oversight_bodies
from registry.parties.models import Party
from registry.parties.services import parties
from registry.reviews.services import reviews
from registry.users.models import User

IMPORT_MAX_BYTES = 20 * 1024 * 1024
# Rows checked, then written, at a time: memory stays bounded, queries stay few.
BATCH_ROWS = 5000

# In dependency order: import parties and oversight bodies before the agreements that name
# them, and agreements before what belongs to them.
SERVICES = {
    "parties": parties,
    "oversight_bodies": oversight_bodies,
    "authorization_rules": authorization_rules,
    "agreements": agreements,
    "treaty_actions": treaty_actions,
    "obligations": obligations,
    "measurements": measurements,
    "authorizations": authorizations,
    "reviews": reviews,
}
IMPORTABLE = tuple(SERVICES)

# The fields (after references are resolved) that say which stored record a row stands for.
MATCH_KEYS = {
    "parties": ("iso3",),  # or, without an ISO3 code, the name
    "oversight_bodies": ("name",),
    "authorization_rules": ("name",),
    "agreements": ("reference",),
    "treaty_actions": ("agreement_id", "party_id", "kind", "effective_on"),
    "obligations": ("agreement_id", "article_reference", "title"),
    "measurements": ("obligation_id", "party_id", "period_start", "period_end"),
    "authorizations": ("agreement_id", "requirement", "body_id", "submitted_on"),
    "reviews": ("agreement_id", "obligation_id", "is_periodic", "due_on"),
}

# Referenced records named by a unique name: table → (model, what the error calls one).
NAMED = {
    "oversight_bodies": (OversightBody, "oversight body"),
    "authorization_rules": (AuthorizationRule, "authorisation rule"),
}

# Records of the same file that others in it may point at: parents are written first.
TREES = {
    "agreements": ("parent_reference", "reference"),
    "oversight_bodies": ("parent_name", "name"),
}

NOT_IMPORTABLE = {
    "deadlines": "Deadlines are derived from the records and cannot be imported; "
    "import the reviews, obligations and authorisation steps they come from.",
    "audit_events": "Audit events are append-only and cannot be imported; each import writes "
    "its own events. Check an exported trail with: registry audit verify --bundle FILE.zip",
}

# Carried over to the records an import creates (see the module's docstring).
CARRIED = ("version", "created_at", "updated_at", "archived_at", "recorded_by_id")


class ImportFileError(RegistryError):
    """The file as a whole cannot be read: wrong encoding, format, columns or size."""


@dataclass(frozen=True)
class Problem:
    row: int  # 1 is the first record (in CSV, the line after the header)
    field: str
    message: str

    def line(self) -> str:
        where = f"row {self.row}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    entity: str
    rows: int = 0
    outcomes: list[tuple[int, str, str]] = field(default_factory=list)  # row, outcome, label
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, outcome: str) -> int:
        return sum(1 for _, done, _ in self.outcomes if done == outcome)

    def summary(self) -> str:
        return (
            f"{self.entity}: {self.rows} rows: {self.count('created')} created, "
            f"{self.count('updated')} updated, {self.count('unchanged')} unchanged"
        )


class RowProblem(Exception):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


# --- reading --------------------------------------------------------------------------------


def format_of(filename: str, fmt: str | None) -> str:
    """The format given, or the one the file name's extension says."""
    if fmt:
        if fmt not in FORMATS:
            raise ImportFileError(f"Unknown format {fmt!r}: use csv, json or jsonl.")
        return fmt
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    by_extension = {"csv": "csv", "json": "json", "jsonl": "jsonl", "ndjson": "jsonl"}
    if extension not in by_extension:
        raise ImportFileError(
            f"Cannot tell the format of {filename!r} from its extension: name it .csv, .json "
            "or .jsonl, or give the format."
        )
    return by_extension[extension]


def decode(data: bytes, limit: int = IMPORT_MAX_BYTES) -> str:
    """The file's text; only UTF-8 (with or without a byte-order mark) is accepted."""
    if len(data) > limit:
        raise ImportFileError(
            f"The file is {len(data):,} bytes; imports take at most {limit:,} bytes. "
            "Split it into smaller files."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError("The file is UTF-16 text; save it as UTF-8 and try again.")
    if b"\x00" in data:
        raise ImportFileError("The file holds NUL bytes: it is not a text file. Nothing was read.")
    try:
        text_ = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {error.start} cannot be read; Latin-1 or another "
            "encoding?): save it as UTF-8 and try again."
        ) from error
    return text_.removeprefix("\ufeff")


def read_rows(data: bytes, fmt: str) -> tuple[list[str], list[tuple[int, Any]]]:
    """The columns seen and the numbered records of a file; records are dicts or problems."""
    text_ = decode(data)
    if not text_.strip() and fmt != "jsonl":  # an empty JSON Lines file is an empty export
        raise ImportFileError("The file is empty.")
    if fmt == "csv":
        return _read_csv(text_)
    if fmt == "json":
        try:
            records = json.loads(text_)
        except json.JSONDecodeError as error:
            raise ImportFileError(
                f"Not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}."
            ) from error
        if not isinstance(records, list):
            raise ImportFileError("A JSON import is a list of objects, as the JSON export writes.")
        numbered = list(enumerate(records, start=1))
    elif fmt == "jsonl":
        numbered = []
        for number, line in enumerate(text_.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                numbered.append((number, json.loads(line)))
            except json.JSONDecodeError as error:
                numbered.append((number, RowProblem("", f"Not valid JSON: {error.msg}.")))
    else:
        raise ImportFileError(f"Unknown format {fmt!r}: use csv, json or jsonl.")
    columns: list[str] = []
    rows: list[tuple[int, Any]] = []
    for number, record in numbered:
        if isinstance(record, RowProblem):
            rows.append((number, record))
        elif not isinstance(record, dict):
            rows.append((number, RowProblem("", "Expected an object of fields.")))
        else:
            for key in record:
                if key not in columns:
                    columns.append(str(key))
            rows.append((number, record))
    return columns, rows


def _read_csv(text_: str) -> tuple[list[str], list[tuple[int, Any]]]:
    reader = csv.reader(io.StringIO(text_, newline=""), strict=True)
    try:
        header = next(reader)
        if len(set(header)) != len(header):
            repeated = sorted({name for name in header if header.count(name) > 1})
            raise ImportFileError(f"The header names a column twice: {', '.join(repeated)}.")
        rows: list[tuple[int, Any]] = []
        number = 0
        for cells in reader:
            if not cells:
                continue  # a blank line
            number += 1
            if len(cells) != len(header):
                rows.append(
                    (
                        number,
                        RowProblem(
                            "", f"Has {len(cells)} cells; the header has {len(header)} columns."
                        ),
                    )
                )
                continue
            rows.append((number, {c: uncsv_cell(v) for c, v in zip(header, cells, strict=True)}))
    except csv.Error as error:
        raise ImportFileError(f"Not valid CSV near row {reader.line_num}: {error}.") from error
    return header, rows


# --- importing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    id_column: str
    target: str  # table name
    keys: tuple[str, ...]  # the file's natural-key columns naming it


def references(entity: str) -> dict[str, Reference]:
    """Each reference column of an entity with the natural-key columns written beside it."""
    columns = export_table(entity, Classification.SECRET).columns
    found = {}
    for column in SERVICES[entity].model.__table__.columns:
        for foreign_key in column.foreign_keys:
            prefix = column.name.removesuffix("_id")
            keys = tuple(
                name for name in columns if name.startswith(prefix + "_") and name != column.name
            )
            found[column.name] = Reference(column.name, foreign_key.column.table.name, keys)
    return found


@dataclass
class Checked:
    """A row read into the service's input: its fields, carried columns and matching key."""

    number: int
    row: dict
    data: dict
    carried: dict
    key: tuple | None


@dataclass
class NewRecord:
    """A checked row that creates a record: its validated values, written with its level."""

    number: int
    values: dict  # as the service's rules left them: what the audit event records
    kept: dict  # CARRIED columns from the file, and the archive reason
    label: str
    archived_at: datetime | None
    id: int | None = None


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
        if entity in NOT_IMPORTABLE:
            raise ImportFileError(NOT_IMPORTABLE[entity])
        if entity not in SERVICES:
            raise ImportFileError(
                f"Unknown entity {entity!r}: importable are {', '.join(IMPORTABLE)}."
            )
        self.entity = entity
        self.service = SERVICES[entity]
        self.model = self.service.model
        self.actor = actor
        self.clearance = clearance
        self.reason = clean_reason(f"Imported from {source}"[:500], self.service.noun)
        self.on_row = on_row
        self.schema = self.service.loader
        self.fields = {name for name, f in self.schema.fields.items() if not f.dump_only}
        self.references = references(entity)
        # Each field the service takes, with the reference whose key columns may name it.
        self._sources = [(name, self.references.get(name)) for name in sorted(self.fields)]
        self._draft = draft_type(self.model)
        self.columns = export_table(entity, Classification.SECRET).columns
        self._cache: dict[tuple, Any] = {}  # resolved references, per level
        self._known: dict[str, dict] = {}  # records the level's rows name, by table and key
        self._matches: dict[tuple, Any] = {}  # stored records by their match key
        self._taken_ids: set[int] = set()
        self._related: dict[tuple, Any] = {}  # records new ones point at, by model and id
        self._unique: dict[tuple[str, Any], int] = {}  # unique values of new records → row
        self._rows = RowLoader(self.schema)  # one per batch: see _run_batch

    def run(self, data: bytes, fmt: str) -> ImportReport:
        with fewer_collections(), larger_page_cache():
            return self._run(data, fmt)

    def _run(self, data: bytes, fmt: str) -> ImportReport:
        columns, rows = read_rows(data, fmt)
        if rows:  # an export of an empty table imports as nothing to do
            self._check_columns(columns)
        report = ImportReport(self.entity, rows=len(rows))
        self._find_taken_ids(rows)
        seen: dict[tuple, int] = {}
        reserving = (
            agreements.reserving_references() if self.entity == "agreements" else nullcontext()
        )
        with reserving:
            self._run_levels(rows, report, seen)
        report.outcomes.sort()
        report.problems.sort(key=lambda problem: problem.row)
        return report

    def _run_levels(self, rows, report: ImportReport, seen: dict[tuple, int]) -> None:
        count = 0
        for level in self._levels(rows):
            for batch in _chunks(level, BATCH_ROWS):
                self._run_batch(batch, count, report, seen)
                count += len(batch)

    def _run_batch(self, batch, count: int, report: ImportReport, seen: dict[tuple, int]) -> None:
        """Check a batch of rows of one level, then write its new records."""
        self._rows = RowLoader(self.schema)  # what it knows of stored records holds for a batch
        self._prefetch([row for _, row in batch if isinstance(row, dict)])
        checked = []
        for number, row in batch:
            count += 1
            self.on_row(count)
            try:
                if isinstance(row, RowProblem):
                    raise row
                checked.append(self._read(row, number))
            except (RowProblem, RegistryError) as error:
                self._report(report, number, error)
        self._prefetch_matches([item.data for item in checked])
        created = []
        for item in checked:
            try:
                outcome = self._check(item, seen)
            except (RowProblem, RegistryError) as error:
                self._report(report, item.number, error)
                continue
            if isinstance(outcome, NewRecord):
                created.append(outcome)
                report.outcomes.append((item.number, "created", outcome.label))
            else:
                report.outcomes.append((item.number, *outcome))
        self._write(created, report)

    def _report(self, report: ImportReport, number: int, error: Exception) -> None:
        """Turn what is wrong with one row into the report's problems for that row."""
        if isinstance(error, RowProblem):
            report.problems.append(Problem(number, error.field, error.message))
        elif isinstance(error, ValidationFailed):
            report.problems.extend(
                Problem(number, self._column_of(name), message)
                for name, message in _flatten(error.messages)
            )
        else:
            report.problems.append(Problem(number, "", str(error)))

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

    def _levels(self, rows) -> list[list]:
        """Rows in levels: a row whose parent is in the same file comes a level after it."""
        tree = TREES.get(self.entity)
        if tree is None:
            return [rows] if rows else []
        parent_key, own_key = tree
        parents = {
            row.get(own_key): row.get(parent_key)
            for _, row in rows
            if isinstance(row, dict) and row.get(own_key)
        }

        def depth(row) -> int:
            if not isinstance(row, dict):
                return 0
            level, parent, seen = 0, row.get(parent_key), set()
            while parent in parents and parent not in seen:
                seen.add(parent)
                level += 1
                parent = parents[parent]
            return level

        levels: dict[int, list] = {}
        for numbered in rows:
            levels.setdefault(depth(numbered[1]), []).append(numbered)
        return [levels[level] for level in sorted(levels)]

    # --- loading what a level's rows name, one query per table ------------------------------

    def _prefetch(self, rows: list[dict]) -> None:
        """Load the records the rows name by natural key."""
        self._cache.clear()
        wanted: dict[str, dict[str, set]] = {}
        for reference in self.references.values():
            prefix = reference.id_column.removesuffix("_id") + "_"
            for key in reference.keys:
                cells = set()
                for value in map(operator.methodcaller("get", key), rows):
                    if value not in (None, "") and not isinstance(value, dict | list):
                        cells.add(value if type(value) is str else str(value))
                if cells:
                    names = wanted.setdefault(reference.target, {})
                    names.setdefault(key.removeprefix(prefix), set()).update(
                        value.strip() for value in cells
                    )
        self._known = {target: self._load_known(target, names) for target, names in wanted.items()}

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
            for chunk in _chunks(ids)
            for record_id in db.session.scalars(
                select(self.model.id).where(self.model.id.in_(chunk))
            )
        }

    def _load_known(self, target: str, names: dict[str, set]) -> dict:
        """The records of `target` the rows name, by each natural key they are named by."""
        if target == "parties":
            found = _load_in(select(Party), Party.iso3, {v.upper() for v in names.get("iso3", ())})
            found += _load_in(select(Party), Party.name, names.get("name", ()))
            return {
                "iso3": {party.iso3: party for party in found if party.iso3},
                "name": {party.name: party for party in found},
            }
        if target == "agreements":
            found = _load_in(select(Agreement), Agreement.reference, names.get("reference", ()))
            return {"reference": {agreement.reference: agreement for agreement in found}}
        if target in NAMED:
            model = NAMED[target][0]
            found = _load_in(select(model), model.name, names.get("name", ()))
            return {"name": {record.name: record for record in found}}
        if target == "users":
            emails = {value.lower() for value in names.get("email", ())}
            return {
                "email": {user.email: user for user in _load_in(select(User), User.email, emails)}
            }
        if target == "obligations":
            query = (
                select(Obligation).options(joinedload(Obligation.agreement)).order_by(Obligation.id)
            )
            titled: dict[str, list] = {}
            for obligation in _load_in(query, Obligation.title, names.get("title", ())):
                titled.setdefault(obligation.title, []).append(obligation)
            return {"title": titled}
        return {}

    def _prefetch_matches(self, data: list[dict]) -> None:
        """Load the stored records the rows may stand for, by the first of their match keys."""
        if self.entity == "parties":
            iso3s, names = set(), set()
            for values in data:
                with suppress(ValidationFailed):
                    iso3, name = self._typed(values, "iso3"), self._typed(values, "name")
                    iso3s |= {iso3.upper()} if iso3 else set()
                    names |= {name} if name else set()
            found = _load_in(select(Party), Party.iso3, iso3s) + _load_in(
                select(Party), Party.name, names
            )
            self._matches = {("iso3", party.iso3): party for party in found if party.iso3}
            self._matches |= {("name", party.name): party for party in found}
            return
        keys = MATCH_KEYS[self.entity]
        firsts = set()
        for values in data:
            with suppress(ValidationFailed):
                firsts.add(self._typed(values, keys[0]))
        firsts.discard(None)
        query = select(self.model).order_by(self.model.id)
        found = _load_in(query, getattr(self.model, keys[0]), firsts)
        self._matches = {}
        for record in found:
            self._matches.setdefault(tuple(getattr(record, name) for name in keys), record)

    # --- one row ------------------------------------------------------------------------------

    def _read(self, row: dict, number: int) -> Checked:
        data = self._data(row)
        return Checked(number, row, data, self._carried(row), self._key(data))

    def _check(self, item: Checked, seen: dict[tuple, int]) -> NewRecord | tuple[str, str]:
        """Check one row; a new record is returned to be written, an update is made now."""
        existing = self._existing(item)
        if item.key is not None:
            if item.key in seen:
                raise RowProblem("", f"Stands for the same record as row {seen[item.key]}.")
            seen[item.key] = item.number
        if existing is not None and not can_see(existing, self.clearance):
            field_name = MATCH_KEYS[self.entity][0]
            raise RowProblem(field_name, "Already used by a record you may not see.")
        row = item.row
        archived = row.get("archived_at") if "archived_at" in row else ...
        if existing is None:
            return self._new(item, archived)
        with db.session.begin_nested():
            outcome = self._update(existing, item.data, archived, row)
            self._check_clearance(existing)
        return outcome, existing.label

    def _check_clearance(self, record) -> None:
        if not can_see(record, self.clearance):
            raise RowProblem(
                "classification",
                f"Above your clearance ({self.clearance.value}); nothing was imported.",
            )

    def _new(self, item: Checked, archived) -> NewRecord:
        # A new record enters as the file found it, like a fixture: its steps happened
        # elsewhere. Changes to records already here go through every rule.
        as_found = agreements.recording_as_found() if self.entity == "agreements" else nullcontext()
        with as_found:
            values = self.service.new_values(self.actor, item.data, loader=self._rows)
        for name in self.service.unique_fields:
            value = values.get(name)
            if value is None:
                continue
            if (name, value) in self._unique:
                raise ValidationFailed(
                    {name: [f"{value} is already used by another {self.service.noun}."]},
                    self.service.noun,
                )
        draft = self._draft(values, self._related)
        self._check_clearance(draft)
        kept = {name: item.carried[name] for name in ("id", *CARRIED) if name in item.carried}
        archived_at = None
        if archived not in (None, ...):
            self.service._require_archivable()
            kept["archive_reason"] = clean_reason(
                item.row.get("archive_reason") or "Archived in the import", self.service.noun
            )
            archived_at = kept.setdefault("archived_at", utcnow())
        for name in self.service.unique_fields:
            if values.get(name) is not None:
                self._unique[(name, values[name])] = item.number
        if "id" in item.carried:
            self._taken_ids.add(item.carried["id"])
        return NewRecord(item.number, values, kept, self.model.label.fget(draft), archived_at)

    def _data(self, row: dict) -> dict:
        data = {}
        for name, reference in self._sources:
            if reference and any(map(row.__contains__, reference.keys)):
                data[name] = self._resolve(reference, row)
            elif name in row:
                value = row[name]
                if isinstance(value, dict | list):
                    raise RowProblem(name, "Expected a single value, not a list or object.")
                data[name] = value
        return data

    def _carried(self, row: dict) -> dict:
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
        for name in ("created_at", "updated_at", "archived_at"):
            if row.get(name) not in (None, ""):
                carried[name] = _timestamp(row[name], name)
        recorder = self.references.get("recorded_by_id")
        if recorder and row.get("recorded_by_email"):
            carried["recorded_by_id"] = self._resolve(recorder, row)
        return carried

    def _resolve(self, reference: Reference, row: dict) -> int | None:
        """The id of the record a row's natural-key columns name (None if they are empty)."""
        cells = tuple(map(row.get, reference.keys))
        if all(cell is None or cell == "" for cell in cells):
            return None
        cache_key: tuple | None = (reference.id_column, cells)
        try:
            found = self._cache.get(cache_key)
        except TypeError:  # a JSON cell holding a list or an object: looked up, not kept
            found = cache_key = None
        if found is None:
            found = self._lookup(reference, dict(zip(reference.keys, cells, strict=True)))
            if cache_key is not None:
                self._cache[cache_key] = found
        if isinstance(found, RowProblem):
            raise found
        return found

    def _lookup(self, reference: Reference, values: dict):
        """Find a named record among those `_prefetch` loaded."""
        prefix = reference.id_column.removesuffix("_id")

        def get(name):
            value = values.get(f"{prefix}_{name}")
            return None if value in (None, "") else str(value).strip()

        target = reference.target
        known = self._known.get(target, {})
        column_name = reference.keys[0]
        if target == "parties":
            iso3, name = get("iso3"), get("name")
            found = None
            if iso3:
                found = known.get("iso3", {}).get(iso3.upper())
            if found is None and name:
                found = known.get("name", {}).get(name)
            described = f"ISO3 {iso3!r}" if iso3 else f"name {name!r}"
            if found is None:
                return RowProblem(column_name, f"No party with {described}.")
            return found.id
        if target == "agreements":
            reference_ = get("reference")
            found = known.get("reference", {}).get(reference_)
            if found is None or not can_see(found, self.clearance):
                return RowProblem(column_name, f"No agreement with reference {reference_!r}.")
            return found.id
        if target in NAMED:
            noun = NAMED[target][1]
            name = get("name")
            found = known.get("name", {}).get(name)
            return (
                found.id
                if found is not None
                else RowProblem(column_name, f"No {noun} named {name!r}.")
            )
        if target == "users":
            email = (get("email") or "").lower()
            found = known.get("email", {}).get(email)
            if found is None:
                return RowProblem(column_name, f"No user with email {email!r}.")
            return found.id
        if target == "obligations":
            title, agreement_reference = get("title"), get("agreement_reference")
            found = [
                obligation
                for obligation in known.get("title", {}).get(title, ())
                if (
                    not agreement_reference or obligation.agreement.reference == agreement_reference
                )
                and can_see(obligation, self.clearance)
            ]
            where = f" of {agreement_reference}" if agreement_reference else ""
            if not found:
                return RowProblem(column_name, f"No obligation{where} titled {title!r}.")
            if len(found) > 1:
                return RowProblem(
                    column_name,
                    f"{len(found)} obligations{where} are titled {title!r}; "
                    "give obligation_agreement_reference or rename one.",
                )
            return found[0].id
        return RowProblem(column_name, f"Cannot resolve a reference to {target}.")

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

    def _key(self, data: dict) -> tuple | None:
        keys = MATCH_KEYS[self.entity]
        if self.entity == "parties":
            iso3 = self._typed(data, "iso3")
            return ("iso3", iso3.upper()) if iso3 else ("name", self._typed(data, "name"))
        values = tuple(self._typed(data, name) for name in keys)
        if all(value is None for value in values):
            return None  # e.g. an agreement without a reference: always a new record
        return values

    def _existing(self, item: Checked):
        """The stored record a row stands for, among those `_prefetch_matches` loaded."""
        if self.entity == "parties":
            iso3, name = self._typed(item.data, "iso3"), self._typed(item.data, "name")
            found = self._matches.get(("iso3", iso3.upper())) if iso3 else None
            if found is None and name:
                found = self._matches.get(("name", name))
            return found
        return None if item.key is None else self._matches.get(item.key)

    def _update(self, existing, data: dict, archived, row: dict) -> str:
        version = existing.version
        if self.entity == "reviews" and existing.status == ReviewStatus.APPROVED:
            # An approved review is final: the import may repeat it, never change it.
            current = self.schema.dump(existing)
            if any(_cell(current.get(name)) != _cell(value) for name, value in data.items()):
                raise RowProblem(
                    "status", "An approved review cannot be changed; record a new review instead."
                )
        else:
            self.service.update(self.actor, existing, data, reason=self.reason)
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

    # --- writing a level's new records ---------------------------------------------------------

    def _write(self, created: list[NewRecord], report: ImportReport) -> None:
        """Insert the new records in bulk, then append their audit events in one pass."""
        if not created:
            return
        db.session.flush()  # updates made through the services come first
        try:
            with db.session.begin_nested():
                self._insert(created)
        except IntegrityError:
            # A rule only the database knows: find the rows it refuses, one at a time.
            for new in created:
                try:
                    with db.session.begin_nested():
                        self._insert([new])
                except IntegrityError as error:
                    message = (
                        f"The {self.service.noun} conflicts with a stored record: {error.orig}"
                    )
                    report.problems.append(Problem(new.number, "", message))
            return
        events = []
        for new in created:
            changes = self.service.creation_changes(new.values)
            events.append(
                PendingEvent(
                    AuditAction.CREATE,
                    self.model.__tablename__,
                    new.id,
                    new.label,
                    changes,
                    self.reason,
                )
            )
            if new.archived_at is not None:
                events.append(
                    PendingEvent(
                        AuditAction.ARCHIVE,
                        self.model.__tablename__,
                        new.id,
                        new.label,
                        {"archived_at": [None, new.archived_at]},
                        new.kept["archive_reason"],
                    )
                )
        record_many(self.actor, events)

    def _insert(self, created: list[NewRecord]) -> None:
        """Insert rows that keep the file's id first, then the others with ids given to them."""
        table = self.model.__table__
        given = [new for new in created if "id" in new.kept]
        for new in given:
            new.id = new.kept["id"]
        self._insert_rows(given)
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
        self._insert_rows(others)

    def _insert_rows(self, created: list[NewRecord]) -> None:
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
            insert_rows(connection, self.model.__table__, rows, rows_per_statement=500)

    def _column_of(self, name: str) -> str:
        """The file's column for a schema field (a reference is named by its key column)."""
        reference = self.references.get(name)
        return reference.keys[0] if reference and reference.keys else name


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


def _chunks(values, size: int = 500):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _load_in(query, column, values) -> list:
    """The records of `query` whose `column` is one of `values`, in chunks of an IN list."""
    return [
        record
        for chunk in _chunks(values)
        for record in db.session.scalars(query.where(column.in_(chunk)))
    ]


def _valid_id(value) -> bool:
    return (
        value not in (None, "")
        and not isinstance(value, bool)
        and str(value).isdigit()
        and 0 < int(value) < 2**31
    )


def _flatten(messages, prefix: str = ""):
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = "" if key == "_schema" else str(key)
            yield from _flatten(value, name or prefix)
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten(message, prefix)
    else:
        yield prefix, str(messages)


def _cell(value) -> str:
    return "" if value is None else str(plain(value))


def _timestamp(value, name: str) -> datetime:
    try:
        return parse_timestamp(value)
    except InvalidDate as error:
        raise RowProblem(name, str(error)) from error


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


def count_stored(entity: str) -> int:
    model = SERVICES[entity].model
    return db.session.scalar(select(func.count()).select_from(model))
