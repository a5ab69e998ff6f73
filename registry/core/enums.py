"""Every kind and status of the registry, with display labels."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry a human label."""

    def __new__(cls, value: str, label: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").capitalize()
        return member

    @classmethod
    def values(cls) -> list[str]:
        return [member.value for member in cls]


class Classification(LabelledEnum):
    PUBLIC = "public"
    RESTRICTED = "restricted"
    CONFIDENTIAL = "confidential"
    SECRET = "secret"  # noqa: S105 - a classification level, not a password

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, other: Classification) -> bool:
        """Tell whether a holder of this clearance may see a record classified `other`."""
        return self.rank >= Classification(other).rank

    @classmethod
    def highest(cls, *levels: Classification | str) -> Classification:
        return max((cls(level) for level in levels), key=_RANKS.__getitem__)


_RANKS = {level: rank for rank, level in enumerate(Classification)}  # lowest first


class Role(LabelledEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    ADMIN = "admin"


class PartyKind(LabelledEnum):
    STATE = "state"
    INTERNATIONAL_ORGANISATION = "international_organisation", "International organisation"
    OTHER = "other"


class InstrumentType(LabelledEnum):
    ALLIANCE_DEFENCE_PACT = "alliance_defence_pact", "Alliance / defence pact"
    ARMS_CONTROL = "arms_control", "Arms control"
    NONPROLIFERATION = "nonproliferation", "Nonproliferation"
    SANCTIONS_REGIME = "sanctions_regime", "Sanctions regime"
    SECURITY_FORUM = "security_forum", "Security forum / regime"
    INTELLIGENCE_SHARING = "intelligence_sharing", "Intelligence sharing"
    DEFENCE_TRADE = "defence_trade", "Defence trade / capacity building"
    EXERCISE_INTEROPERABILITY = "exercise_interoperability", "Exercise / interoperability"
    CRISIS_MANAGEMENT = "crisis_management", "Crisis management / confidence building"
    CYBER_SPACE_INFRASTRUCTURE = (
        "cyber_space_infrastructure",
        "Cyber / space / critical infrastructure",
    )
    COUNTER_TERRORISM = "counter_terrorism", "Counter-terrorism"
    OTHER = "other"


class AgreementForm(LabelledEnum):
    BILATERAL = "bilateral"
    MULTILATERAL = "multilateral"


class LegalNature(LabelledEnum):
    TREATY = "treaty"
    EXECUTIVE_AGREEMENT = "executive_agreement", "Executive agreement"
    NON_BINDING = "non_binding", "Non-binding instrument"


class Region(LabelledEnum):
    GLOBAL = "global"
    AFRICA = "africa"
    AMERICAS = "americas"
    ARCTIC = "arctic"
    ASIA_PACIFIC = "asia_pacific", "Asia-Pacific"
    EUROPE = "europe"
    EURO_ATLANTIC = "euro_atlantic", "Euro-Atlantic"
    MIDDLE_EAST = "middle_east", "Middle East"


class AgreementStatus(LabelledEnum):
    DRAFT = "draft"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    AWAITING_AUTHORIZATION = "awaiting_authorization", "Awaiting authorisation"
    AUTHORIZED = "authorized", "Authorised"
    IN_FORCE = "in_force", "In force"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"
    EXPIRED = "expired"


class ReviewCadence(LabelledEnum):
    NONE = "none", "No review clause"
    PERIODIC = "periodic", "Periodic"
    ON_REQUEST = "on_request", "On request"


class TreatyActionKind(LabelledEnum):
    SIGNATURE = "signature"
    RATIFICATION = "ratification"
    ACCEPTANCE = "acceptance"
    APPROVAL = "approval"
    ACCESSION = "accession"
    SUCCESSION = "succession"
    DEFINITIVE_SIGNATURE = "definitive_signature", "Definitive signature"
    PROVISIONAL_APPLICATION = "provisional_application", "Provisional application"
    RESERVATION = "reservation"
    DECLARATION = "declaration"
    OBJECTION = "objection"
    WITHDRAWAL_NOTICE = "withdrawal_notice", "Notice of withdrawal (denunciation)"
    NOTICE_REVOKED = "notice_revoked", "Notice of withdrawal revoked"
    SUSPENSION = "suspension"
    RESUMPTION = "resumption"


CONSENT_KINDS = frozenset(
    {
        TreatyActionKind.RATIFICATION,
        TreatyActionKind.ACCEPTANCE,
        TreatyActionKind.APPROVAL,
        TreatyActionKind.ACCESSION,
        TreatyActionKind.SUCCESSION,
        TreatyActionKind.DEFINITIVE_SIGNATURE,
    }
)


class Standing(LabelledEnum):
    """A party's standing in an agreement on a date, derived from its treaty actions."""

    NONE = "none", "Not a participant"
    SIGNATORY = "signatory"
    PROVISIONAL = "provisional", "Applying provisionally"
    PARTY = "party"
    NOTICE_GIVEN = "notice_given", "Notice of withdrawal given"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    SUCCEEDED = "succeeded", "Succeeded by another state"


class ObligationKind(LabelledEnum):
    COLLECTIVE_DEFENCE = "collective_defence", "Collective defence"
    CONSULTATION = "consultation"
    NON_AGGRESSION = "non_aggression", "Non-aggression"
    NEUTRALITY = "neutrality"
    REPORTING = "reporting"
    NOTIFICATION = "notification"
    VERIFICATION = "verification", "Verification / inspection"
    EXPORT_CONTROL = "export_control", "Export control"
    INFORMATION_SHARING = "information_sharing", "Information sharing"
    FINANCIAL_CONTRIBUTION = "financial_contribution", "Financial contribution"
    CAPABILITY_TARGET = "capability_target", "Capability target"
    OTHER = "other"


class ObligationStatus(LabelledEnum):
    ACTIVE = "active"
    MET = "met"
    PARTIALLY_MET = "partially_met", "Partially met"
    NOT_MET = "not_met", "Not met"
    SUSPENDED = "suspended"
    ENDED = "ended"


class OversightBodyKind(LabelledEnum):
    LEGISLATURE = "legislature"
    LEGISLATIVE_COMMITTEE = "legislative_committee", "Legislative committee"
    AUDIT_INSTITUTION = "audit_institution", "Audit institution"
    INSPECTOR_GENERAL = "inspector_general", "Inspector general"
    COURT = "court"
    VERIFICATION_BODY = "verification_body", "International verification body"
    OTHER = "other"


class AuthorizationRequirement(LabelledEnum):
    ADVICE_AND_CONSENT = "advice_and_consent", "Advice and consent"
    APPROVAL_BY_STATUTE = "approval_by_statute", "Approval by statute"
    SCRUTINY_PERIOD = "scrutiny_period", "Scrutiny period"
    NOTIFICATION = "notification", "Notification or report"
    PUBLICATION = "publication"


# Requirements the legislature must satisfy before the agreement may bind the home state.
CONSENT_REQUIREMENTS = frozenset(
    {
        AuthorizationRequirement.ADVICE_AND_CONSENT,
        AuthorizationRequirement.APPROVAL_BY_STATUTE,
        AuthorizationRequirement.SCRUTINY_PERIOD,
    }
)


class ClockTrigger(LabelledEnum):
    """The event from which an authorisation rule's clock runs."""

    SIGNATURE = "signature", "Signature or conclusion"
    ENTRY_INTO_FORCE = "entry_into_force", "Entry into force"
    SUBMISSION = "submission", "Laying or submission to the legislature"


class ClockUnit(LabelledEnum):
    CALENDAR_DAYS = "calendar_days", "Calendar days"
    SITTING_DAYS = "sitting_days", "Sitting days of the body"
    MONTH_END = "month_end", "Months, to the end of the month"


class Majority(LabelledEnum):
    NONE = "none", "No vote required"
    SIMPLE = "simple", "More votes for than against"
    TWO_THIRDS_PRESENT = "two_thirds_present", "Two thirds of those present and voting"
    ABSOLUTE = "absolute", "More than half of all members"


class AuthorizationDecision(LabelledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"


APPROVING_DECISIONS = frozenset(
    {AuthorizationDecision.APPROVED, AuthorizationDecision.APPROVED_WITH_CONDITIONS}
)


class ReviewStatus(LabelledEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class ComplianceFinding(LabelledEnum):
    COMPLIANT = "compliant"
    PARTIALLY_COMPLIANT = "partially_compliant", "Partially compliant"
    NON_COMPLIANT = "non_compliant", "Non-compliant"
    NOT_ASSESSED = "not_assessed", "Not assessed"


class ReviewOutcome(LabelledEnum):
    CONTINUE = "continue"
    AMEND = "amend"
    RENEGOTIATE = "renegotiate"
    SUSPEND = "suspend"
    WITHDRAW = "withdraw"


class ExitStepKind(LabelledEnum):
    """What a review's outcome opened: considering withdrawal or suspension."""

    WITHDRAWAL = "withdrawal"
    SUSPENSION = "suspension"


class AuditAction(LabelledEnum):
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    RESTORE = "restore"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed", "Failed login"
    EXPORT = "export"
    ACCESS_DENIED = "access_denied", "Permission refused"


class DeliveryStatus(LabelledEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"


class DeadlineKind(LabelledEnum):
    REVIEW_DUE = "review_due", "Review due"
    OBLIGATION_DUE = "obligation_due", "Obligation due"
    AUTHORIZATION_DUE = "authorization_due", "Authorisation step due"
    REPORTING_DUE = "reporting_due", "Transmission or report due"
    PUBLICATION_DUE = "publication_due", "Publication due"
    EXPIRY = "expiry", "Expiry"
    EXTENSION_DECISION = "extension_decision", "Decide on extension"
    EARLIEST_NOTICE = "earliest_notice", "Notice of withdrawal possible from"
    WITHDRAWAL_EFFECTIVE = "withdrawal_effective", "Withdrawal takes effect"
    EXIT_DECISION = "exit_decision", "Decide on withdrawal or suspension"
