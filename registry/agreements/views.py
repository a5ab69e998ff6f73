"""Agreement pages: the searchable list, one agreement's page, and its forms."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.agreements import lifecycle, queries, rules
from registry.agreements.filters import AgreementListFilters
from registry.agreements.models import Agreement, TreatyAction
from registry.agreements.services import agreements, treaty_actions
from registry.audit.queries import history_of
from registry.authorizations.queries import clocks_of, consent_problem
from registry.core.access import clearance_of, visible
from registry.core.cache import remembered, rendered_section
from registry.core.db import write_transaction
from registry.core.enums import (
    AgreementForm,
    AgreementStatus,
    Classification,
    InstrumentType,
    LegalNature,
    Region,
    ReviewCadence,
    TreatyActionKind,
)
from registry.core.errors import Conflict, RuleViolation, ValidationFailed
from registry.core.filters import load_filters
from registry.core.periods import describe_period
from registry.core.permissions import Permission, can
from registry.core.queries import paginate
from registry.deadlines.queries import deadlines_between
from registry.extensions import db
from registry.obligations.charts import charts_for
from registry.obligations.models import Measurement, Obligation
from registry.parties.models import Party
from registry.reviews.models import ExitStep
from registry.web.access import load_visible, public, requires
from registry.web.crud import Crud, Parent
from registry.web.forms import Field, enum_choices, field_errors, record_choices

blueprint = Blueprint("agreements", __name__)

DEFAULT_PER_PAGE = 50
ACTIONS_SHOWN = 50  # the most recent treaty actions on an agreement's page; the rest on request


def agreement_fields() -> list[Field]:
    period_hint = "An ISO 8601 period: P20Y is 20 years, P3M three months, P90D ninety days."
    return [
        Field("title", "Title", required=True, max_length=2000),
        Field("short_title", "Short title"),
        Field(
            "instrument_type",
            "Instrument type",
            "select",
            True,
            choices=enum_choices(InstrumentType, blank=None),
        ),
        Field("form", "Form", "select", True, choices=enum_choices(AgreementForm, blank=None)),
        Field(
            "legal_nature",
            "Legal nature",
            "select",
            True,
            choices=enum_choices(LegalNature, blank=None),
        ),
        Field("region", "Region", "select", True, choices=enum_choices(Region, blank=None)),
        Field(
            "status", "Status", "select", True, choices=enum_choices(AgreementStatus, blank=None)
        ),
        Field(
            "classification",
            "Classification",
            "select",
            True,
            choices=enum_choices(Classification, blank=None),
        ),
        Field("concluded_on", "Signed or concluded on", "date"),
        Field("entered_into_force_on", "Entered into force on", "date"),
        Field(
            "expires_on",
            "Expires on",
            "date",
            hint="The first day it no longer applies. Leave empty if indefinite.",
        ),
        Field("terminated_on", "Terminated on", "date"),
        Field("term", "Fixed term", hint=period_hint + " Leave empty if indefinite."),
        Field("extension_term", "Length of one extension", hint=period_hint),
        Field("extension_options_left", "Extension options left", "number"),
        Field("notice_min_in_force", "Minimum time in force before notice", hint=period_hint),
        Field("notice_period", "Notice period before withdrawal takes effect", hint=period_hint),
        Field("notice_to", "Notice goes to"),
        Field(
            "review_cadence",
            "Review clause",
            "select",
            True,
            choices=enum_choices(ReviewCadence, blank=None),
        ),
        Field(
            "review_interval",
            "Review interval",
            hint="Periodic: the interval from entry into force. On request: the time after "
            "entry into force from which a review may be requested.",
        ),
        Field("depositary", "Depositary"),
        Field("summary", "Summary", "textarea"),
        Field("text_url", "Link to the text", "url"),
        Field(
            "legal_authority",
            "Legal authority relied on",
            "textarea",
            hint="Cited to article and section.",
        ),
        Field(
            "implementing_authority",
            "New implementing authority needed",
            "textarea",
            hint="Legislation or regulations the agreement needs, for the reports to the "
            "legislature. Empty: none.",
        ),
        Field(
            "published_on",
            "Text published on",
            "date",
            hint="When the text was published, e.g. on the foreign ministry's website.",
        ),
        Field("unts_volume", "UNTS volume", "number"),
        Field("unts_page", "UNTS page", "number"),
        Field("un_registration_number", "UN registration number"),
        Field("national_citation", "National citation"),
        Field(
            "parent_id",
            "Amends or supplements",
            "select",
            choices=record_choices(Agreement, lambda a: a.label, order_by=Agreement.reference),
        ),
        Field("source", "Source", "textarea"),
    ]


def treaty_action_fields() -> list[Field]:
    party_choices = record_choices(Party, lambda p: p.name, order_by=Party.name)
    return [
        Field("party_id", "Party", "select", True, choices=party_choices),
        Field("kind", "Action", "select", True, choices=enum_choices(TreatyActionKind)),
        Field("deposited_on", "Deposited or notified on", "date"),
        Field(
            "effective_on",
            "Takes effect on",
            "date",
            True,
            hint="For a signature, the date of signature.",
        ),
        Field(
            "depositary_notification",
            "Depositary notification",
            hint="For example C.N.123.2020.TREATIES-XXVI.1",
        ),
        Field("text", "Text of a reservation, declaration or objection", "textarea"),
        Field("predecessor_id", "Predecessor (for a succession)", "select", choices=party_choices),
        Field("source", "Source", "textarea"),
    ]


def agreement_url(agreement) -> str:
    return url_for("agreements.show", agreement_id=agreement.id)


Crud(
    blueprint,
    "agreement",
    Agreement,
    agreements,
    agreement_fields,
    agreement_url,
    "/agreements",
    index_url=lambda: url_for("agreements.index"),
).register()
Crud(
    blueprint,
    "treaty action",
    TreatyAction,
    treaty_actions,
    treaty_action_fields,
    lambda action: agreement_url(action.agreement),
    "/treaty-actions",
    parent=Parent("agreement_id", Agreement, "/agreements", agreement_url),
).register()


@blueprint.get("/agreements")
@public
def index():
    schema = AgreementListFilters()
    values = load_filters(schema, request.args)
    filters = schema.search(values)
    per_page = values.get("per_page") or DEFAULT_PER_PAGE
    clearance = clearance_of(current_user)
    asked_page = values["page"]
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    authenticated = current_user.is_authenticated

    def listing() -> tuple[int, Markup]:
        rows, total, page, last_page = paginate(
            queries.search_agreements(clearance, filters),
            page=asked_page,
            per_page=per_page,
            reverse_order=queries.agreement_order(filters, reverse=True),
        )
        table = rendered_section(
            "agreements/_table.html",
            agreements=rows,
            page=page,
            last_page=last_page,
            args=args,
            authenticated=authenticated,
        )
        return total, table

    # The page's table, rendered once for every reader of this clearance asking the same.
    asked = (clearance, authenticated, filters, tuple(args.items()), asked_page, per_page)
    total, table = remembered(("agreements", *asked), listing)
    return render_template(
        "agreements/index.html",
        table=table,
        total=total,
        filters=filters,
        args=args,
        per_page=per_page,
        page_title="Agreements",
        enums={
            "instrument_type": InstrumentType,
            "legal_nature": LegalNature,
            "status": AgreementStatus,
            "region": Region,
            "classification": Classification,
        },
        sorts=queries.SORTS,
    )


@blueprint.get("/agreements/<int:agreement_id>")
@public
def show(agreement_id: int):
    agreement = load_visible(Agreement, agreement_id)
    clearance = clearance_of(current_user)
    today = date.today()
    authenticated = current_user.is_authenticated

    def participants_section() -> tuple[Markup, int]:
        participants, action_count = queries.participants_on(agreement.id, today)
        section = rendered_section(
            "agreements/_participants.html",
            participants=participants,
            counts=rules.count_standings({party.id: party.standing for party in participants}),
            today=today,
            authenticated=authenticated,
        )
        return section, action_count

    # Rendered once for every reader: up to some 200 parties, each a link.
    participants, action_count = remembered(
        ("participants", agreement.id, today, authenticated), participants_section
    )
    all_actions = request.args.get("actions") == "all"
    may = {
        "may_edit": can(current_user, Permission.EDIT),
        "may_archive": can(current_user, Permission.ARCHIVE),
    }

    def actions_section() -> Markup:
        # Live actions only: no restore form, whose CSRF token is the reader's own.
        actions = queries.latest_actions(agreement.id, None if all_actions else ACTIONS_SHOWN)
        return rendered_section(
            "agreements/_actions.html",
            agreement=agreement,
            actions=actions,
            action_count=action_count,
            **may,
        )

    actions = remembered(
        ("treaty actions", agreement.id, all_actions, *may.values()), actions_section
    )
    children = queries.children_of(agreement, clearance)
    clocks = clocks_of(agreement, clearance)
    terms = {
        "earliest_notice_on": rules.earliest_notice_on(agreement),
        "withdrawal_if_notice_today": _safe(
            lambda: rules.withdrawal_effective_on(agreement, today)
        ),
        "initial_expiry_on": rules.initial_expiry_on(agreement),
        "latest_possible_expiry_on": rules.latest_possible_expiry_on(agreement),
        "review_requestable_from": rules.review_may_be_requested_from(agreement),
        "in_force_today": rules.is_in_force_on(agreement, today),
    }
    return render_template(
        "agreements/show.html",
        agreement=agreement,
        today=today,
        terms=terms,
        participants=participants,
        actions=actions,
        **may,
        describe_period=describe_period,
        history=history_of(agreement, clearance),
        exit_steps=db.session.scalars(
            visible(select(ExitStep), ExitStep, clearance)
            .where(ExitStep.agreement_id == agreement.id)
            .order_by(ExitStep.closed_on.is_not(None), ExitStep.opened_on.desc())
        ).all(),
        charts=agreement_charts(agreement, clearance),
        deadlines=deadlines_between(
            clearance,
            today - timedelta(days=365),
            today + timedelta(days=5 * 366),
            agreement_id=agreement.id,
        ),
        page_title=agreement.short_title or agreement.title,
        clocks=clocks,
        step_clocks={reading.step_id: reading for reading in clocks if reading.step_id},
        **children,
    )


def status_fields(agreement, *, may_override: bool) -> list[Field]:
    current = agreement.status
    options = [current, *lifecycle.allowed_next(current, agreement.legal_nature)]
    fields = [
        Field(
            "status",
            "New status",
            "select",
            True,
            choices=lambda: [(status.value, status.label) for status in options],
        ),
        Field("reason", "Reason or note", "textarea", hint="Kept in the audit trail."),
    ]
    if may_override:
        fields.append(
            Field(
                "override",
                "Override the authorisation rule (administrators only; give the reason above)",
                "checkbox",
            )
        )
    return fields


@blueprint.route("/agreements/<int:agreement_id>/status", methods=["GET", "POST"])
@requires(Permission.EDIT)
def change_status(agreement_id: int):
    agreement = load_visible(Agreement, agreement_id)
    may_override = can(current_user, Permission.CONFIGURE)
    fields = status_fields(agreement, may_override=may_override)
    values = {"status": agreement.status.value, "reason": "", "override": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {
            "status": request.form.get("status", ""),
            "reason": request.form.get("reason", ""),
            "override": "true" if request.form.get("override") else "",
        }
        try:
            with write_transaction():
                agreements.change_status(
                    current_user,
                    agreement,
                    values["status"],
                    reason=values["reason"] or None,
                    override=bool(values["override"]),
                    expected_version=request.form.get("version", type=int),
                )
        except ValidationFailed as error:
            shown = {field.name for field in fields}
            for name, problems in field_errors(error.messages).items():
                errors.setdefault(name if name in shown else "_schema", []).extend(problems)
        except (Conflict, RuleViolation) as error:
            flash(str(error), "error")
            agreement = load_visible(Agreement, agreement_id)
        else:
            flash(f"The agreement is now {agreement.status.label.lower()}.", "success")
            return redirect(url_for("agreements.show", agreement_id=agreement.id))
    return render_template(
        "agreements/status.html",
        agreement=agreement,
        fields=fields,
        values=values,
        errors=errors,
        consent_problem=consent_problem(agreement),
        page_title=f"Change the status of {agreement.short_title or agreement.title}",
    ), (422 if errors else 200)


def _safe(compute):
    """A computed date, or None where the rule does not apply to this agreement."""
    try:
        return compute()
    except RuleViolation:
        return None


def agreement_charts(agreement, clearance):
    """Target against actual for each quantitative obligation of the agreement."""
    obligations = db.session.scalars(
        visible(select(Obligation), Obligation, clearance)
        .where(Obligation.agreement_id == agreement.id, Obligation.target_value.is_not(None))
        .order_by(Obligation.id)
    ).all()
    if not obligations:
        return []
    measured = db.session.scalars(
        visible(select(Measurement), Measurement, clearance)
        .where(Measurement.obligation_id.in_([o.id for o in obligations]))
        .options(selectinload(Measurement.party))
        .order_by(Measurement.period_start)
    ).all()
    return charts_for(obligations, measured, series_of=lambda m: m.party.short_name or m.party.name)
