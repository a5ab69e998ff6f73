"""The registry of entity descriptions: order, dependencies and labels."""

import pytest

from registry.core import entities as registry_of
from registry.core.entities import Entity


class Thing:
    pass


@pytest.fixture
def throwaway():
    """Names registered by a test, taken away again after it."""
    names = []
    yield names
    for name in names:
        registry_of.unregister(name)


def test_every_entity_comes_after_what_it_depends_on(app):
    seen = set()
    for described in registry_of.entities():
        assert set(described.depends_on) <= seen, described.name
        seen.add(described.name)
    assert {"parties", "agreements", "treaty_actions", "audit_events"} <= seen


def test_an_entity_whose_dependency_is_unknown_is_refused(app, throwaway):
    with pytest.raises(ValueError, match="register those first"):
        registry_of.register(Entity(name="things", model=Thing, depends_on=("nothing_here",)))
    assert registry_of.find("things") is None


def test_a_name_is_registered_once(app, throwaway):
    first = Entity(name="things", model=Thing)
    registry_of.register(first)
    throwaway.append("things")
    registry_of.register(first)  # the same description again is harmless
    with pytest.raises(ValueError, match="already registered"):
        registry_of.register(Entity(name="things", model=Thing))


def test_labels_fall_back_to_the_field_name_in_words(app):
    agreements = registry_of.entity("agreements")
    assert agreements.label("parent_id") == "Amends or supplements"
    assert agreements.label("entry_into_force_on") == "Entry into force on"
    assert registry_of.label_of("no_such_entity", "owner_id") == "Owner"
    assert registry_of.for_model(agreements.model) is agreements
