"""The month calendar: an accessible table of the month's days, each with its deadlines."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest

from registry.deadlines.listing import Month, month_grid, parse_month


def day_cell(page, day: int):
    """The table cell of day `day` of the month shown."""
    for cell in page.main.find("table").iter("td"):
        number = cell.find("span")
        if number is not None and "day-number" in number.classes:
            if number.text.split()[0] == str(day):
                return cell
    raise AssertionError(f"no cell for day {day}")


def test_the_month_lists_each_deadline_on_its_day(sign_in, make_agreement, make_obligation, today):
    agreement = make_agreement(title="Treaty of Months")
    due = today + timedelta(days=40)
    make_obligation(agreement, days=40, title="Report to the committee")
    viewer = sign_in("viewer", "public")

    response = viewer.get("/deadlines/calendar", query_string={"month": due.strftime("%Y-%m")})

    assert response.status_code == 200
    page = response.page
    month_name = f"{calendar.month_name[due.month]} {due.year}"
    assert page.title == f"Deadlines in {month_name}"
    table = page.main.find("table")
    assert month_name in table.find("caption").text
    headers = list(table.find("thead").iter("th"))
    assert [th.text for th in headers] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert all(th.attrs.get("scope") == "col" for th in headers)
    assert headers[0].find("abbr").attrs["title"] == "Monday"
    cell = day_cell(page, due.day)
    link = cell.find("a")
    assert link.text == "Obligation due: Report to the committee"
    assert link.attrs["href"] == f"/agreements/{agreement.id}"
    assert "1 deadline in" in page.by_id("result-count").text
    others = [c for c in table.iter("td") if c is not cell and c.find("a") is not None]
    assert others == []


def test_previous_and_next_months_are_linked(sign_in):
    page = sign_in("viewer", "public").get("/deadlines/calendar?month=2027-01").page
    previous = page.main.find("a", rel="prev")
    following = page.main.find("a", rel="next")
    assert previous.attrs["href"] == "/deadlines/calendar?month=2026-12"
    assert "December 2026" in previous.text
    assert following.attrs["href"] == "/deadlines/calendar?month=2027-02"


def test_no_month_shows_the_current_one(sign_in, today):
    response = sign_in("viewer", "public").get("/deadlines/calendar", query_string={"month": ""})
    assert response.status_code == 200
    assert response.page.title == f"Deadlines in {calendar.month_name[today.month]} {today.year}"
    cell = response.page.main.find("td", **{"aria-current": "date"})
    assert cell is not None and "(today)" in cell.text


@pytest.mark.parametrize("month", ["2027-13", "nonsense", "1700-01", "2027-1", "９９９９-01"])
def test_an_invalid_month_answers_400_naming_it(sign_in, month):
    response = sign_in("viewer", "public").get("/deadlines/calendar", query_string={"month": month})
    assert response.status_code == 400
    assert "month" in response.page.main.text and "YYYY-MM" in response.page.main.text


def test_overdue_items_are_marked_in_words_and_clearance_applies(
    sign_in, make_agreement, make_obligation, today
):
    make_obligation(make_agreement(), days=-1, title="Late")
    make_obligation(make_agreement(classification="secret"), days=-1, title="Classified")
    yesterday = today - timedelta(days=1)
    page = (
        sign_in("viewer", "restricted")
        .get("/deadlines/calendar", query_string={"month": yesterday.strftime("%Y-%m")})
        .page
    )
    cell = day_cell(page, yesterday.day)
    assert "Late" in cell.text and "(overdue)" in cell.text
    assert "Classified" not in page.text


def test_the_month_keeps_the_filters(sign_in, make_agreement, make_obligation, today):
    viewer = sign_in("viewer", "public")
    make_obligation(make_agreement(), days=1, title="Mine", owner_id=viewer.user.id)
    make_obligation(make_agreement(), days=1, title="Not mine")
    tomorrow = today + timedelta(days=1)
    page = viewer.get(
        "/deadlines/calendar", query_string={"month": tomorrow.strftime("%Y-%m"), "mine": "1"}
    ).page
    assert "Mine" in day_cell(page, tomorrow.day).text
    assert "Not mine" not in page.text
    assert "mine=1" in page.main.find("a", rel="next").attrs["href"]


def test_the_grid_has_whole_weeks_from_monday():
    weeks = month_grid(Month(date(2027, 2, 1)), [])
    assert all(len(week) == 7 for week in weeks)
    assert all(week[0].day.weekday() == 0 for week in weeks)
    in_month = [cell.day for week in weeks for cell in week if cell.in_month]
    assert in_month[0] == date(2027, 2, 1) and in_month[-1] == date(2027, 2, 28)


def test_parse_month_reads_year_and_month():
    assert parse_month("2027-03", date(2026, 1, 5)).first == date(2027, 3, 1)
    assert parse_month(None, date(2026, 1, 5)).first == date(2026, 1, 1)
    assert Month(date(1800, 1, 1)).previous is None
    assert Month(date(2200, 12, 1)).next is None
