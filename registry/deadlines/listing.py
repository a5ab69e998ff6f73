"""The deadline list as people read it: the search its filters ask for, the CSV, the month grid.

No Flask here: the views hand in the values the list's filter schema loaded (`filters`) and
render what comes back.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import select

from registry.core.access import visible_to
from registry.core.dates import EARLIEST_DATE, LATEST_DATE
from registry.core.entities import entity
from registry.core.enums import Classification, DeadlineKind
from registry.deadlines.filters import agreement_asked, window
from registry.deadlines.queries import Deadline, DeadlineFilters, DeadlineQuery
from registry.exports.formats import csv_cell
from registry.extensions import db

LOOK_BACK = timedelta(days=365)  # overdue actionable items older than this drop off the list
LOOK_AHEAD = timedelta(days=365)
CSV_COLUMNS = (
    "due_on",
    "days_left",
    "kind",
    "title",
    "agreement_reference",
    "classification",
    "responsible",
    "oversight_body",
)
KIND_OPTIONS = [(kind.value, kind.label) for kind in DeadlineKind]
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).


@dataclass(frozen=True)
class Choices:
    """What the filter selects offer."""

    owners: list[tuple[int, str]]
    bodies: list[tuple[int, str]]


@dataclass(frozen=True)
class DeadlineSearch:
    """One reader's question of the deadline list: a window and filters, all validated."""

    start: date
    end: date
    kind: DeadlineKind | None = None
    owner_id: int | None = None
    body_id: int | None = None
    agreement: tuple[int, str] | None = None  # id and reference; id 0 if none has it
    mine: bool = False

    @property
    def agreement_id(self) -> int | None:
        return self.agreement[0] if self.agreement else None

    @property
    def agreement_unknown(self) -> bool:
        return self.agreement_id == 0

    def args(self) -> dict[str, str]:
        """The search as query arguments, for links that keep it (CSV, pages, months)."""
        values = {
            "kind": self.kind.value if self.kind else "",
            "owner": str(self.owner_id or ""),
            "body": str(self.body_id or ""),
            "agreement": self.agreement[1] if self.agreement else "",
            "mine": "1" if self.mine else "",
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
        }
        return {key: value for key, value in values.items() if value}

    @property
    def filtered(self) -> bool:
        return any((self.kind, self.owner_id, self.body_id, self.agreement, self.mine))


@dataclass(frozen=True)
class SearchResult:
    search: DeadlineSearch
    choices: Choices
    found: DeadlineQuery


def run_search(
    clearance: Classification,
    values: Mapping,
    *,
    reader_id: int | None,
    today: date,
    month: Month | None = None,
) -> SearchResult:
    """Find the deadlines a search asks for, from the values `DeadlineListFilters` loaded.

    The owners offered are the people responsible for records of the kinds the other filters
    find, within the reader's clearance, so the list names no one the reader could not
    otherwise see; an owner asked for by id who is not among them finds nothing.
    The agreement is named by its reference (or id). The window is `month` if given (or the
    `month` asked for), else the `from` and `to` dates or a year either side.
    """
    oversight_bodies = entity("oversight_bodies").model
    bodies = [
        (row.id, row.name)
        for row in db.session.execute(
            visible_to(clearance)
            .filter(select(oversight_bodies.id, oversight_bodies.name), oversight_bodies)
            .order_by(oversight_bodies.name)
        )
    ]
    asked = agreement_asked(values)
    agreement = _agreement(asked, clearance) or ((0, asked) if asked else None)
    if month is None and values.get("month"):
        month = parse_month(values["month"], today)
    start, end = (month.first, month.last) if month else read_window(values, today)
    search = DeadlineSearch(
        start=start,
        end=end,
        kind=values.get("kind"),
        body_id=values.get("body"),
        agreement=agreement,
        mine=reader_id is not None and bool(values.get("mine")),
    )
    filters = DeadlineFilters(
        kind=search.kind, body_id=search.body_id, agreement_id=search.agreement_id
    )
    owners = _people(DeadlineQuery(clearance, start, end, filters, today=today).responsible_ids())
    search = replace(search, owner_id=values.get("owner"))
    wanted = reader_id if search.mine else search.owner_id
    found = DeadlineQuery(clearance, start, end, replace(filters, owner_id=wanted), today=today)
    return SearchResult(search, Choices(owners, bodies), found)


def _agreement(text: str, clearance: Classification) -> tuple[int, str] | None:
    """The visible agreement with this reference (or, failing that, this id)."""
    if not text:
        return None
    agreements = entity("agreements").model
    query = visible_to(clearance).filter(select(agreements.id, agreements.reference), agreements)
    row = db.session.execute(query.where(agreements.reference == text)).first()
    if row is None and text.isdigit() and len(text) <= 10:
        row = db.session.execute(query.where(agreements.id == int(text))).first()
    return (row.id, row.reference) if row else None


