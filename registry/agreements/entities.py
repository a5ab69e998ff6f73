"""Agreements and treaty actions, as the generic machinery sees them."""

from registry.agreements.deadlines import AGREEMENT_DEADLINES, TREATY_ACTION_DEADLINES
from registry.agreements.models import Agreement, TreatyAction
from registry.agreements.services import agreements, treaty_actions
from registry.core.entities import Entity

AGREEMENTS = Entity(
    name="agreements",
    model=Agreement,
    service=agreements,
    reference_keys=(("reference", "reference"),),
    natural_key=("reference",),
    tree=("parent_reference", "reference"),
    api_path="agreements",
    labels={"parent_id": "Amends or supplements"},
    deadlines=AGREEMENT_DEADLINES,
)

TREATY_ACTIONS = Entity(
    name="treaty_actions",
    model=TreatyAction,
    service=treaty_actions,
    natural_key=("agreement_id", "party_id", "kind", "effective_on"),
    depends_on=("agreements", "parties"),
    classified_by=("agreements", "agreement_id"),
    api_path="treaty-actions",
    deadlines=TREATY_ACTION_DEADLINES,
)
