"""The query string of the authorisation steps list."""

from __future__ import annotations

from registry.authorizations.models import Authorization
from registry.core.enums import AuthorizationDecision
from registry.core.filters import ListFilters, choice, record_id, sort_by


class AuthorizationListFilters(ListFilters):
    model = Authorization
    sorts = {"submitted_on": Authorization.submitted_on, "id": Authorization.id}
    equal_to = {"agreement_id": "agreement_id", "decision": "decision"}

    agreement_id = record_id()
    decision = choice(AuthorizationDecision)
    sort = sort_by(sorts, "submitted_on")