def read_window(values: Mapping, today: date) -> tuple[date, date]:
    """The first and last due dates asked for, each defaulting to a year from today."""
    start, end = window(values)
    start, end = start or today - LOOK_BACK, end or today + LOOK_AHEAD
    return (start, end) if start <= end else (end, start)  # one day asked, beyond the other


def _people(user_ids: set[int]) -> list[tuple[int, str]]:
    if not user_ids:
        return []
    users = entity("users").model
    rows = db.session.execute(
        select(users.id, users.name, users.email).where(users.id.in_(user_ids)).order_by(users.name)
    )
    return [(row.id, f"{row.name} ({row.email})") for row in rows]


def status_of(deadline: Deadline, today: date) -> str:
    """The deadline's state in words, so that no one relies on colour to see it."""
    days = deadline.days_left(today)
    if deadline.is_overdue(today):
        return f"Overdue by {-days} day{'' if days == -1 else 's'}"
    if days == 0:
        return "Due today"
    return f"In {days} day{'' if days == 1 else 's'}"


# --- CSV ------------------------------------------------------------------------------------


def csv_lines(deadlines: list[Deadline], today: date) -> Iterator[str]:
    """The deadlines as CSV text, a line at a time, starting with a UTF-8 byte-order mark.

    The people and bodies are looked up now, in one query each, so that the lines that
    follow need no database.
    """
    user_ids = {user_id for deadline in deadlines for user_id in deadline.responsible_ids}
    body_ids = {d.oversight_body_id for d in deadlines if d.oversight_body_id is not None}
    users, oversight_bodies = entity("users").model, entity("oversight_bodies").model
    emails = dict(
        db.session.execute(select(users.id, users.email).where(users.id.in_(user_ids))).all()
        if user_ids
        else []
    )
    bodies = dict(
        db.session.execute(
            select(oversight_bodies.id, oversight_bodies.name).where(
                oversight_bodies.id.in_(body_ids)
            )
        ).all()
        if body_ids
        else []
    )

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")

        def line(row) -> str:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(row)
            return buffer.getvalue()

        yield "\ufeff" + line(CSV_COLUMNS)
        for deadline in deadlines:
            text_cells = [
                deadline.kind.label,
                deadline.title,
                deadline.agreement_reference,
                deadline.classification.label,
                "; ".join(emails[i] for i in deadline.responsible_ids if i in emails),
                bodies.get(deadline.oversight_body_id, ""),
            ]
            yield line(
                [
                    deadline.due_on.isoformat(),
                    deadline.days_left(today),
                    *(csv_cell(cell) for cell in text_cells),
                ]
            )

    return lines()


# --- the month calendar ---------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    deadlines: list[Deadline] = field(default_factory=list)


@dataclass(frozen=True)
class Month:
    first: date

    @property
    def last(self) -> date:
        return self.first.replace(day=calendar.monthrange(self.first.year, self.first.month)[1])

    @property
    def previous(self) -> Month | None:
        before = self.first - timedelta(days=1)
        return Month(before.replace(day=1)) if before >= EARLIEST_DATE else None

    @property
    def next(self) -> Month | None:
        after = self.last + timedelta(days=1)
        return Month(after) if after <= LATEST_DATE else None

    @property
    def key(self) -> str:
        return self.first.strftime("%Y-%m")

    @property
    def name(self) -> str:
        return f"{calendar.month_name[self.first.month]} {self.first.year}"


def parse_month(text: str | None, today: date) -> Month:
    """The month named `YYYY-MM`, or the current month if the text names none."""
    text = (text or "").strip()
    if len(text) == 7 and text.isascii() and text[4] == "-" and (text[:4] + text[5:]).isdigit():
        year, month = int(text[:4]), int(text[5:])
        if 1 <= month <= 12 and EARLIEST_DATE.year <= year <= LATEST_DATE.year:
            return Month(date(year, month, 1))
    return Month(today.replace(day=1))


WEEKDAYS = [(calendar.day_name[i], calendar.day_abbr[i]) for i in range(7)]  # Monday first


def month_grid(month: Month, deadlines: list[Deadline]) -> list[list[CalendarDay]]:
    """The weeks of `month`, Monday first, each day with the deadlines due on it."""
    by_day: dict[date, list[Deadline]] = {}
    for deadline in deadlines:
        by_day.setdefault(deadline.due_on, []).append(deadline)
    weeks = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(
        month.first.year, month.first.month
    )
    return [
        [
            CalendarDay(
                day,
                day.month == month.first.month,
                by_day.get(day, []) if day.month == month.first.month else [],
            )
            for day in week
        ]
        for week in weeks
    ]
