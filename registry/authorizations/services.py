from __future__ import annotations

from sqlalchemy import select

from registry.agreements.models import Agreement
from registry.authorizations import clocks, queries, votes
from registry.authorizations.models import Authorization, AuthorizationRule
from registry.authorizations.schemas import AuthorizationRuleSchema, AuthorizationSchema
from registry.core.access import inherit_classification
from registry.core.enums import (
    APPROVING_DECISIONS,
    AuthorizationDecision,
    AuthorizationRequirement,
    ClockTrigger,
    ClockUnit,
    Majority,
)
from registry.core.errors import ValidationFailed
from registry.core.services import EntityService
from registry.extensions import db
from registry.users.models import User


class AuthorizationRuleService(EntityService):
    model = AuthorizationRule
    schema = AuthorizationRuleSchema
    noun = "authorisation rule"
    unique_fields = ("name",)


class AuthorizationService(EntityService):
    model = Authorization
    schema = AuthorizationSchema
    noun = "authorisation step"
    immutable_fields = ("agreement_id",)

    def prepare(self, values, existing, actor):
        if existing is None and isinstance(actor, User):
            values["recorded_by_id"] = actor.id
        agreement = db.session.get(Agreement, values["agreement_id"])
        rule = (
            db.session.get(AuthorizationRule, values["rule_id"]) if values.get("rule_id") else None
        )
        errors: dict[str, list[str]] = {}
        if rule is not None:
            self._check_against_rule(values, existing, agreement, rule, errors)
        if errors:
            raise ValidationFailed(errors, self.noun)
        return inherit_classification(values, agreement, self.noun)

    def _check_against_rule(self, values, existing, agreement, rule, errors) -> None:
        def refuse(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        if rule.is_archived and (existing is None or existing.rule_id != rule.id):
            refuse("rule_id", f"The rule {rule.name} is archived.")
        if rule.legal_nature != agreement.legal_nature:
            refuse(
                "rule_id",
                f"{rule.name} applies to a {rule.legal_nature.label.lower()}; "
                f"{agreement.reference} is a {agreement.legal_nature.label.lower()}.",
            )
        if values.get("requirement") is None:
            values["requirement"] = rule.requirement
        elif values["requirement"] != rule.requirement:
            refuse("requirement", f"{rule.name} is a rule for {rule.requirement.label.lower()}.")
        if values.get("body_id") is None:
            values["body_id"] = rule.body_id
        if values.get("due_on") and rule.period_length:
            refuse("due_on", f"Set by {rule.name} from its clock; leave it empty.")
            values["due_on"] = None
        self._check_dates(values, agreement, rule, refuse)
        if values.get("extended_by") and not (
            rule.extension_limit and rule.trigger == ClockTrigger.SUBMISSION
        ):
            refuse("extended_by", f"{rule.name} allows no extension of its period.")
        elif values.get("extended_by") and values["extended_by"] > rule.extension_limit:
            refuse(
                "extended_by",
                f"{rule.name} allows an extension of at most {rule.extension_limit} days.",
            )
        self._check_votes(values, rule, refuse)
        if not errors:
            self._check_period_passed(values, existing, rule, refuse)
            self._check_restart(values, existing, agreement, rule, refuse)

    @staticmethod
    def _check_dates(values, agreement, rule, refuse) -> None:
        if rule.trigger == ClockTrigger.SUBMISSION:
            event, event_on = "signature", agreement.concluded_on
            if not values.get("submitted_on") and rule.period_length:
                refuse(
                    "submitted_on",
                    f"Give the date it was laid or submitted: the clock of {rule.name} runs "
                    "from it.",
                )
        elif rule.trigger == ClockTrigger.SIGNATURE:
            event, event_on = "signature", agreement.concluded_on
        else:
            event, event_on = "entry into force", agreement.entered_into_force_on
        if event_on is None:
            if rule.trigger != ClockTrigger.SUBMISSION:
                refuse(
                    "rule_id",
                    f"The clock of {rule.name} runs from {event}, and {agreement.reference} "
                    f"has no date of {event} yet.",
                )
            return
        for field, what in (("submitted_on", "submission"), ("decided_on", "decision")):
            if values.get(field) and values[field] < event_on:
                refuse(
                    field,
                    f"The {what} cannot come before the {event} it follows ({event_on}).",
                )

    @staticmethod
    def _check_votes(values, rule, refuse) -> None:
        votes_for, votes_against = values.get("votes_for"), values.get("votes_against")
        decision = values.get("decision")
        if votes_for is None or votes_against is None:
            return  # a voice vote, or a count the sources do not give
        body = rule.body.name if rule.body else "the body"
        if rule.members and votes_for + votes_against > rule.members:
            refuse(
                "votes_against",
                f"{votes_for} for and {votes_against} against make "
                f"{votes_for + votes_against} votes, but {body} has {rule.members} members.",
            )
            return
        if rule.majority == Majority.NONE:
            return
        reached = votes.majority_reached(rule.majority, votes_for, votes_against, rule.members)
        needed = votes.votes_needed(rule.majority, votes_for, votes_against, rule.members)
        if decision in APPROVING_DECISIONS and not reached:
            refuse(
                "votes_for",
                f"{votes_for} for and {votes_against} against do not reach "
                f"{rule.majority.label.lower()} (at least {needed} for were needed); "
                "the decision cannot be an approval.",
            )
        if decision == AuthorizationDecision.REJECTED and reached:
            refuse(
                "votes_for",
                f"{votes_for} for and {votes_against} against reach "
                f"{rule.majority.label.lower()}; the decision cannot be a rejection.",
            )

    @staticmethod
    def _check_period_passed(values, existing, rule, refuse) -> None:
        """A scrutiny period is approved only once it has run its course."""
        if not (
            rule.requirement == AuthorizationRequirement.SCRUTINY_PERIOD
            and rule.trigger == ClockTrigger.SUBMISSION
            and rule.period_length
            and values.get("decision") in APPROVING_DECISIONS
            and values.get("submitted_on")
        ):
            return
        calendars = queries.sitting_calendars([rule.body_id])
        probe = Authorization(
            submitted_on=values["submitted_on"], extended_by=values.get("extended_by")
        )
        try:
            due = queries.step_due_on(probe, rule, calendars)
        except clocks.CalendarTooShort as error:
            refuse(
                "decided_on",
                f"The end of the period cannot be confirmed: {error}. Enter the body's "
                "sitting days first.",
            )
            return
        if values["decided_on"] and values["decided_on"] < due:
            unit = "sitting days" if rule.period_unit == ClockUnit.SITTING_DAYS else "days"
            refuse(
                "decided_on",
                f"The {rule.period_length} {unit} of {rule.name} run until {due}; "
                "the period cannot be marked passed before then.",
            )

    @staticmethod
    def _check_restart(values, existing, agreement, rule, refuse) -> None:
        """A new period after a resolution against starts only after that resolution."""
        if rule.trigger != ClockTrigger.SUBMISSION or not values.get("submitted_on"):
            return
        query = select(Authorization).where(
            Authorization.agreement_id == agreement.id,
            Authorization.rule_id == rule.id,
            Authorization.archived_at.is_(None),
            Authorization.decision == AuthorizationDecision.REJECTED,
        )
        if existing is not None:
            query = query.where(Authorization.id != existing.id)
        with db.session.no_autoflush:
            rejected = db.session.scalars(query).all()
        for step in rejected:
            if step.submitted_on and step.submitted_on >= values["submitted_on"]:
                continue  # an earlier laying, recorded afterwards
            if not rule.restarts_after_rejection:
                refuse(
                    "rule_id",
                    f"{agreement.reference} was rejected under {rule.name} on "
                    f"{step.decided_on}; the rule provides no new period.",
                )
            elif values["submitted_on"] <= step.decided_on:
                refuse(
                    "submitted_on",
                    f"A new period starts with the statement laid after the resolution "
                    f"against of {step.decided_on}; give a later date.",
                )


authorization_rules = AuthorizationRuleService()
authorizations = AuthorizationService()
