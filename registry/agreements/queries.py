"""Read side of agreements: lists, parties on a date, agreements in force on a date."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import Select, func, literal_column, or_, select, sql
from sqlalchemy.orm import selectinload

from registry.agreements import rules
from registry.agreements.models import Agreement, TreatyAction
from registry.core.access import visible
from registry.core.enums import Classification, Standing, TreatyActionKind
from registry.core.queries import matching, ordering
from registry.extensions import db
from registry.parties.models import Party


def visible_agreements(clearance: Classification) -> Select:
    """Agreements a holder of `clearance` may see, archived ones left out."""
    return visible(select(Agreement), Agreement, clearance)


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


def participation(
    agreement_ids: list[int] | Select, *, party_id: int | None = None
) -> dict[int, Participation]:
    """The participation in each agreement, read in one query; with `party_id`, that party's
    alone (its own actions and its successors'), which is all its standing depends on."""
    grouped: dict[int, Participation] = defaultdict(Participation)
    query = select(TreatyAction).where(
        TreatyAction.agreement_id.in_(agreement_ids), TreatyAction.archived_at.is_(None)
    )
    if party_id is not None:
        query = query.where(
            or_(TreatyAction.party_id == party_id, TreatyAction.predecessor_id == party_id)
        )
    actions = db.session.scalars(query)
    for action in actions:
        record = grouped[action.agreement_id]
        record.actions[action.party_id].append(action)
        if action.kind == TreatyActionKind.SUCCESSION and action.predecessor_id:
            record.actions.setdefault(action.predecessor_id, [])
            record.succeeded_on[action.predecessor_id] = action.effective_on
    return grouped


class Participant(NamedTuple):
    id: int
    name: str
    iso3: str | None
    standing: Standing


def participants_on(agreement_id: int, on: date) -> tuple[tuple[Participant, ...], int]:
    """Everyone with a live treaty action in an agreement (or succeeded by one), by name, with
    their standing on a date; and how many live treaty actions the agreement has."""
    record = participation([agreement_id])[agreement_id]
    standings = record.standings(on)
    named = db.session.execute(
        select(Party.id, Party.name, Party.iso3).where(Party.id.in_(list(standings)))
    )
    participants = sorted(
        (Participant(*row, standings[row.id]) for row in named), key=lambda party: party.name
    )
    return tuple(participants), sum(len(actions) for actions in record.actions.values())


def latest_actions(agreement_id: int, limit: int | None = None) -> list[TreatyAction]:
    """The live treaty actions of an agreement in the order they were taken (deposited, or
    else took effect); with `limit`, only the latest so many."""
    taken_on = func.coalesce(TreatyAction.deposited_on, TreatyAction.effective_on)
    query = (
        select(TreatyAction)
        .options(selectinload(TreatyAction.party))
        .where(TreatyAction.agreement_id == agreement_id, TreatyAction.archived_at.is_(None))
        .order_by(taken_on.desc(), TreatyAction.id.desc())
        .limit(limit)
    )
    return db.session.scalars(query).all()[::-1]


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
    in_force = db.session.scalars(
        select(Agreement).where(Agreement.archived_at.is_(None), Agreement.in_force_on(on))
    ).all()
    if for_party is None:
        return in_force
    grouped = participation([agreement.id for agreement in in_force])
    return [
        agreement
        for agreement in in_force
        if grouped[agreement.id].standing(for_party.id, on) in rules.BOUND
    ]


SORTS = {
    "reference": Agreement.reference,
    "title": Agreement.title,
    "concluded": Agreement.concluded_on,
    "in_force": Agreement.entered_into_force_on,
    "status": Agreement.status,
}


@dataclass(frozen=True)
class AgreementFilters:
    """What a reader asks of the agreements list; every field is optional."""

    text: str = ""
    party: str = ""
    instrument_type: str = ""
    legal_nature: str = ""
    status: str = ""
    region: str = ""
    classification: str = ""
    in_force_on: date | None = None
    sort: str = "concluded"
    descending: bool = True


SEARCHED = (
    Agreement.title,
    Agreement.short_title,
    Agreement.reference,
    Agreement.national_citation,
    Agreement.un_registration_number,
)
SEARCH_INDEX = sql.table("agreements_search", sql.column("rowid"))


def with_text(query: Select, text: str) -> Select:
    """Agreements whose title, short title, reference or citations contain `text`, any case.

    On SQLite the search index (FTS5 with trigrams, made by a migration) finds them; it needs
    three characters, so shorter text is looked for row by row. PostgreSQL's trigram indexes
    serve the same ILIKE that is used everywhere else.
    """
    text = text.strip()
    if len(text) >= 3 and db.session.get_bind().dialect.name == "sqlite":
        phrase = '"' + text.replace('"', '""') + '"'  # one literal phrase, whatever it holds
        found = select(SEARCH_INDEX.c.rowid).where(
            literal_column("agreements_search").match(phrase)
        )
        return query.where(Agreement.id.in_(found))
    return matching(query, text, *SEARCHED)


def search_agreements(clearance: Classification, filters: AgreementFilters) -> Select:
    """Visible agreements matching the filters, sorted; callers paginate and count."""
    query = with_text(visible_agreements(clearance), filters.text)
    if filters.party.strip():
        parties_matching = matching(
            select(Party.id),
            filters.party,
            Party.name,
            Party.short_name,
            exact=(Party.iso3, filters.party.strip().upper()),
        )
        query = query.where(
            select(TreatyAction.id)
            .where(
                TreatyAction.agreement_id == Agreement.id,
                TreatyAction.party_id.in_(parties_matching),
                TreatyAction.archived_at.is_(None),
            )
            .exists()
        )
    for column, value in (
        (Agreement.instrument_type, filters.instrument_type),
        (Agreement.legal_nature, filters.legal_nature),
        (Agreement.status, filters.status),
        (Agreement.region, filters.region),
        (Agreement.classification, filters.classification),
    ):
        if value:
            query = query.where(column == value)
    if filters.in_force_on:
        day = filters.in_force_on
        query = query.where(Agreement.in_force_on(day))
    return query.order_by(*agreement_order(filters, reverse=False))


def agreement_order(filters: AgreementFilters, *, reverse: bool) -> tuple:
    """The list's order, or exactly its reverse (blanks last, or first when reversed)."""
    column = SORTS.get(filters.sort, Agreement.concluded_on)
    return ordering(column, Agreement.id, descending=filters.descending, reverse=reverse)


def children_of(agreement: Agreement, clearance: Classification) -> dict[str, list]:
    """The obligations, authorisation steps and reviews of an agreement the reader may see."""
    from registry.authorizations.models import Authorization
    from registry.obligations.models import Obligation
    from registry.reviews.models import Review

    def rows(model, *order, load=()):
        query = visible(select(model), model, clearance).where(model.agreement_id == agreement.id)
        query = query.options(*(selectinload(relation) for relation in load))
        return db.session.scalars(query.order_by(*order)).all()

    return {
        "obligations": rows(Obligation, Obligation.article_reference, Obligation.id),
        "authorizations": rows(
            Authorization,
            Authorization.submitted_on,
            Authorization.id,
            load=[Authorization.body, Authorization.rule],
        ),
        "reviews": rows(Review, Review.due_on.desc(), Review.id),
    }


@dataclass
class TreatiesInForce:
    """The agreements in force on a date, grouped by party bound, by subject and by region."""

    on: date
    agreements: list[Agreement]
    by_party: list[tuple[Party, list[Agreement]]]

    def grouped(self, key) -> list[tuple[object, list[Agreement]]]:
        groups: dict[object, list[Agreement]] = defaultdict(list)
        for agreement in self.agreements:
            groups[key(agreement)].append(agreement)
        return sorted(groups.items(), key=lambda item: item[0].label)


def treaties_in_force(clearance: Classification, on: date) -> TreatiesInForce:
    """Agreements within `clearance` in force on `on`, with the parties each bound then."""
    in_force = db.session.scalars(
        visible_agreements(clearance).where(Agreement.in_force_on(on)).order_by(Agreement.reference)
    ).all()
    grouped = participation([agreement.id for agreement in in_force])
    bound: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in in_force:
        for party_id, standing in grouped[agreement.id].standings(on).items():
            if standing in rules.BOUND:
                bound[party_id].append(agreement)
    parties = db.session.scalars(select(Party).where(Party.id.in_(list(bound)))).all()
    by_party = sorted(((party, bound[party.id]) for party in parties), key=lambda p: p[0].name)
    return TreatiesInForce(on=on, agreements=in_force, by_party=by_party)
