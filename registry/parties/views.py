"""Party pages: the list, and every agreement of one party with its standing today."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select, union

from registry.agreements import queries
from registry.agreements.models import Agreement, TreatyAction
from registry.audit.queries import history_of
from registry.core.access import clearance_of, visible
from registry.core.cache import remembered, rendered_section
from registry.core.enums import PartyKind
from registry.core.filters import load_filters
from registry.core.permissions import Permission
from registry.core.queries import paginate
from registry.extensions import db
from registry.obligations.charts import charts_for
from registry.obligations.models import Measurement, Obligation
from registry.parties.filters import PartyListFilters
from registry.parties.models import Party
from registry.parties.services import parties
from registry.web.access import load_visible, requires
from registry.web.crud import Crud
from registry.web.forms import Field, enum_choices

blueprint = Blueprint("parties", __name__)

PER_PAGE = 100


def party_fields() -> list[Field]:
    return [
        Field("name", "Name", required=True),
        Field("short_name", "Short name"),
        Field("kind", "Kind", "select", True, choices=enum_choices(PartyKind, blank=None)),
        Field("iso3", "ISO 3166-1 alpha-3 code", hint="Three letters, for states: e.g. USA."),
        Field("source", "Source", "textarea"),
    ]


def party_url(party) -> str:
    return url_for("parties.show", party_id=party.id)


Crud(
    blueprint,
    "party",
    Party,
    parties,
    party_fields,
    party_url,
    "/parties",
    index_url=lambda: url_for("parties.index"),
).register()


@blueprint.get("/parties")
@requires(Permission.READ)
def index():
    filters = PartyListFilters()
    values = load_filters(filters, request.args)
    rows, total, page, last_page = paginate(
        filters.query(clearance_of(current_user), values),
        page=values["page"],
        per_page=values.get("per_page") or PER_PAGE,
        reverse_order=filters.ordering(values, reverse=True),
    )
    return render_template(
        "parties/index.html",
        parties=rows,
        total=total,
        page=page,
        last_page=last_page,
        text=values.get("q", ""),
        args={key: value for key, value in request.args.items() if key != "page" and value},
        page_title="Parties",
    )


AGREEMENTS_PER_PAGE = 100


@blueprint.get("/parties/<int:party_id>")
@requires(Permission.READ)
def show(party_id: int):
    party = load_visible(Party, party_id)
    clearance = clearance_of(current_user)
    today = date.today()
    # A union, so that each half reads its own index (an OR made SQLite read every action).
    involved = union(
        select(TreatyAction.agreement_id).where(TreatyAction.party_id == party.id),
        select(TreatyAction.agreement_id).where(TreatyAction.predecessor_id == party.id),
    )
    asked_page = request.args.get("page", 1, type=int) or 1

    def agreements_section() -> Markup:
        agreements, total, page, last_page = paginate(
            visible(select(Agreement), Agreement, clearance)
            .where(Agreement.id.in_(involved))
            .order_by(Agreement.concluded_on.desc().nulls_last(), Agreement.id.desc()),
            page=asked_page,
            per_page=AGREEMENTS_PER_PAGE,
        )
        participation = queries.participation([a.id for a in agreements], party_id=party.id)
        return rendered_section(
            "parties/_agreements.html",
            party=party,
            rows=[(a, participation[a.id].standing(party.id, today)) for a in agreements],
            total=total,
            page=page,
            last_page=last_page,
            today=today,
        )

    # Rendered once for every reader of this clearance: a page of 100 agreements, each a link.
    agreements = remembered(
        ("agreements of party", party.id, clearance, asked_page, today), agreements_section
    )
    measured = db.session.scalars(
        visible(select(Measurement), Measurement, clearance)
        .where(Measurement.party_id == party.id)
        .order_by(Measurement.period_start)
    ).all()
    obligations = db.session.scalars(
        select(Obligation)
        .where(Obligation.id.in_({m.obligation_id for m in measured}))
        .order_by(Obligation.id)
    ).all()
    return render_template(
        "parties/show.html",
        party=party,
        agreements=agreements,
        charts=charts_for(obligations, measured, series_of=lambda m: party.name),
        history=history_of(party, clearance),
        page_title=party.name,
    )
