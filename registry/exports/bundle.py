"""The export bundle: one CSV per entity, a Frictionless data package, checksums, the audit head.

The bundle is a ZIP holding `<entity>.csv` for every entity described as `in_bundle`, in
registration order, then the derived exports (the deadlines), then the audit trail (the same
CSV as `registry export`), `datapackage.json` (a Table Schema per resource with field types,
primary and foreign keys, and under `registry` the clearance and the id and hash of the newest
audit event exported) and `SHA256SUMS` (in the format `sha256sum -c` reads). `verify_bundle`
checks a bundle offline: the checksums, every audit event's hash, the chain's links and its
head.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import BinaryIO

from sqlalchemy import JSON, Boolean, Date, Integer, Numeric, func, select
from sqlalchemy import Enum as SAEnum

from registry.audit.queries import visible_events
from registry.core.audit.chain import event_hash, verify_chain
from registry.core.audit.models import AuditEvent
from registry.core.db import UTCDateTime, utcnow
from registry.core.entities import Entity, entity
from registry.core.enums import Classification
from registry.exports.formats import uncsv_cell, write
from registry.exports.tables import DERIVED, export_table, exportable, stream_batches
from registry.extensions import db

CHECKSUMS = "SHA256SUMS"
PACKAGE = "datapackage.json"
AUDIT_TRAIL = AuditEvent.__tablename__


def bundled() -> list[Entity]:
    """The stored entities the bundle holds, in registration order."""
    return [described for described in exportable() if described.in_bundle]


def bundle_names() -> list[str]:
    """The bundle's files, in order: the records, what is derived from them, the audit trail.

    The trail comes last so that it follows every change to the records before it.
    """
    stored = [described.name for described in bundled()]
    records = [name for name in stored if name != AUDIT_TRAIL]
    trail = [AUDIT_TRAIL] if AUDIT_TRAIL in stored else []
    return records + list(DERIVED) + trail


@dataclass(frozen=True)
class BundleSummary:
    rows: dict[str, int]
    head_id: int | None
    head_hash: str | None


def build_bundle(target: BinaryIO, clearance: Classification, *, today: date) -> BundleSummary:
    """Write the bundle of everything `clearance` may see to `target`, CSV by CSV."""
    events = visible_events(clearance)
    head = db.session.execute(
        events.with_only_columns(AuditEvent.id, AuditEvent.hash)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    head_id, head_hash = (head.id, head.hash) if head else (None, None)
    visible_count = db.session.scalar(
        select(func.count()).select_from(events.order_by(None).subquery())
    )
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    sums: dict[str, str] = {}
    resources = []
    counts: dict[str, int] = {}
    resource_of = {described.model.__tablename__: described.name for described in bundled()}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entity in bundle_names():
            derived = DERIVED.get(entity)
            if derived is not None:
                columns = derived.columns
                batches = derived.rows(clearance, today=today)
                schema = derived.schema
            else:
                table = export_table(entity, clearance)
                columns = table.columns
                if entity == AUDIT_TRAIL:  # events appended meanwhile stay out
                    table = replace(table, query=table.query.where(AuditEvent.id <= (head_id or 0)))
                batches = stream_batches(table)
                schema = _table_schema(table, resource_of)
            name = f"{entity}.csv"
            digest = hashlib.sha256()
            with archive.open(name, "w", force_zip64=True) as member:
                counts[entity] = write(batches, columns, _HashedText(member, digest), "csv")
            sums[name] = digest.hexdigest()
            resources.append(
                {
                    "name": entity,
                    "path": name,
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8-sig",
                    "schema": schema,
                }
            )
        package = {
            "profile": "tabular-data-package",
            "name": "treaty-registry-export",
            "title": "Treaty and Commitment Registry export",
            "created": utcnow().isoformat(timespec="seconds"),
            "resources": resources,
            "registry": {
                "clearance": clearance.value,
                "rows": counts,
                "audit_head": {"id": head_id, "hash": head_hash},
                "audit_events_complete": visible_count == total,
            },
        }
        package_bytes = (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode()
        archive.writestr(PACKAGE, package_bytes)
        sums[PACKAGE] = hashlib.sha256(package_bytes).hexdigest()
        archive.writestr(CHECKSUMS, "".join(f"{h}  {n}\n" for n, h in sums.items()))
    return BundleSummary(counts, head_id, head_hash)


class _HashedText:
    """Text written as UTF-8 to a member of the archive, and to its checksum."""

    def __init__(self, member: BinaryIO, digest) -> None:
        self.member, self.digest = member, digest

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.digest.update(data)
        self.member.write(data)


def _field_type(column) -> dict:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return {"type": "datetime"}
    if isinstance(kind, SAEnum):
        return {"type": "string", "constraints": {"enum": list(kind.enums)}}
    if isinstance(kind, Boolean):
        return {"type": "boolean", "trueValues": ["True"], "falseValues": ["False"]}
    if isinstance(kind, Integer):
        return {"type": "integer"}
    if isinstance(kind, Numeric):
        return {"type": "number"}
    if isinstance(kind, Date):
        return {"type": "date"}
    if isinstance(kind, JSON):
        return {"type": "object"}
    return {"type": "string"}


def _table_schema(table, resource_of: dict[str, str]) -> dict:
    """The Table Schema of a stored export; `resource_of` names the resource of each table."""
    own = entity(table.name).model.__table__
    fields, foreign_keys = [], []
    for name in table.columns:
        source = table.sources[name]
        described = {"name": name, **_field_type(source)}
        if source.table is own and not source.nullable and not source.primary_key:
            described.setdefault("constraints", {})["required"] = True
        fields.append(described)
        if source.table is not own:
            continue  # a natural key read from the referenced record
        for foreign_key in source.foreign_keys:
            target = foreign_key.column.table.name
            if target in resource_of:
                resource = "" if target == own.name else resource_of[target]
                foreign_keys.append(
                    {"fields": name, "reference": {"resource": resource, "fields": "id"}}
                )
    schema = {"fields": fields, "primaryKey": ["id"], "missingValues": [""]}
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


# --- verifying -------------------------------------------------------------------------------


class BundleError(Exception):
    """The bundle fails a check; the message names the first bad file or event."""


@dataclass(frozen=True)
class BundleCheck:
    events: int
    files: int
    head_id: int | None
    head_hash: str | None
    complete: bool


def verify_bundle(source: BinaryIO | str) -> BundleCheck:
    """Check a bundle's checksums and audit chain; raise BundleError at the first problem."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise BundleError(f"Not a readable ZIP file: {error}.") from error
    with archive:
        names = set(archive.namelist())
        if CHECKSUMS not in names:
            raise BundleError(f"{CHECKSUMS} is missing: this is not an export bundle.")
        listed = _read_checksums(archive.read(CHECKSUMS))
        for name, expected in listed.items():
            if name not in names:
                raise BundleError(f"{name}, listed in {CHECKSUMS}, is missing from the bundle.")
            if hashlib.sha256(archive.read(name)).hexdigest() != expected:
                raise BundleError(
                    f"{name} does not match its checksum in {CHECKSUMS}: it was changed "
                    "after export."
                )
        unlisted = sorted(names - set(listed) - {CHECKSUMS})
        if unlisted:
            raise BundleError(f"{unlisted[0]} is in the bundle but not in {CHECKSUMS}.")
        try:
            package = json.loads(archive.read(PACKAGE))
            registry = package["registry"]
            head = registry["audit_head"]
            complete = bool(registry["audit_events_complete"])
        except (KeyError, TypeError, ValueError) as error:
            raise BundleError(f"{PACKAGE} lacks the audit head ({error}).") from error
        if "audit_events.csv" not in names:
            raise BundleError("audit_events.csv is missing from the bundle.")
        events = list(_read_events(archive.read("audit_events.csv")))
    checked = _verify_events(events, complete)
    last = events[-1] if events else None
    if head.get("id") is not None:
        if last is None or last["id"] < head["id"]:
            raise BundleError(
                f"The newest event, {head['id']}, named in the bundle's head is missing: "
                "events were deleted from the end of the trail."
            )
        if last["id"] != head["id"] or last["hash"] != head.get("hash"):
            raise BundleError(
                f"Event {last['id']} does not match the bundle's head (event {head['id']}, "
                f"hash {head.get('hash')})."
            )
    elif events:
        raise BundleError("The bundle's head names no event, yet it holds events.")
    return BundleCheck(checked, len(listed), head.get("id"), head.get("hash"), complete)


