"""The deadlines agreements and treaty actions give: expiries, extension decisions, earliest
notice dates and withdrawals taking effect (registered in `registry/agreements/entities.py`)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from registry.agreements import rules
from registry.agreements.models import Agreement, TreatyAction
from registry.core.enums import DeadlineKind, TreatyActionKind
from registry.deadlines.sources import (
    GROUPS,
    Deadline,
    DeadlineFilters,
    RowSource,
    Scope,
    agreement_name,
    first_rows,
)
from registry.extensions import db
from registry.parties.models import Party

EXPIRIES = RowSource(
    DeadlineKind.EXPIRY,
    Agreement,
    Agreement.expires_on,
    lambda row: f"{agreement_name(row)} expires",
    agreement=Agreement,
)

EXTENSION_DECISIONS = RowSource(
    DeadlineKind.EXTENSION_DECISION,
    Agreement,
    Agreement.expires_on,
    lambda row: f"Decide whether to extend {agreement_name(row)}",
    agreement=Agreement,
    where=(Agreement.extension_options_left > 0, Agreement.extension_term.is_not(None)),
)

WITHDRAWALS_TAKING_EFFECT = RowSource(
    DeadlineKind.WITHDRAWAL_EFFECTIVE,
    TreatyAction,
    TreatyAction.effective_on,
    lambda row: f"{row.party_name}'s withdrawal from {agreement_name(row)} takes effect",
    agreement=Agreement,
    where=(TreatyAction.kind == TreatyActionKind.WITHDRAWAL_NOTICE,),
    of_agreement=(Agreement.archived_at.is_(None),),
    extra=(Party.name.label("party_name"),),
    joins=((Party, Party.id == TreatyAction.party_id),),
)


def notice_ranges(low: date, high: date):
    """Each minimum time in force, with the condition selecting the agreements whose earliest
    notice date (`rules.earliest_notice_on`) falls in [low, high].

    Few agreements differ in that minimum, and the date moves with entry into force, so each
    minimum is one ordered range of an index on (minimum, entry into force).
    """
    minimums = db.session.scalars(
        select(Agreement.notice_min_in_force).where(Agreement.notice_period.is_not(None)).distinct()
    )
    for minimum in minimums:
        first, last = rules.entries_giving_notice_between(minimum, low, high)
        if first <= last:
            same = (
                Agreement.notice_min_in_force.is_(None)
                if minimum is None
                else Agreement.notice_min_in_force == minimum
            )
            yield minimum, (same, Agreement.entered_into_force_on.between(first, last))


class EarliestNotices:
    """Earliest notice dates: entry into force plus the minimum time in force."""

    kind = DeadlineKind.EARLIEST_NOTICE
    actionable = False
    cost = GROUPS
    rows = RowSource(
        DeadlineKind.EARLIEST_NOTICE,
        Agreement,
        Agreement.entered_into_force_on,
        lambda row: f"Notice of withdrawal from {agreement_name(row)} possible",
        agreement=Agreement,
        where=(Agreement.notice_period.is_not(None),),
    )

    def may_yield(self, filters: DeadlineFilters) -> bool:
        return self.rows.may_yield(filters)

    def take(self, scope: Scope, low: date, high: date, limit: int | None) -> list[Deadline]:
        found = []
        for minimum, conditions in notice_ranges(low, high):

            def same_day(last, minimum=minimum):
                day = rules.earliest_notice_from(last.due_on, minimum)
                entries = rules.entries_giving_notice_between(minimum, day, day)
                return Agreement.entered_into_force_on.between(*entries)

            rows = first_rows(
                self.rows.query(scope).where(*conditions),
                (Agreement.entered_into_force_on, Agreement.id),
                limit,
                same_day,
            )
            found.extend(
                self.rows.deadline(row)._replace(
                    due_on=rules.earliest_notice_from(row.due_on, minimum)
                )
                for row in rows
            )
        return found

    def count(self, scope: Scope, low: date, high: date, cap: int | None) -> int:
        total = 0
        for _, conditions in notice_ranges(low, high):
            query = self.rows.query(scope, Agreement.id).where(*conditions)
            if cap is not None:
                query = query.limit(cap - total)
            total += db.session.scalar(select(func.count()).select_from(query.subquery()))
            if cap is not None and total >= cap:
                return cap
        return total

    def responsible_ids(self, scope: Scope, low: date, high: date) -> set[int]:
        return set()  # no one in particular: the agreement's


EARLIEST_NOTICES = EarliestNotices()
AGREEMENT_DEADLINES = (EXPIRIES, EXTENSION_DECISIONS, EARLIEST_NOTICES)
TREATY_ACTION_DEADLINES = (WITHDRAWALS_TAKING_EFFECT,)
