"""Whether a recorded vote reaches the majority a rule requires."""

from __future__ import annotations

from registry.core.enums import Majority


def majority_reached(
    majority: Majority, votes_for: int, votes_against: int, members: int | None = None
) -> bool:
    """Tell whether `votes_for` against `votes_against` carries under `majority`."""
    if majority == Majority.NONE:
        return True
    if majority == Majority.SIMPLE:
        return votes_for > votes_against
    if majority == Majority.TWO_THIRDS_PRESENT:
        # Two thirds of those present and voting, in whole numbers: 3·for ≥ 2·(for + against).
        return votes_for > 0 and 3 * votes_for >= 2 * (votes_for + votes_against)
    if majority == Majority.ABSOLUTE:
        if members is None:
            raise ValueError("an absolute majority needs the number of members")
        return 2 * votes_for > members
    raise ValueError(f"unknown majority {majority!r}")


def votes_needed(majority: Majority, votes_for: int, votes_against: int, members: int | None):
    """The fewest votes for that would have carried, with the same number voting."""
    present = votes_for + votes_against
    if majority == Majority.SIMPLE:
        return present // 2 + 1
    if majority == Majority.TWO_THIRDS_PRESENT:
        return -(-2 * present // 3)
    if majority == Majority.ABSOLUTE and members:
        return members // 2 + 1
    return 0
