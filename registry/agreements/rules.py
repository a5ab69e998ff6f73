"""Domain rules of agreements, as plain functions of plain values (no database, no Flask).

Dates follow the registry's convention: an agreement is in force from `entered_into_force_on`
up to but not including `expires_on` or `terminated_on` (the first day it no longer binds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from registry.core.enums import CONSENT_KINDS, ReviewCadence, Standing, TreatyActionKind
from registry.core.errors import RuleViolation
from registry.core.periods import add_period, parse_period

BOUND = frozenset({Standing.PARTY, Standing.NOTICE_GIVEN, Standing.SUSPENDED})
_SLACK = timedelta(days=7)  # month-end clamping moves a date by a few days at most


class ActionLike(Protocol):
    kind: TreatyActionKind
    deposited_on: date | None
    effective_on: date


class AgreementTerms(Protocol):
    entered_into_force_on: date | None
    expires_on: date | None
    terminated_on: date | None
    term: str | None
    extension_term: str | None
    extension_options_left: int
    notice_min_in_force: str | None
    notice_period: str | None
    review_cadence: ReviewCadence
    review_interval: str | None


# --- standing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    on: date
    # Breaks ties on one day: a signature before a ratification, a notice before its effect.
    order: int
    kind: str


_ORDER = {
    "sign": 0,
    "provisional": 1,
    "consent": 2,
    "notice": 3,
    "revoke": 4,
    "suspend": 5,
    "resume": 6,
    "withdraw": 7,
}


def _steps(actions: Iterable[ActionLike]) -> list[_Step]:
    steps = []
    for action in actions:
        kind = TreatyActionKind(action.kind)
        if kind == TreatyActionKind.SIGNATURE:
            steps.append(_Step(action.effective_on, _ORDER["sign"], "sign"))
        elif kind in CONSENT_KINDS:
            steps.append(_Step(action.effective_on, _ORDER["consent"], "consent"))
        elif kind == TreatyActionKind.PROVISIONAL_APPLICATION:
            steps.append(_Step(action.effective_on, _ORDER["provisional"], "provisional"))
        elif kind == TreatyActionKind.WITHDRAWAL_NOTICE:
            steps.append(
                _Step(action.deposited_on or action.effective_on, _ORDER["notice"], "notice")
            )
            steps.append(_Step(action.effective_on, _ORDER["withdraw"], "withdraw"))
        elif kind == TreatyActionKind.NOTICE_REVOKED:
            steps.append(
                _Step(action.deposited_on or action.effective_on, _ORDER["revoke"], "revoke")
            )
        elif kind == TreatyActionKind.SUSPENSION:
            steps.append(_Step(action.effective_on, _ORDER["suspend"], "suspend"))
        elif kind == TreatyActionKind.RESUMPTION:
            steps.append(_Step(action.effective_on, _ORDER["resume"], "resume"))
        # Reservations, declarations and objections do not change standing.
    return sorted(steps, key=lambda step: (step.on, step.order))


def standing_on(
    actions: Iterable[ActionLike], on: date, *, succeeded_on: date | None = None
) -> Standing:
    """Derive one party's standing in one agreement on a date from that party's actions.

    `succeeded_on` is the date a successor state took over this party's participation.
    """
    if succeeded_on is not None and on >= succeeded_on:
        return Standing.SUCCEEDED
    standing = Standing.NONE
    pending_notices = 0
    standing_before_notice = Standing.PARTY
    for step in _steps(actions):
        if step.on > on:
            break
        if step.kind == "sign" and standing == Standing.NONE:
            standing = Standing.SIGNATORY
        elif step.kind == "provisional" and standing in (Standing.NONE, Standing.SIGNATORY):
            standing = Standing.PROVISIONAL
        elif step.kind == "consent" and standing not in BOUND:
            standing = Standing.PARTY
        elif step.kind == "notice" and standing in BOUND | {Standing.PROVISIONAL}:
            pending_notices += 1
            standing_before_notice = standing
            standing = Standing.NOTICE_GIVEN
        elif step.kind == "revoke" and pending_notices:
            pending_notices -= 1
            standing = standing_before_notice
        elif step.kind == "withdraw":
            if pending_notices:
                pending_notices -= 1
                standing = Standing.WITHDRAWN
        elif step.kind == "suspend" and standing in BOUND:
            standing = Standing.SUSPENDED
        elif step.kind == "resume" and standing == Standing.SUSPENDED:
            standing = Standing.NOTICE_GIVEN if pending_notices else Standing.PARTY
    return standing


def count_standings(standings: dict[int, Standing]) -> dict[str, int]:
    """Count parties (bound, including those under notice or suspended) and mere signatories."""
    return {
        "parties": sum(1 for standing in standings.values() if standing in BOUND),
        "signatories": sum(1 for standing in standings.values() if standing == Standing.SIGNATORY),
    }


# --- in force, exit, duration --------------------------------------------------------------


def is_in_force_on(agreement: AgreementTerms, on: date) -> bool:
    """Tell whether the agreement itself was in force on a date."""
    if agreement.entered_into_force_on is None or on < agreement.entered_into_force_on:
        return False
    ends = [end for end in (agreement.expires_on, agreement.terminated_on) if end]
    return not ends or on < min(ends)


def earliest_notice_on(agreement: AgreementTerms) -> date | None:
    """The first date notice of withdrawal may be given, or None without an exit clause."""
    if not agreement.notice_period or agreement.entered_into_force_on is None:
        return None
    return earliest_notice_from(agreement.entered_into_force_on, agreement.notice_min_in_force)


def earliest_notice_from(entry_into_force: date, minimum_in_force: str | None) -> date:
    """Entry into force plus the minimum time in force (if any) before notice may be given."""
    if not minimum_in_force:
        return entry_into_force
    return add_period(entry_into_force, minimum_in_force)


def entries_giving_notice_between(
    minimum_in_force: str | None, low: date, high: date
) -> tuple[date, date]:
    """The first and last entry into force whose earliest notice falls in [low, high], for
    agreements with this minimum time in force: how a query finds earliest notice dates.

    Adding a period never moves a later date before an earlier one, so these bound a range;
    they are found from a guess a week out, a day at a time.
    """
    if not minimum_in_force:
        return low, high
    delta = parse_period(minimum_in_force)
    first = low - delta - _SLACK
    while earliest_notice_from(first, minimum_in_force) < low:
        first += timedelta(days=1)
    last = high - delta + _SLACK
    while earliest_notice_from(last, minimum_in_force) > high:
        last -= timedelta(days=1)
    return first, last


def withdrawal_effective_on(agreement: AgreementTerms, notice_on: date) -> date:
    """When a withdrawal takes effect if notice is given on `notice_on`."""
    if not agreement.notice_period:
        raise RuleViolation("The agreement has no notice period: its exit terms are not recorded.")
    earliest = earliest_notice_on(agreement)
    if earliest is None:
        raise RuleViolation("Notice cannot be given before the agreement has entered into force.")
    if notice_on < earliest:
        raise RuleViolation(
            f"Notice may not be given before {earliest.isoformat()} "
            f"({agreement.notice_min_in_force} after entry into force)."
        )
    return add_period(notice_on, agreement.notice_period)


def initial_expiry_on(agreement: AgreementTerms) -> date | None:
    """Entry into force plus the fixed term, or None for an indefinite agreement."""
    if not agreement.term or agreement.entered_into_force_on is None:
        return None
    return add_period(agreement.entered_into_force_on, agreement.term)


def extended_expiry_on(agreement: AgreementTerms, extension: str | None = None) -> date:
    """The expiry after exercising one extension option (at most the agreed extension term)."""
    if agreement.expires_on is None:
        raise RuleViolation("Only an agreement with an expiry date can be extended.")
    if agreement.extension_options_left < 1 or not agreement.extension_term:
        raise RuleViolation("No extension options are left.")
    extension = extension or agreement.extension_term
    longest = add_period(agreement.expires_on, agreement.extension_term)
    extended = add_period(agreement.expires_on, extension)
    if extended > longest:
        raise RuleViolation(
            f"An extension may last at most {agreement.extension_term}; {extension} is longer."
        )
    if extended <= agreement.expires_on:
        raise RuleViolation("An extension must move the expiry date later.")
    return extended


def latest_possible_expiry_on(agreement: AgreementTerms) -> date | None:
    """The expiry if every remaining extension option is used in full."""
    if agreement.expires_on is None:
        return None
    if not agreement.extension_term or agreement.extension_options_left < 1:
        return agreement.expires_on
    return add_period(
        agreement.expires_on, agreement.extension_term, agreement.extension_options_left
    )


# --- review ---------------------------------------------------------------------------------


def next_review_on(
    agreement: AgreementTerms, *, last_review_due_on: date | None, today: date
) -> date | None:
    """The due date of the next periodic review, counted from entry into force.

    After a review, the next is due one interval after it. With none recorded, the next is
    the first date on the cadence (entry into force + k intervals) on or after today.
    On-request and review-less agreements have no scheduled review.
    """
    if (
        agreement.review_cadence != ReviewCadence.PERIODIC
        or not agreement.review_interval
        or agreement.entered_into_force_on is None
    ):
        return None
    if last_review_due_on is not None:
        return add_period(last_review_due_on, agreement.review_interval)
    times = 1
    while (
        due := add_period(agreement.entered_into_force_on, agreement.review_interval, times)
    ) < today:
        times += 1
    return due


def review_may_be_requested_from(agreement: AgreementTerms) -> date | None:
    """For an on-request review clause, the first date a review may be requested."""
    if (
        agreement.review_cadence != ReviewCadence.ON_REQUEST
        or not agreement.review_interval
        or agreement.entered_into_force_on is None
    ):
        return None
    return add_period(agreement.entered_into_force_on, agreement.review_interval)
