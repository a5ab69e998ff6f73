"""Every entity description, registered in one place and in import order."""

from registry.agreements.entities import AGREEMENTS, TREATY_ACTIONS
from registry.audit.entities import AUDIT_EVENTS
from registry.authorizations.entities import AUTHORIZATION_RULES, AUTHORIZATIONS
from registry.core.entities import register
from registry.obligations.entities import MEASUREMENTS, OBLIGATIONS
from registry.oversight.entities import OVERSIGHT_BODIES
from registry.parties.entities import PARTIES
from registry.reviews.entities import EXIT_STEPS, REVIEWS
from registry.users.entities import USERS

register(
    USERS,
    PARTIES,
    OVERSIGHT_BODIES,
    AUTHORIZATION_RULES,
    AGREEMENTS,
    TREATY_ACTIONS,
    OBLIGATIONS,
    MEASUREMENTS,
    AUTHORIZATIONS,
    REVIEWS,
    EXIT_STEPS,
    AUDIT_EVENTS,
)
