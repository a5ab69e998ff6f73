"""Agreements and treaty actions, as the generic machinery sees them."""

from registry.agreements.deadlines import AGREEMENT_DEADLINES, TREATY_ACTION_DEADLINES
from registry.agreements.filters import AgreementListFilters, TreatyActionListFilters
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
    filters=AgreementListFilters,
    api_path="agreements",
    public_read=True,
    labels={
        "parent_id": "Amends or supplements",
        "concluded_on": "Signed or concluded on",
        "term": "Fixed term",
        "extension_term": "Length of one extension",
        "notice_min_in_force": "Minimum time in force before notice",
        "notice_period": "Notice period before withdrawal takes effect",
        "notice_to": "Notice goes to",
        "review_cadence": "Review clause",
        "text_url": "Link to the text",
        "legal_authority": "Legal authority relied on",
        "implementing_authority": "New implementing authority needed",
        "published_on": "Text published on",
        "unts_volume": "UNTS volume",
        "unts_page": "UNTS page",
        "un_registration_number": "UN registration number",
    },
    deadlines=AGREEMENT_DEADLINES,
)

TREATY_ACTIONS = Entity(
    name="treaty_actions",
    model=TreatyAction,
    service=treaty_actions,
    natural_key=("agreement_id", "party_id", "kind", "effective_on"),
    depends_on=("agreements", "parties"),
    classified_by=("agreements", "agreement_id"),
    filters=TreatyActionListFilters,
    api_path="treaty-actions",
    labels={
        "kind": "Action",
        "deposited_on": "Deposited or notified on",
        "effective_on": "Takes effect on",
        "text": "Text of a reservation, declaration or objection",
        "predecessor_id": "Predecessor (for a succession)",
    },
    deadlines=TREATY_ACTION_DEADLINES,
)
