import csv
import io
from datetime import date

from sqlalchemy import select

from registry.core.dates import InvalidDate, parse_date
from registry.core.errors import ValidationFailed
from registry.core.services import EntityService, creates_cycle
from registry.extensions import db
from registry.oversight.models import OversightBody, SittingDay
from registry.oversight.schemas import OversightBodySchema, SittingDaySchema


class OversightBodyService(EntityService):
    model = OversightBody
    schema = OversightBodySchema
    noun = "oversight body"
    unique_fields = ("name",)

    def prepare(self, values, existing, actor):
        if existing is not None and creates_cycle(
            OversightBody, existing.id, values.get("parent_id")
        ):
            raise ValidationFailed(
                {"parent_id": ["A body cannot be its own parent, directly or through others."]},
                self.noun,
            )
        return values


class SittingDayService(EntityService):
    model = SittingDay
    schema = SittingDaySchema
    noun = "sitting day"

    def import_csv(self, actor, body: OversightBody, text: str) -> list[SittingDay]:
        """Add every day of a CSV calendar, or none: bad, unordered or known days are refused."""
        days = parse_calendar_csv(text)
        known = set(
            db.session.scalars(
                select(SittingDay.sat_on).where(
                    SittingDay.body_id == body.id, SittingDay.sat_on.in_(days)
                )
            )
        )
        if known:
            listed = ", ".join(str(day) for day in sorted(known)[:10])
            more = f" and {len(known) - 10} more" if len(known) > 10 else ""
            raise ValidationFailed(
                {
                    "file": [
                        f"Already sitting days of {body.name}: {listed}{more}. "
                        "Remove them from the file; nothing was added."
                    ]
                },
                "sitting calendar",
            )
        reason = f"Calendar upload: {len(days)} days from {days[0]} to {days[-1]}"
        return [
            self.create(actor, {"body_id": body.id, "sat_on": day.isoformat()}, reason=reason)
            for day in days
        ]

    def prepare(self, values, existing, actor):
        duplicate = db.session.scalar(
            select(SittingDay.id).where(
                SittingDay.body_id == values["body_id"], SittingDay.sat_on == values["sat_on"]
            )
        )
        if duplicate and (existing is None or duplicate != existing.id):
            raise ValidationFailed(
                {"sat_on": [f"{values['sat_on']} is already a sitting day of this body."]},
                self.noun,
            )
        return values


MAX_CALENDAR_LINES = 5000
CALENDAR_HEADERS = {"sat_on", "date", "sitting_day"}


def parse_calendar_csv(text: str) -> list[date]:
    """Sitting days from CSV text, one ISO date a line in ascending order; errors name lines."""
    if not isinstance(text, str):
        raise ValidationFailed({"file": ["Expected CSV text."]}, "sitting calendar")
    text = text.removeprefix("\ufeff")
    problems: list[str] = []
    days: list[date] = []
    seen: dict[date, int] = {}
    previous: tuple[date, int] | None = None
    rows = csv.reader(io.StringIO(text))
    try:
        for number, row in enumerate(rows, start=1):
            if number > MAX_CALENDAR_LINES:
                problems.append(f"More than {MAX_CALENDAR_LINES} lines; split the file.")
                break
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if number == 1 and cells[0].lower() in CALENDAR_HEADERS:
                continue
            if len([cell for cell in cells if cell]) > 1:
                problems.append(f"Line {number}: expected one date, found {len(cells)} values.")
                continue
            value = cells[0]
            try:
                day = parse_date(value)
            except InvalidDate as error:
                problems.append(f"Line {number}: {value[:40]!r}: {error}")
                continue
            if day in seen:
                problems.append(f"Line {number}: {day} repeats line {seen[day]}.")
                continue
            if previous and day < previous[0]:
                problems.append(
                    f"Line {number}: {day} comes before {previous[0]} on line {previous[1]}; "
                    "list the days in order."
                )
            seen[day] = number
            previous = (day, number)
            days.append(day)
    except csv.Error as error:
        problems.append(f"Not readable as CSV: {error}.")
    if not problems and not days:
        problems.append("The file holds no dates.")
    if problems:
        raise ValidationFailed({"file": problems[:50]}, "sitting calendar")
    return days


oversight_bodies = OversightBodyService()
sitting_days = SittingDayService()
