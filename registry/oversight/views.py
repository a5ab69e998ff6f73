"""Oversight body pages and forms, with the days a body sits."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from registry.audit.queries import history_of
from registry.authorizations.models import Authorization
from registry.core.access import clearance_of, visible
from registry.core.db import write_transaction
from registry.core.enums import OversightBodyKind
from registry.core.errors import ValidationFailed
from registry.core.filters import load_filters
from registry.core.permissions import Permission
from registry.core.queries import paginate
from registry.extensions import db
from registry.obligations.models import Obligation
from registry.oversight.filters import OversightBodyListFilters
from registry.oversight.models import OversightBody, SittingDay
from registry.oversight.services import oversight_bodies, sitting_days
from registry.web.access import load_visible, requires
from registry.web.crud import Crud, Parent
from registry.web.forms import Field, enum_choices, field_errors, record_choices

MAX_CALENDAR_BYTES = 200_000
PER_PAGE = 100

blueprint = Blueprint("oversight", __name__)


def body_fields() -> list[Field]:
    return [
        Field("name", "Name", required=True),
        Field("short_name", "Short name"),
        Field("kind", "Kind", "select", True, choices=enum_choices(OversightBodyKind, blank=None)),
        Field("jurisdiction", "Jurisdiction", hint="ISO3 code of the state, or international."),
        Field(
            "contact_email",
            "Contact address",
            "email",
            hint="Overdue items escalate to this address.",
        ),
        Field("url", "Website", "url"),
        Field(
            "parent_id",
            "Part of",
            "select",
            choices=record_choices(OversightBody, lambda b: b.name, order_by=OversightBody.name),
        ),
        Field("source", "Source", "textarea"),
    ]


def sitting_day_fields() -> list[Field]:
    return [Field("sat_on", "Sitting day", "date", True)]


def body_url(body) -> str:
    return url_for("oversight.show", body_id=body.id)


Crud(
    blueprint,
    "oversight body",
    OversightBody,
    oversight_bodies,
    body_fields,
    body_url,
    "/oversight-bodies",
    index_url=lambda: url_for("oversight.index"),
).register()
Crud(
    blueprint,
    "sitting day",
    SittingDay,
    sitting_days,
    sitting_day_fields,
    lambda day: body_url(day.body),
    "/sitting-days",
    parent=Parent("body_id", OversightBody, "/oversight-bodies", body_url),
    archivable=False,
).register()


@blueprint.get("/oversight-bodies")
@requires(Permission.READ)
def index():
    filters = OversightBodyListFilters()
    values = load_filters(filters, request.args)
    rows, total, page, last_page = paginate(
        filters.query(clearance_of(current_user), values),
        page=values["page"],
        per_page=values.get("per_page") or PER_PAGE,
        reverse_order=filters.ordering(values, reverse=True),
    )
    return render_template(
        "oversight/index.html",
        bodies=rows,
        total=total,
        page=page,
        last_page=last_page,
        text=values.get("q", ""),
        args={key: value for key, value in request.args.items() if key != "page" and value},
        page_title="Oversight bodies",
    )


@blueprint.get("/oversight-bodies/<int:body_id>")
@requires(Permission.READ)
def show(body_id: int):
    body = load_visible(OversightBody, body_id)
    clearance = clearance_of(current_user)
    obligations = db.session.scalars(
        visible(select(Obligation), Obligation, clearance)
        .where(Obligation.oversight_body_id == body.id)
        .order_by(Obligation.due_on)
    ).all()
    steps = db.session.scalars(
        visible(select(Authorization), Authorization, clearance)
        .where(Authorization.body_id == body.id)
        .order_by(Authorization.submitted_on)
    ).all()
    days = db.session.scalars(
        select(SittingDay)
        .where(SittingDay.body_id == body.id)
        .order_by(SittingDay.sat_on.desc())
        .limit(60)
    ).all()
    return render_template(
        "oversight/show.html",
        body=body,
        obligations=obligations,
        steps=steps,
        days=days,
        history=history_of(body, clearance),
        page_title=body.name,
    )


@blueprint.route("/oversight-bodies/<int:body_id>/sitting-days/upload", methods=["GET", "POST"])
@requires(Permission.EDIT)
def upload_calendar(body_id: int):
    """Add many sitting days at once from a CSV file: all of them, or none."""
    body = load_visible(OversightBody, body_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        upload = request.files.get("file")
        raw = upload.read(MAX_CALENDAR_BYTES + 1) if upload else b""
        try:
            if not raw:
                raise ValidationFailed({"file": ["Choose a CSV file of dates."]})
            if len(raw) > MAX_CALENDAR_BYTES:
                raise ValidationFailed(
                    {"file": [f"The file is larger than {MAX_CALENDAR_BYTES // 1000} kB."]}
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ValidationFailed({"file": ["The file is not UTF-8 text."]}) from error
            with write_transaction():
                added = sitting_days.import_csv(current_user, body, text)
        except ValidationFailed as error:
            errors = field_errors(error.messages)
        else:
            flash(
                f"{len(added)} sitting days added, {added[0].sat_on} to {added[-1].sat_on}.",
                "success",
            )
            return redirect(body_url(body))
    return render_template(
        "oversight/upload_calendar.html",
        body=body,
        errors=errors,
        page_title=f"Upload the sitting calendar of {body.name}",
    ), (422 if errors else 200)
