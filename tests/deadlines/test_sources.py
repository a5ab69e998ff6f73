"""The deadline list asks the sources the features register; it knows no feature itself."""

import ast
from dataclasses import replace
from datetime import date
from pathlib import Path

from registry.core import entities as registry_of
from registry.core.access import can_see
from registry.core.enums import Classification, DeadlineKind
from registry.deadlines.queries import DeadlineFilters, DeadlineQuery, find_deadlines
from registry.deadlines.sources import ComputedSource, Deadline
from registry.extensions import db
from registry.obligations.services import obligations
from registry.reviews.services import reviews

from support import ACTOR

TODAY = date(2026, 11, 27)
REGISTRY = Path(__file__).resolve().parents[2] / "registry"
FEATURES = {"agreements", "authorizations", "obligations", "oversight", "parties", "reviews"}
FEATURES |= {"users"}


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_deadline_list_imports_no_feature():
    # The core is held to the same, more strictly, by tests/core/test_layering.py.
    for path in sorted((REGISTRY / "deadlines").glob("*.py")):
        features = {
            name
            for name in _imported(path)
            if name.startswith("registry.") and name.split(".")[1] in FEATURES
        }
        assert not features, f"{path.name} imports {sorted(features)}"


def test_every_deadline_kind_has_a_registered_source(app):
    kinds = set()
    for described in registry_of.entities():
        for source in described.deadlines:
            kinds |= set(getattr(source, "kinds", ())) | {getattr(source, "kind", None)}
    assert set(DeadlineKind) <= kinds


def test_a_newly_registered_source_is_asked(app, make_agreement):
    treaty = make_agreement(title="Accord of Sources")
    db.session.commit()

    def reminders_of_the_moon(scope, low, high):
        yield Deadline(
            key=f"agreements:{treaty.id}:moon",
            kind=DeadlineKind.EXIT_DECISION,
            due_on=date(2027, 1, 1),
            title="Decide by the full moon",
            agreement_id=treaty.id,
            agreement_reference=treaty.reference,
            classification=Classification.PUBLIC,
        )

    agreements = registry_of.entity("agreements")
    source = ComputedSource(frozenset({DeadlineKind.EXIT_DECISION}), reminders_of_the_moon)
    moon = replace(agreements, name="moons", deadlines=(source,), depends_on=("agreements",))
    registry_of.register(moon)
    try:
        found = find_deadlines(Classification.PUBLIC, TODAY, date(2028, 1, 1), today=TODAY)
        assert "Decide by the full moon" in {d.title for d in found}
        only_expiries = DeadlineFilters(kind=DeadlineKind.EXPIRY)
        query = DeadlineQuery(Classification.PUBLIC, TODAY, date(2028, 1, 1), only_expiries)
        assert source not in query.sources
    finally:
        registry_of.unregister("moons")
    found = find_deadlines(Classification.PUBLIC, TODAY, date(2028, 1, 1), today=TODAY)
    assert "Decide by the full moon" not in {d.title for d in found}


def test_a_review_of_an_obligation_above_the_readers_clearance_stays_hidden(make_agreement):
    treaty = make_agreement(title="Accord of Annexes")
    annex = obligations.create(
        ACTOR,
        {
            "agreement_id": treaty.id,
            "title": "Secret annex duty",
            "kind": "reporting",
            "classification": "secret",
        },
    )
    review = reviews.create(
        ACTOR, {"agreement_id": treaty.id, "obligation_id": annex.id, "due_on": "2027-03-01"}
    )
    plain = reviews.create(ACTOR, {"agreement_id": treaty.id, "due_on": "2027-03-02"})
    db.session.commit()
    assert review.classification == Classification.PUBLIC  # the agreement's level

    def review_keys(clearance):
        found = find_deadlines(
            clearance, TODAY, date(2028, 1, 1), DeadlineFilters(kind=DeadlineKind.REVIEW_DUE)
        )
        return {d.key for d in found}

    for clearance in (Classification.PUBLIC, Classification.CONFIDENTIAL):
        assert review_keys(clearance) == {f"reviews:{plain.id}:review_due"}
        assert not can_see(review, clearance)
    assert review_keys(Classification.SECRET) == {
        f"reviews:{plain.id}:review_due",
        f"reviews:{review.id}:review_due",
    }
    assert can_see(review, Classification.SECRET)
