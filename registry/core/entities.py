"""Entity descriptions: what the generic machinery needs to know of each kind of record.

Each feature package describes its entities once (`registry/<feature>/entities.py`) and
`registry/entities.py` collects them. Exports, imports, the bundle, the CLI, the API's generic
resources, history labels and the deadline list ask this registry; none of them imports a
feature package. The core asks, the features answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Entity:
    """One kind of record, as exports, imports, the API and history see it."""

    name: str  # the export/import name, also the table name: "treaty_actions"
    model: type
    # The service that changes records of this kind; None for records no path writes
    # directly (audit events).
    service: Any = None
    # How a record is named by the records that point at it, written after each id that
    # refers to it: (column of this entity, suffix of the exported column). An agreement is
    # named by `<prefix>_reference`, a party by `<prefix>_iso3` and `<prefix>_name`.
    reference_keys: tuple[tuple[str, str], ...] = ()
    # A reference to a record of this kind is only unique within that record's agreement
    # (an obligation is named by its title within its agreement).
    named_within_agreement: bool = False
    # The fields (after references are resolved) that say which stored record an imported
    # row stands for.
    natural_key: tuple[str, ...] = ()
    # Entities whose records this one's rows may name: imported before this one.
    depends_on: tuple[str, ...] = ()
    # Records of one file that others in it point at: (the file's column naming a parent,
    # the column it matches). Parents are written first.
    tree: tuple[str, str] | None = None
    # Fields that say which stored record an imported row stands for when its natural key
    # finds none (a party without an ISO3 code is matched by its name).
    fallback_key: tuple[str, ...] = ()
    # How a key's text is stored, where not as written (ISO3 codes in capitals): column → form.
    key_forms: dict[str, Any] = field(default_factory=dict)
    # Columns the service does not take that an import keeps for the records it creates, beyond
    # id, version, timestamps and archive (who recorded a review).
    import_carries: tuple[str, ...] = ()
    # Why the entity cannot be imported, if it cannot; None when it can.
    not_importable: str | None = None
    exportable: bool = True
    in_bundle: bool = True
    # Human labels of fields, for history, errors and headings; a field without one is
    # shown by its name with underscores as spaces.
    labels: dict[str, str] = field(default_factory=dict)
    # How a record's level is derived beyond its own column (a measurement is as visible as
    # its obligation): the entity whose visibility this one's depends on, through `via`.
    classified_by: tuple[str, str] | None = None  # (entity name, id column here)
    # The record whose history shows this one's changes, where that is not the record it is
    # classified by (a sitting day is shown in its body's): (entity name, id column here).
    part_of: tuple[str, str] | None = None
    # Further parents a record must be visible through, where its column names one (a review
    # of one obligation): ((entity name, id column here), ...).
    also_classified_by: tuple[tuple[str, str], ...] = ()
    # The deadline sources this entity contributes (asked by the deadline list): objects with
    # the interface of `registry.deadlines.sources.Source`.
    deadlines: tuple[Any, ...] = ()
    # The list's one filter schema (a `registry.core.filters.ListFilters`), read alike by the
    # web list, the API list and the downloads.
    filters: type | None = None
    # "/api/v1/<api_path>": the API lists, creates, reads, changes, archives and restores
    # records of this kind there (it needs `service` and a ListFilters). None: no resource.
    api_path: str | None = None
    # Anyone, signed in or not, may read its public records there, as on the web.
    public_read: bool = False

    @property
    def noun(self) -> str:
        return self.service.noun if self.service is not None else self.name.replace("_", " ")

    @property
    def plural(self) -> str:
        """The noun for several records: "oversight bodies", "treaty actions"."""
        noun = self.noun
        if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "o", "u"):
            return noun[:-1] + "ies"
        return noun + "s"

    @property
    def within(self) -> tuple[str, str] | None:
        """The record whose history shows this one's changes: (entity name, id column here)."""
        return self.part_of or self.classified_by

    @property
    def importable(self) -> bool:
        return self.service is not None and self.not_importable is None

    def label(self, field_name: str) -> str:
        """The human label of a field."""
        return self.labels.get(field_name) or _plain_label(field_name)


_registered: dict[str, Entity] = {}


def register(*entities: Entity) -> None:
    """Add descriptions, each after the entities it depends on; a name is registered once."""
    for described in entities:
        known = _registered.get(described.name)
        if known is described:
            continue
        if known is not None:
            raise ValueError(f"entity {described.name!r} is already registered")
        missing = [name for name in described.depends_on if name not in _registered]
        if missing:
            raise ValueError(
                f"entity {described.name!r} depends on {', '.join(missing)}: register those first"
            )
        _registered[described.name] = described


def unregister(name: str) -> None:
    """Take a description away again (tests that register throwaway entities)."""
    _registered.pop(name, None)


def entity(name: str) -> Entity:
    """The description of `name`; KeyError if there is none."""
    return _registered[name]


def find(name: str) -> Entity | None:
    """The description of `name`, or None."""
    return _registered.get(name)


def entities() -> list[Entity]:
    """Every description, in registration order: each after those it depends on."""
    return list(_registered.values())


def for_model(model: type) -> Entity | None:
    """The description of a model's records, if it has one."""
    for described in _registered.values():
        if described.model is model:
            return described
    return None


def for_table(table_name: str) -> Entity | None:
    """The description of the records a table holds, if it has one."""
    for described in _registered.values():
        if described.model.__tablename__ == table_name:
            return described
    return None


def parts_of(name: str) -> list[tuple[Entity, str]]:
    """The entities whose changes belong in the history of a record of `name`, each with its
    column naming that record."""
    return [
        (described, described.within[1])
        for described in _registered.values()
        if described.within is not None and described.within[0] == name
    ]


def label_of(entity_type: str | None, field_name: str) -> str:
    """A field's label for an audit event's entity type, described or not."""
    described = _registered.get(entity_type or "")
    return described.label(field_name) if described is not None else _plain_label(field_name)


def _plain_label(field_name: str) -> str:
    return field_name.removesuffix("_id").replace("_", " ").capitalize()
