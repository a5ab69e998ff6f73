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
    # Further parents a record must be visible through, where its column names one (a review
    # of one obligation): ((entity name, id column here), ...).
    also_classified_by: tuple[tuple[str, str], ...] = ()
    # The deadline sources this entity contributes (asked by the deadline list): objects with
    # the interface of `registry.deadlines.sources.Source`.
    deadlines: tuple[Any, ...] = ()
    # Filled in by the API's generic resources and the web lists.
    filters: type | None = None  # the list's one filter schema
    api_path: str | None = None  # "/api/v1/<api_path>", None: no generic API resource

    @property
    def noun(self) -> str:
        return self.service.noun if self.service is not None else self.name.replace("_", " ")

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


def label_of(entity_type: str | None, field_name: str) -> str:
    """A field's label for an audit event's entity type, described or not."""
    described = _registered.get(entity_type or "")
    return described.label(field_name) if described is not None else _plain_label(field_name)


def _plain_label(field_name: str) -> str:
    return field_name.removesuffix("_id").replace("_", " ").capitalize()
