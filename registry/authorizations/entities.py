"""Authorisation rules and steps, as the generic machinery sees them."""

from registry.authorizations.deadlines import AUTHORIZATION_DEADLINES
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
)

AUTHORIZATIONS = Entity(
    name="authorizations",
    model=Authorization,
    service=authorizations,
    natural_key=("agreement_id", "requirement", "body_id", "submitted_on"),
    depends_on=("agreements", "authorization_rules", "oversight_bodies"),
    classified_by=("agreements", "agreement_id"),
    api_path="authorizations",
    labels={"body_id": "Body", "rule_id": "Rule"},
    deadlines=AUTHORIZATION_DEADLINES,
)
