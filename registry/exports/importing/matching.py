"""Matching an import's rows to records: the records a row names, and the one it stands for.

A row names the records it refers to by their natural keys, the columns an export writes
beside each id (`agreement_reference`, `party_iso3`/`party_name`, `body_name`, `owner_email`,
`obligation_title` with `obligation_agreement_reference`): each referenced entity's
`reference_keys`. It stands for the stored record its entity's `natural_key` finds (or, if
that finds none, its `fallback_key`). Both are loaded a batch of rows at a time, one query per
table and key, never one per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from registry.core.access import can_see
from registry.core.entities import Entity, find
from registry.core.enums import Classification
from registry.core.errors import ValidationFailed
from registry.exports.importing.reporting import RowProblem
from registry.extensions import db

_BLANK = (None, "")
_NESTED = (dict, list)  # JSON cells holding lists or objects name nothing


@dataclass(frozen=True)
class Reference:
    """A column of ids, and the file's columns that may name the record instead."""

    id_column: str
    target: Entity | None  # the entity it names; None for a table nothing describes
    keys: tuple[str, ...]  # the file's natural-key columns naming it

    @property
    def prefix(self) -> str:
        return self.id_column.removesuffix("_id") + "_"


def references(described: Entity, columns: Iterable[str]) -> dict[str, Reference]:
    """Each reference column of an entity with the natural-key columns written beside it."""
    columns = list(columns)
    found = {}
    for column in described.model.__table__.columns:
        for foreign_key in column.foreign_keys:
            prefix = column.name.removesuffix("_id") + "_"
            target = find(foreign_key.column.table.name)
            keys = tuple(
                name
                for name in columns
                if target is not None and name.startswith(prefix) and name != column.name
            )
            found[column.name] = Reference(column.name, target, keys)
    return found


def key_text(described: Entity, column: str, value) -> str | None:
    """A natural-key cell as its records store it: stripped, in the entity's own form."""
    if value in _BLANK:
        return None
    text = (value if type(value) is str else str(value)).strip()
    form = described.key_forms.get(column)
    return form(text) if form is not None else text


class Names:
    """The records a batch of rows names by natural key, loaded together, then looked up."""

    def __init__(self, references: dict[str, Reference], clearance: Classification):
        self.references = [ref for ref in references.values() if ref.target and ref.keys]
        self.clearance = clearance
        self._known: dict[str, dict[str, dict[str, list]]] = {}  # entity → column → value
        self._found: dict[tuple, Any] = {}  # (id column, cells) → id or RowProblem

    def load(self, rows: list[dict]) -> None:
        """Load the records the rows name: one query per entity and key column."""
        self._found.clear()
        wanted: dict[str, dict[str, set]] = {}
        for reference in self.references:
            target = reference.target
            for column, suffix in target.reference_keys:
                name = reference.prefix + suffix
                cells = {row.get(name) for row in rows if type(row.get(name)) not in _NESTED}
                values = {key_text(target, column, cell) for cell in cells}
                values.discard(None)
                if values:
                    wanted.setdefault(target.name, {}).setdefault(column, set()).update(values)
        self._known = {}
        for name, by_column in wanted.items():
            target = find(name)
            query = select(target.model).order_by(target.model.id)
            if target.named_within_agreement:
                query = query.options(joinedload(target.model.agreement))
            self._known[name] = {
                column: _grouped(load_in(query, getattr(target.model, column), values), column)
                for column, values in by_column.items()
            }

    def resolve(self, reference: Reference, row: dict) -> int | None:
        """The id of the record a row's natural-key columns name (None if they are empty)."""
        cells = tuple(map(row.get, reference.keys))
        if all(cell in _BLANK for cell in cells):
            return None
        cache_key: tuple | None = (reference.id_column, cells)
        try:
            found = self._found.get(cache_key)
        except TypeError:  # a JSON cell holding a list or an object: looked up, not kept
            found = cache_key = None
        if found is None:
            found = self._lookup(reference, row)
            if cache_key is not None:
                self._found[cache_key] = found
        if isinstance(found, RowProblem):
            raise found
        return found

    def _lookup(self, reference: Reference, row: dict) -> int | RowProblem:
        """Find a named record among those `load` loaded, by the first of its keys given."""
        target, prefix = reference.target, reference.prefix
        known = self._known.get(target.name, {})
        scope = where = ""
        if target.named_within_agreement:
            scope = key_text(target, "", row.get(prefix + "agreement_reference")) or ""
            where = f" of {scope}" if scope else ""
        described = None
        for column, suffix in target.reference_keys:
            value = key_text(target, column, row.get(prefix + suffix))
            if value is None:
                continue
            described = described or _naming(suffix, value)
            found = [
                record
                for record in known.get(column, {}).get(value, ())
                if (not scope or record.agreement.reference == scope)
                and can_see(record, self.clearance)
            ]
            if len(found) == 1:
                return found[0].id
            if found:
                fix = (
                    f"give {prefix}agreement_reference or " if target.named_within_agreement else ""
                )
                return RowProblem(
                    reference.keys[0],
                    f"{len(found)} {target.noun}s{where} are {described}; {fix}rename one.",
                )
        if described is None:
            suffixes = ", ".join(prefix + suffix for _, suffix in target.reference_keys)
            return RowProblem(reference.keys[0], f"Name the {target.noun} by {suffixes}.")
        return RowProblem(reference.keys[0], f"No {target.noun}{where} {described}.")


