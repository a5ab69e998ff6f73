"""Which authorisation rules apply to an agreement, and how their clocks stand.

Rules apply by the home party's jurisdiction and the agreement's legal nature. A clock that
runs from signature or entry into force belongs to the agreement; one that runs from laying
belongs to each step recorded under the rule (a laying, or a minister's statement after a
resolution against, which starts the period again).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from flask import current_app
from sqlalchemy import select

from registry.agreements.models import Agreement
from registry.authorizations import clocks
from registry.authorizations.models import Authorization, AuthorizationRule
from registry.core.access import visible
from registry.core.enums import (
    APPROVING_DECISIONS,
    AuthorizationDecision,
    AuthorizationRequirement,
    Classification,
    ClockTrigger,
    ClockUnit,
)
from registry.extensions import db
from registry.oversight.models import SittingDay


def home_party() -> str:
    return current_app.config.get("HOME_PARTY", "USA")


def live_rules(jurisdiction: str | None = None) -> list[AuthorizationRule]:
    """The rules in force for the home party (or `jurisdiction`), by name."""
    query = select(AuthorizationRule).where(
        AuthorizationRule.archived_at.is_(None),
        AuthorizationRule.jurisdiction == (jurisdiction or home_party()),
    )
    return list(db.session.scalars(query.order_by(AuthorizationRule.name)))


def rules_for(agreement: Agreement, rules: Iterable[AuthorizationRule]) -> list[AuthorizationRule]:
    return [rule for rule in rules if rule.legal_nature == agreement.legal_nature]


def sitting_calendars(body_ids: Iterable[int]) -> dict[int, list]:
    """Each body's sitting days, ascending, in one query."""
    ids = sorted({body_id for body_id in body_ids if body_id})
    calendars: dict[int, list] = defaultdict(list)
    if ids:
        rows = db.session.execute(
            select(SittingDay.body_id, SittingDay.sat_on)
            .where(SittingDay.body_id.in_(ids))
            .order_by(SittingDay.body_id, SittingDay.sat_on)
        )
        for body_id, sat_on in rows:
            calendars[body_id].append(sat_on)
    return calendars


def ruled_steps(
    agreement_ids: Iterable[int], clearance: Classification | None = None
) -> dict[int, list[Authorization]]:
    """Live steps recorded under a rule, by agreement, oldest laying first.

    With a clearance, only the steps it may see; without, all (for the consent check).
    """
    ids = list(agreement_ids)
    steps: dict[int, list[Authorization]] = defaultdict(list)
    if not ids:
        return steps
    base = select(Authorization)
    if clearance is not None:
        base = visible(base, Authorization, clearance)
    query = base.where(
        Authorization.agreement_id.in_(ids),
        Authorization.rule_id.is_not(None),
        Authorization.archived_at.is_(None),
    ).order_by(Authorization.submitted_on, Authorization.id)
    for step in db.session.scalars(query):
        steps[step.agreement_id].append(step)
    return steps


def step_due_on(step: Authorization, rule: AuthorizationRule, calendars: dict) -> date:
    """When the period of a step under a laying rule ends; raises CalendarTooShort."""
    length = rule.period_length + (step.extended_by or 0)
    return clocks.due_on(
        step.submitted_on, length, rule.period_unit, calendars.get(rule.body_id, ())
    )


def readings(
    agreement: Agreement,
    rules: list[AuthorizationRule],
    steps: list[Authorization],
    calendars: dict,
) -> list[tuple[clocks.ClockReading, Authorization | None, AuthorizationRule]]:
    """Every applicable rule's clock for the agreement, with the step it belongs to."""
    found = []
    for rule in rules_for(agreement, rules):
        under_rule = [step for step in steps if step.rule_id == rule.id]
        base = {
            "rule_id": rule.id,
            "rule_name": rule.name,
            "trigger_label": rule.trigger.label,
        }
        if rule.trigger == ClockTrigger.SUBMISSION:
            for step in under_rule:
                if step.submitted_on is None or (
                    rule.applies_from and step.submitted_on < rule.applies_from
                ):
                    continue
                due, problem = None, None
                if rule.period_length:
                    try:
                        due = step_due_on(step, rule, calendars)
                    except clocks.CalendarTooShort as error:
                        problem = str(error)
                met = step.decided_on if step.decision != AuthorizationDecision.PENDING else None
                reading = clocks.ClockReading(
                    **base,
                    starts_on=step.submitted_on,
                    due_on=due,
                    met_on=met,
                    step_id=step.id,
                    problem=problem,
                )
                found.append((reading, step, rule))
            continue
        starts = (
            agreement.concluded_on
            if rule.trigger == ClockTrigger.SIGNATURE
            else agreement.entered_into_force_on
        )
        if starts and rule.applies_from and starts < rule.applies_from:
            continue  # the event came before the rule took effect
        due, problem = None, None
        if starts and rule.period_length:
            try:
                due = clocks.due_on(
                    starts, rule.period_length, rule.period_unit, calendars.get(rule.body_id, ())
                )
            except clocks.CalendarTooShort as error:
                problem = str(error)
        if rule.requirement == AuthorizationRequirement.PUBLICATION:
            met = agreement.published_on
        else:
            met = min(
                (step.decided_on for step in under_rule if step.decision in APPROVING_DECISIONS),
                default=None,
            )
        reading = clocks.ClockReading(
            **base, starts_on=starts, due_on=due, met_on=met, problem=problem
        )
        found.append((reading, None, rule))
    return found


def clocks_of(agreement: Agreement, clearance: Classification) -> list[clocks.ClockReading]:
    """The agreement's clocks, for its page: those of steps above `clearance` left out."""
    rules = rules_for(agreement, live_rules())
    steps = ruled_steps([agreement.id], clearance)[agreement.id]
    calendars = sitting_calendars(
        rule.body_id for rule in rules if rule.period_unit == ClockUnit.SITTING_DAYS
    )
    return [reading for reading, _, _ in readings(agreement, rules, steps, calendars)]


def consent_problem(agreement: Agreement) -> str | None:
    """What the agreement still lacks before it may bind the home party, or None."""
    gating = [rule for rule in rules_for(agreement, live_rules()) if rule.required_before_force]
    if not gating:
        return None
    steps = ruled_steps([agreement.id])[agreement.id]
    approved = {step.rule_id for step in steps if step.decision in APPROVING_DECISIONS}
    begun = {step.rule_id for step in steps} & {rule.id for rule in gating}
    if not approved & {rule.id for rule in gating}:
        names = " or ".join(rule.name for rule in gating)
        return f"It needs an approved authorisation step under {names} first; " + (
            "none is approved yet." if begun else "none is recorded."
        )
    missing = [rule.name for rule in gating if rule.id in begun and rule.id not in approved]
    if missing:
        return f"The authorisation under {', '.join(missing)} is not approved yet."
    return None
