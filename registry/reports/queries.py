"""The monthly report to the legislature: what was signed and what entered into force.

Each item carries its legal authority, any new implementing authority needed, and its
publication deadline from the home party's publication rule with whether it was met.
Items above public go to a separate annex, and only items within the reader's clearance
appear at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select

from registry.agreements.models import Agreement
from registry.authorizations import queries as authorisation_queries
from registry.core.access import visible
from registry.core.enums import AuthorizationRequirement, Classification, ClockUnit
from registry.extensions import db

SIGNED = "Signed or concluded"
ENTERED_INTO_FORCE = "Entered into force"
COLUMNS = [
    "section",
    "event",
    "event_on",
    "reference",
    "title",
    "legal_nature",
    "classification",
    "legal_authority",
    "implementing_authority",
    "publication_due_on",
    "published_on",
    "publication",
]


@dataclass(frozen=True)
class ReportItem:
    agreement: Agreement
    event: str
    event_on: date
    publication_due_on: date | None
    publication: str

    @property
    def section(self) -> str:
        return "main" if self.agreement.classification == Classification.PUBLIC else "annex"

    def row(self) -> dict:
        agreement = self.agreement
        return {
            "section": self.section,
            "event": self.event,
            "event_on": self.event_on,
            "reference": agreement.reference,
            "title": agreement.title,
            "legal_nature": agreement.legal_nature,
            "classification": agreement.classification,
            "legal_authority": agreement.legal_authority,
            "implementing_authority": agreement.implementing_authority,
            "publication_due_on": self.publication_due_on,
            "published_on": agreement.published_on,
            "publication": self.publication,
        }


@dataclass(frozen=True)
class MonthlyReport:
    first: date
    last: date
    items: list[ReportItem]

    @property
    def main(self) -> list[ReportItem]:
        return [item for item in self.items if item.section == "main"]

    @property
    def annex(self) -> list[ReportItem]:
        return [item for item in self.items if item.section == "annex"]


def publication_state(due: date | None, published: date | None, has_rule: bool, today: date):
    if not has_rule:
        return "No publication rule applies."
    if due is None:
        return "Due once in force." if published is None else f"Published on {published}."
    if published is not None:
        return (
            f"Met: published on {published}."
            if published <= due
            else (
                f"Late: published on {published}, {(published - due).days} days after the deadline."
            )
        )
    if due < today:
        return f"Not met: overdue since {due}."
    return f"Not yet published; due by {due}."


def monthly_report(first: date, last: date, clearance: Classification, today: date):
    """Everything signed or entered into force from `first` to `last` that `clearance` sees."""
    query = visible(select(Agreement), Agreement, clearance).where(
        or_(
            and_(Agreement.concluded_on >= first, Agreement.concluded_on <= last),
            and_(
                Agreement.entered_into_force_on >= first,
                Agreement.entered_into_force_on <= last,
            ),
        )
    )
    agreements = db.session.scalars(query.order_by(Agreement.reference)).all()
    rules = [
        rule
        for rule in authorisation_queries.live_rules()
        if rule.requirement == AuthorizationRequirement.PUBLICATION
    ]
    calendars = authorisation_queries.sitting_calendars(
        rule.body_id for rule in rules if rule.period_unit == ClockUnit.SITTING_DAYS
    )
    items: list[ReportItem] = []
    for agreement in agreements:
        readings = authorisation_queries.readings(agreement, rules, [], calendars)
        dues = [reading.due_on for reading, _, _ in readings if reading.due_on]
        due = min(dues, default=None)
        state = publication_state(due, agreement.published_on, bool(readings), today)
        for event, on in (
            (SIGNED, agreement.concluded_on),
            (ENTERED_INTO_FORCE, agreement.entered_into_force_on),
        ):
            if on and first <= on <= last:
                items.append(ReportItem(agreement, event, on, due, state))
    items.sort(key=lambda item: (item.event_on, item.agreement.reference, item.event))
    return MonthlyReport(first, last, items)