def _naming(suffix: str, value: str) -> str:
    """How an error names a record by one key: "named 'X'", "with reference 'Y'"."""
    if suffix in ("name", "title"):
        return f"{suffix}d {value!r}"
    # A code ending in a digit (iso3) is written as people write it: ISO3.
    return f"with {suffix.upper() if suffix[-1:].isdigit() else suffix} {value!r}"


def _grouped(records: list, column: str) -> dict[Any, list]:
    grouped: dict[Any, list] = {}
    for record in records:
        grouped.setdefault(getattr(record, column), []).append(record)
    return grouped


class Matches:
    """The stored records a batch of rows may stand for, by natural key (or fallback key)."""

    def __init__(self, described: Entity, typed: Callable[[dict, str], Any]):
        self.described = described
        self.model = described.model
        self.typed = typed  # a field's value as the schema loads it, from a row's data
        self._keys = [keys for keys in (described.natural_key, described.fallback_key) if keys]
        self._forms = described.key_forms
        self._stored: dict[tuple, Any] = {}

    def key(self, data: dict) -> tuple | None:
        """What says which record the row stands for (None: always a new record)."""
        for keys in self._keys:
            values = self._values(data, keys)
            if values is not None:
                return keys, values
        return None  # e.g. an agreement without a reference

    def load(self, data: list[dict], keys: list[tuple | None]) -> None:
        """Load the stored records the rows may stand for, by the first field of each key.

        `keys` are the rows' own (`key`); a fallback key is looked for on every row.
        """
        self._stored = {}
        for index, fields in enumerate(self._keys):
            if index == 0:
                firsts = {key[1][0] for key in keys if key is not None and key[0] is fields}
            else:
                firsts = set()
                for values in data:
                    try:
                        firsts.add(self._value(values, fields[0]))
                    except ValidationFailed:
                        continue  # reported when the row itself is checked
            firsts.discard(None)
            query = select(self.model).order_by(self.model.id)
            for record in load_in(query, getattr(self.model, fields[0]), firsts):
                values = tuple(getattr(record, name) for name in fields)
                if any(value is not None for value in values):
                    self._stored.setdefault((fields, values), record)

    def existing(self, data: dict, key: tuple | None):
        """The stored record a row stands for, among those `load` loaded."""
        if key is None or not self._stored:
            return None
        found = self._stored.get(key)
        if found is None and key[0] is not self._keys[-1]:  # a fallback key may still find it
            values = self._values(data, self._keys[-1])
            found = None if values is None else self._stored.get((self._keys[-1], values))
        return found

    def _values(self, data: dict, keys: tuple[str, ...]) -> tuple | None:
        values = tuple([self._value(data, name) for name in keys])
        return None if values.count(None) == len(values) else values

    def _value(self, data: dict, name: str):
        value = self.typed(data, name)
        form = self._forms.get(name)
        return form(value) if form is not None and type(value) is str else value


def levels(rows: list, tree: tuple[str, str] | None) -> list[list]:
    """Rows in levels: a row whose parent is in the same file comes a level after it."""
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

    by_depth: dict[int, list] = {}
    for numbered in rows:
        by_depth.setdefault(depth(numbered[1]), []).append(numbered)
    return [by_depth[level] for level in sorted(by_depth)]


def chunks(values, size: int = 500):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def load_in(query, column, values) -> list:
    """The records of `query` whose `column` is one of `values`, in chunks of an IN list."""
    return [
        record
        for chunk in chunks(values)
        for record in db.session.scalars(query.where(column.in_(chunk)))
    ]
