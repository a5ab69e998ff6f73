"""Obligation pages and forms, with the measurements recorded against a target."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.agreements.models import Agreement
from registry.audit.queries import history_of
from registry.core.access import clearance_of, visible
from registry.core.enums import Classification, ObligationKind, ObligationStatus
from registry.core.permissions import Permission
from registry.extensions import db
from registry.obligations.charts import charts_for, number
from registry.obligations.deadlines import occurrences
from registry.obligations.models import Measurement, Obligation
from registry.obligations.services import measurements, obligations
from registry.oversight.models import OversightBody
from registry.parties.models import Party
from registry.users.models import User
from registry.web.access import load_visible, requires
from registry.web.crud import Crud, Parent
from registry.web.forms import Field, enum_choices, record_choices

blueprint = Blueprint("obligations", __name__)
blueprint.add_app_template_global(number, "number")
OCCURRENCES_SHOWN = 8


def obligation_fields() -> list[Field]:
    return [
        Field("article_reference", "Article", hint="For example Art. 5"),
        Field("title", "Title", required=True),
        Field("text", "Text", "textarea"),
        Field("kind", "Kind", "select", True, choices=enum_choices(ObligationKind)),
        Field(
            "obligated_party_id",
            "Obligated party",
            "select",
            hint="Leave empty when it binds every party.",
            choices=record_choices(Party, lambda p: p.name, order_by=Party.name),
        ),
        Field("responsible_office", "Responsible office"),
        Field(
            "owner_id",
            "Owner",
            "select",
            choices=record_choices(User, lambda u: f"{u.name} <{u.email}>", order_by=User.name),
        ),
        Field(
            "oversight_body_id",
            "Oversight body",
            "select",
            choices=record_choices(OversightBody, lambda b: b.name, order_by=OversightBody.name),
        ),
        Field("due_on", "Due on", "date"),
        Field("recurrence", "Recurs every", hint="An ISO 8601 period, e.g. P1Y for yearly."),
        Field(
            "status", "Status", "select", True, choices=enum_choices(ObligationStatus, blank=None)
        ),
        Field("target_value", "Quantitative target", "number"),
        Field("target_unit", "Unit of the target", hint="For example % of GDP"),
        Field(
            "classification",
            "Classification",
            "select",
            hint="Empty: the agreement's level.",
            choices=enum_choices(Classification),
        ),
        Field("source", "Source", "textarea"),
    ]


def measurement_fields() -> list[Field]:
    return [
        Field(
            "party_id",
            "Party",
            "select",
            True,
            choices=record_choices(Party, lambda p: p.name, order_by=Party.name),
        ),
        Field("period_start", "Period starts", "date", True),
        Field("period_end", "Period ends", "date", True),
        Field("value", "Value", "number", True),
        Field("unit", "Unit", required=True),
        Field("is_estimate", "This value is an estimate", "checkbox"),
        Field("source", "Source", "textarea", True, hint="Where the figure was published."),
    ]


def obligation_url(obligation) -> str:
    return url_for("obligations.show", obligation_id=obligation.id)


Crud(
    blueprint,
    "obligation",
    Obligation,
    obligations,
    obligation_fields,
    obligation_url,
    "/obligations",
    parent=Parent(
        "agreement_id",
        Agreement,
        "/agreements",
        lambda a: url_for("agreements.show", agreement_id=a.id),
    ),
).register()
Crud(
    blueprint,
    "measurement",
    Measurement,
    measurements,
    measurement_fields,
    lambda m: obligation_url(m.obligation),
    "/measurements",
    parent=Parent("obligation_id", Obligation, "/obligations", obligation_url),
).register()


@blueprint.get("/obligations/<int:obligation_id>")
@requires(Permission.READ)
def show(obligation_id: int):
    obligation = load_visible(Obligation, obligation_id)
    query = visible(select(Measurement), Measurement, clearance_of(current_user)).where(
        Measurement.obligation_id == obligation.id
    )
    rows = db.session.scalars(
        query.options(selectinload(Measurement.party)).order_by(
            Measurement.period_start.desc(), Measurement.party_id
        )
    ).all()
    today = date.today()
    past, upcoming = occurrences_around(obligation, today)
    clearance = clearance_of(current_user)
    return render_template(
        "obligations/show.html",
        obligation=obligation,
        measurements=rows,
        charts=charts_for([obligation], rows, series_of=lambda m: m.party.name),
        today=today,
        past_occurrences=past,
        upcoming_occurrences=upcoming,
        history=history_of(obligation, clearance),
        page_title=obligation.title,
    )


def occurrences_around(obligation, today: date) -> tuple[list[date], list[date]]:
    """The latest due dates before today (newest first) and the next ones from today."""
    if obligation.due_on is None:
        return [], []
    horizon = timedelta(days=20 * 366)
    past = list(occurrences(obligation.due_on, obligation.recurrence, today - horizon, today))
    past = [day for day in past if day < today][-OCCURRENCES_SHOWN:][::-1]
    upcoming = []
    for day in occurrences(obligation.due_on, obligation.recurrence, today, today + horizon):
        upcoming.append(day)
        if len(upcoming) == OCCURRENCES_SHOWN:
            break
    return past, upcoming
