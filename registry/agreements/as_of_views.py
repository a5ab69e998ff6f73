"""Agreement pages about dates: one agreement as of a past day, and the treaties in force."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request
from flask_login import current_user

from registry.agreements import queries
from registry.agreements.models import Agreement
from registry.agreements.views import agreement_fields, blueprint
from registry.audit.replay import state_on
from registry.core.access import clearance_of, visible_to
from registry.core.dates import InvalidDate, parse_date
from registry.core.permissions import Permission
from registry.web.access import load_visible, public, requires


def read_day(text: str | None) -> tuple[date | None, str | None]:
    """A date from a query argument, or the reason it is not one."""
    if not text:
        return None, None
    try:
        return parse_date(text), None
    except InvalidDate as error:
        return None, str(error)


@blueprint.get("/agreements/<int:agreement_id>/as-of")
@requires(Permission.READ)
def as_of(agreement_id: int):
    """The agreement as the registry held it at the end of a past day, from the audit trail."""
    agreement = load_visible(Agreement, agreement_id)
    clearance = clearance_of(current_user)
    today = date.today()
    on, error = read_day(request.args.get("on"))
    if on is not None and on > today:
        on, error = None, "Pick a date up to today: the record of the future is not written yet."
    state = state_on(agreement, on) if on else None
    if state is not None and not visible_to(clearance).allows(state.get("classification")):
        abort(404)
    standings = []
    if on is not None:
        found = queries.standings_in(agreement, on)
        standings = sorted(
            ((party, standing) for party, standing in found.items()),
            key=lambda pair: pair[0].name,
        )
    fields = agreement_fields()
    rows = []
    if state is not None:
        for field in fields:
            then = display_value(field, state.get(field.name))
            now = display_value(field, getattr(agreement, field.name))
            rows.append((field.label, then, now, state.changed_at.get(field.name)))
    return render_template(
        "agreements/as_of.html",
        agreement=agreement,
        on=on,
        typed=request.args.get("on", "")[:40],
        error=error,
        state=state,
        rows=rows,
        standings=standings,
        today=today,
        page_title=f"{agreement.short_title or agreement.title} as of {on or 'a date'}",
    ), (422 if error else 200)


def display_value(field, value) -> str:
    """How a stored or audited value reads on the page: enum labels, ISO dates, dashes."""
    if value is None or value == "":
        return "—"
    if field.choices is not None and field.kind == "select":
        wanted = value.value if hasattr(value, "value") else str(value)
        for option, label in field.choices():
            if option == wanted:
                return label
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


GROUPINGS = {"party": "Party", "subject": "Instrument type", "region": "Region"}


@blueprint.get("/treaties-in-force")
@public
def in_force():
    """Treaties in Force: the agreements in force on a date, by party, subject or region."""
    today = date.today()
    on, error = read_day(request.args.get("on"))
    on = on or today
    by = request.args.get("by", "party")
    by = by if by in GROUPINGS else "party"
    found = queries.treaties_in_force(clearance_of(current_user), on)
    if by == "party":
        groups = [(party.name, party, rows) for party, rows in found.by_party]
    else:
        key = (lambda a: a.instrument_type) if by == "subject" else (lambda a: a.region)
        groups = [(group.label, None, rows) for group, rows in found.grouped(key)]
    return render_template(
        "agreements/in_force.html",
        on=on,
        by=by,
        groupings=GROUPINGS,
        typed=request.args.get("on", "")[:40],
        error=error,
        total=len(found.agreements),
        groups=groups,
        today=today,
        page_title=f"Treaties in force on {on}",
    ), (422 if error else 200)
