"""Read side of agreements: lists, parties on a date, agreements in force on a date."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, func, select

from registry.agreements import rules
from registry.agreements.models import Agreement, TreatyAction
from registry.core.enums import Classification, Standing, TreatyActionKind
from registry.extensions import db
from registry.parties.models import Party


def visible_agreements(clearance: Classification) -> Select:
    """Agreements a holder of `clearance` may see, archived ones left out."""
    allowed = [level for level in Classification if clearance.allows(level)]
    return select(Agreement).where(
        Agreement.classification.in_(allowed), Agreement.archived_at.is_(None)
    )


def page_of_agreements(clearance: Classification, *, page: int = 1, per_page: int = 50):
    """One page of visible agreements, most recently concluded first, with the total count.

    A page number past the end gives the last page.
    """
    query = visible_agreements(clearance)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = min(max(page, 1), max(1, -(-total // per_page)))
    rows = db.session.scalars(
        query.order_by(Agreement.concluded_on.desc().nulls_last(), Agreement.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return rows, total, page


@dataclass
class Participation:
    """The live treaty actions of one agreement, by party, and who was succeeded when."""

    actions: dict[int, list[TreatyAction]] = field(default_factory=lambda: defaultdict(list))
    succeeded_on: dict[int, date] = field(default_factory=dict)

    def standing(self, party_id: int, on: date) -> Standing:
        return rules.standing_on(
            self.actions.get(party_id, []), on, succeeded_on=self.succeeded_on.get(party_id)
        )

    def standings(self, on: date) -> dict[int, Standing]:
        return {party_id: self.standing(party_id, on) for party_id in self.actions}


def participation(agreement_ids: list[int]) -> dict[int, Participation]:
    """The participation in each agreement, read in one query."""
    grouped: dict[int, Participation] = defaultdict(Participation)
    actions = db.session.scalars(
        select(TreatyAction).where(
            TreatyAction.agreement_id.in_(agreement_ids), TreatyAction.archived_at.is_(None)
        )
    )
    for action in actions:
        record = grouped[action.agreement_id]
        record.actions[action.party_id].append(action)
        if action.kind == TreatyActionKind.SUCCESSION and action.predecessor_id:
            record.actions.setdefault(action.predecessor_id, [])
            record.succeeded_on[action.predecessor_id] = action.effective_on
    return grouped


def standings_in(agreement: Agreement, on: date) -> dict[Party, Standing]:
    """Every participant of an agreement with its standing on a date."""
    standings = participation([agreement.id])[agreement.id].standings(on)
    parties = db.session.scalars(select(Party).where(Party.id.in_(list(standings)))).all()
    return {party: standings[party.id] for party in parties}


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
    grouped = participation([agreement.id for agreement in in_force])
    return [
        agreement
        for agreement in in_force
        if grouped[agreement.id].standing(for_party.id, on) in rules.BOUND
    ]