def _read_checksums(data: bytes) -> dict[str, str]:
    listed = {}
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise BundleError(f"{CHECKSUMS} line {number} is not '<sha256>  <file>'.")
        listed[name] = digest
    return listed


def _read_events(data: bytes) -> Iterator[dict]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    for number, row in enumerate(reader, start=1):
        try:
            values = {key: uncsv_cell(value or "") for key, value in row.items()}
            yield {
                "id": int(values["id"]),
                "occurred_at": values["occurred_at"],
                "actor_id": int(values["actor_id"]) if values["actor_id"] else None,
                "actor_label": values["actor_label"] or "",
                "action": values["action"],
                "entity_type": values["entity_type"],
                "entity_id": int(values["entity_id"]) if values["entity_id"] else None,
                "entity_label": values["entity_label"],
                "changes": json.loads(values["changes"]) if values["changes"] else {},
                "reason": values["reason"],
                "prev_hash": values["prev_hash"],
                "hash": values["hash"],
            }
        except (KeyError, TypeError, ValueError) as error:
            raise BundleError(f"audit_events.csv row {number} cannot be read ({error}).") from error


def _verify_events(events: list[dict], complete: bool) -> int:
    if complete:
        report = verify_chain(events)
        if not report.ok:
            raise BundleError(
                f"Audit chain broken at event {report.broken_event_id}: "
                f"{report.problem}. {report.checked} events before it are intact."
            )
        return report.checked
    # A bundle below the highest clearance leaves out events on records above it: each event's
    # own hash is checked, and the links between events that follow each other.
    for event in events:
        fields = {key: event[key] for key in event if key not in ("id", "hash")}
        if event_hash(**fields) != event["hash"]:
            raise BundleError(
                f"Audit chain broken at event {event['id']}: its content was changed after it "
                "was written."
            )
    return len(events)
