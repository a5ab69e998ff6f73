"""Read side of agreements: lists, parties on a date, agreements in force on a date."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Select, func, select

from registry.agreements import rules
from registry.agreements.models import Agreement, TreatyAction
from registry.core.enums import Classification, Standing
from registry.extensions import db
from registry.parties.models import Party


def visible_agreements(clearance: Classification) -> Select:
    """Agreements a holder of `clearance` may see, archived ones left out."""
    allowed = [level for level in Classification if clearance.allows(level)]
    return select(Agreement).where(
        Agreement.classification.in_(allowed), Agreement.archived_at.is_(None)
    )


def page_of_agreements(clearance: Classification, *, page: int = 1, per_page: int = 50):
    """One page of visible agreements, most recently concluded first, with the total count."""
    query = visible_agreements(clearance)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Agreement.concluded_on.desc().nulls_last(), Agreement.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return rows, total


def actions_by_party(agreement_ids: list[int] | None = None) -> dict[int, dict[int, list]]:
    """Live treaty actions grouped by agreement, then by party, in one query."""
    query = select(TreatyAction).where(TreatyAction.archived_at.is_(None))
    if agreement_ids is not None:
        query = query.where(TreatyAction.agreement_id.in_(agreement_ids))
    grouped: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for action in db.session.scalars(query):
        grouped[action.agreement_id][action.party_id].append(action)
    return grouped


def standings_in(agreement: Agreement, on: date) -> dict[Party, Standing]:
    """Every participant of an agreement with its standing on a date."""
    grouped = actions_by_party([agreement.id])[agreement.id]
    parties = {
        party.id: party
        for party in db.session.scalars(select(Party).where(Party.id.in_(list(grouped))))
    }
    return {
        parties[party_id]: rules.standing_on(actions, on) for party_id, actions in grouped.items()
    }


def parties_on(agreement: Agreement, on: date) -> list[Party]:
    """The parties bound by an agreement on a date (including those under notice or suspended)."""
    standings = standings_in(agreement, on)
    return sorted(
        (party for party, standing in standings.items() if standing in rules.BOUND),
        key=lambda party: party.name,
    )


def agreements_in_force_on(on: date, *, for_party: Party | None = None) -> list[Agreement]:
    """Agreements in force on a date; with `for_party`, only those binding that party then."""
    candidates = db.session.scalars(
        select(Agreement).where(
            Agreement.archived_at.is_(None),
            Agreement.entered_into_force_on.is_not(None),
            Agreement.entered_into_force_on <= on,
        )
    ).all()
    in_force = [agreement for agreement in candidates if rules.is_in_force_on(agreement, on)]
    if for_party is None:
        return in_force
    grouped = actions_by_party([agreement.id for agreement in in_force])
    return [
        agreement
        for agreement in in_force
        if rules.standing_on(grouped[agreement.id].get(for_party.id, []), on) in rules.BOUND
    ]
