"""Which status an agreement may move to from which, and what each move needs.

The forward path is draft → negotiating → signed → awaiting authorisation → authorised →
in force → (suspended) → withdrawn, terminated or expired. Legitimate shortcuts and steps
back are listed below; everything else is refused with a message saying why.
"""

from __future__ import annotations

from registry.core.enums import AgreementStatus as S
from registry.core.enums import LegalNature

# Where each status may go next. Withdrawn, terminated and expired are final.
TRANSITIONS: dict[S, frozenset[S]] = {
    # Talks may open and close again before anything is signed.
    S.DRAFT: frozenset({S.NEGOTIATING, S.SIGNED}),
    S.NEGOTIATING: frozenset({S.DRAFT, S.SIGNED, S.IN_FORCE}),
    # Signed: submitted to the legislature, or binding at once where no consent is needed
    # (definitive signature, an executive agreement, a political commitment); a signature
    # may also be withdrawn without ratifying.
    S.SIGNED: frozenset({S.AWAITING_AUTHORIZATION, S.IN_FORCE, S.WITHDRAWN}),
    # The legislature may approve, send it back (resubmission follows), or the government
    # may withdraw it; approval and deposit on one day skip "authorised".
    S.AWAITING_AUTHORIZATION: frozenset({S.AUTHORIZED, S.SIGNED, S.IN_FORCE, S.WITHDRAWN}),
    S.AUTHORIZED: frozenset({S.IN_FORCE, S.AWAITING_AUTHORIZATION, S.WITHDRAWN}),
    S.IN_FORCE: frozenset({S.SUSPENDED, S.WITHDRAWN, S.TERMINATED, S.EXPIRED}),
    S.SUSPENDED: frozenset({S.IN_FORCE, S.WITHDRAWN, S.TERMINATED, S.EXPIRED}),
    S.WITHDRAWN: frozenset(),
    S.TERMINATED: frozenset(),
    S.EXPIRED: frozenset(),
}

# Moving into these needs the legislature's consent where a rule requires it.
NEEDS_CONSENT = frozenset({S.AUTHORIZED, S.IN_FORCE})

# A new record in one of these says consent was given, so it is held to the same rule.
CREATED_WITH_CONSENT = frozenset({S.AUTHORIZED, S.IN_FORCE, S.SUSPENDED, S.TERMINATED, S.EXPIRED})


def allowed_next(current: S, legal_nature: LegalNature | None = None) -> list[S]:
    """The statuses `current` may move to, in lifecycle order."""
    targets = set(TRANSITIONS[current])
    if current == S.NEGOTIATING and legal_nature != LegalNature.NON_BINDING:
        targets.discard(S.IN_FORCE)
    return [status for status in S if status in targets]


def transition_problem(current: S, new: S, legal_nature: LegalNature | None) -> str | None:
    """Why `current` cannot move to `new`, or None if it may."""
    if current == new:
        return None
    if new in allowed_next(current, legal_nature):
        return None
    if not TRANSITIONS[current]:
        return f"An agreement that is {current.label.lower()} cannot change status any more."
    options = ", ".join(status.label.lower() for status in allowed_next(current, legal_nature))
    if current == S.NEGOTIATING and new == S.IN_FORCE:
        return (
            "Only a non-binding instrument takes effect straight from negotiation; "
            "record the signature first (move to signed)."
        )
    return (
        f"An agreement cannot go from {current.label.lower()} to {new.label.lower()}; "
        f"from {current.label.lower()} it may become: {options}."
    )
