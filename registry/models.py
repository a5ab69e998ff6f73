"""Every model, imported in one place so that metadata and migrations see them all."""

from registry.agreements.models import Agreement, TreatyAction
from registry.api.models import ApiToken, ApiTokenUsage
from registry.authorizations.models import Authorization, AuthorizationRule
from registry.core.audit.models import AuditEvent
from registry.deadlines.models import CalendarFeed, ReminderDelivery
from registry.obligations.models import Measurement, Obligation
from registry.oversight.models import OversightBody, SittingDay
from registry.parties.models import Party
from registry.reviews.models import ExitStep, Review
from registry.users.models import User

__all__ = [
    "Agreement",
    "ApiToken",
    "ApiTokenUsage",
    "AuditEvent",
    "Authorization",
    "AuthorizationRule",
    "CalendarFeed",
    "ExitStep",
    "Measurement",
    "Obligation",
    "OversightBody",
    "Party",
    "ReminderDelivery",
    "Review",
    "SittingDay",
    "TreatyAction",
    "User",
]
