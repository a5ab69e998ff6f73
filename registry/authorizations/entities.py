"""Authorisation rules and steps, as the generic machinery sees them."""

from registry.authorizations.deadlines import AUTHORIZATION_DEADLINES
from registry.authorizations.filters import AuthorizationListFilters
from registry.authorizations.models import Authorization, AuthorizationRule
from registry.authorizations.services import authorization_rules, authorizations
from registry.core.entities import Entity

AUTHORIZATION_RULES = Entity(
    name="authorization_rules",
    model=AuthorizationRule,
    service=authorization_rules,
    reference_keys=(("name", "name"),),
    natural_key=("name",),
    depends_on=("oversight_bodies",),
    labels={
        "requirement": "What the legislature must do",
        "trigger": "Clock starts at",
        "period_unit": "Period counted in",
        "majority": "Majority required",
        "members": "Members of the body",
        "required_before_force": "Must be approved before the agreement may enter into force",
        "restarts_after_rejection": (
            "A resolution against followed by a statement starts a new period"
        ),
        "extension_limit": "Longest extension (days)",
        "applies_from": "Applies to events from",
    },
)

AUTHORIZATIONS = Entity(
    name="authorizations",
    model=Authorization,
    service=authorizations,
    natural_key=("agreement_id", "requirement", "body_id", "submitted_on"),
    depends_on=("agreements", "authorization_rules", "oversight_bodies"),
    import_carries=("recorded_by_id",),
    classified_by=("agreements", "agreement_id"),
    filters=AuthorizationListFilters,
    api_path="authorizations",
    labels={
        "body_id": "Body",
        "rule_id": "Rule",
        "submitted_on": "Laid or submitted on",
        "extended_by": "Period extended by (days)",
    },
    deadlines=AUTHORIZATION_DEADLINES,
)
