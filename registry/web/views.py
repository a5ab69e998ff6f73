"""The home page, the signed-in dashboard and the health check."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from registry.agreements import views as agreement_views
from registry.agreements.models import Agreement
from registry.core.access import clearance_of, visible
from registry.core.audit.models import AuditEvent
from registry.core.cache import remembered
from registry.core.permissions import Permission
from registry.deadlines.queries import COUNT_CAP, DeadlineQuery
from registry.extensions import db
from registry.web.access import public, requires

blueprint = Blueprint("web", __name__)

UPCOMING_DAYS = 90
OVERDUE_DAYS = 365
SHOWN = 25  # of each list: the dashboard points to the deadline list for the rest


@blueprint.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        database = "unreachable"
    healthy = database == "ok"
    return jsonify(status="ok" if healthy else "degraded", database=database), (
        200 if healthy else 503
    )


@blueprint.get("/")
@public
def home():
    return agreement_views.index()


@blueprint.get("/dashboard")
@requires(Permission.READ)
def dashboard():
    clearance = clearance_of(current_user)
    today = date.today()
    yesterday, horizon = today - timedelta(days=1), today + timedelta(days=UPCOMING_DAYS)
    overdue = DeadlineQuery(clearance, today - timedelta(days=OVERDUE_DAYS), yesterday, today=today)
    upcoming = DeadlineQuery(clearance, today, horizon, today=today)
    counts = remembered(("agreements by status", clearance), lambda: _counts_by_status(clearance))
    recent = remembered(("recent changes", clearance), lambda: _recent_changes(clearance))
    return render_template(
        "web/dashboard.html",
        today=today,
        overdue=overdue.first(SHOWN),
        overdue_count=overdue.count(cap=COUNT_CAP),
        upcoming=upcoming.first(SHOWN),
        upcoming_count=upcoming.count(cap=COUNT_CAP),
        count_cap=COUNT_CAP,
        overdue_args={"to": yesterday.isoformat()},
        upcoming_args={"from": today.isoformat(), "to": horizon.isoformat()},
        counts=counts,
        recent=recent,
        mine=current_user.id,
        upcoming_days=UPCOMING_DAYS,
        page_title="Dashboard",
    )


def _counts_by_status(clearance) -> tuple:
    return tuple(
        db.session.execute(
            visible(select(Agreement.status, func.count()), Agreement, clearance)
            .group_by(Agreement.status)
            .order_by(Agreement.status)
        )
    )


def _recent_changes(clearance, shown: int = 10) -> tuple:
    return tuple(
        db.session.execute(
            select(
                AuditEvent.occurred_at,
                AuditEvent.actor_label,
                AuditEvent.action,
                AuditEvent.entity_id,
                AuditEvent.entity_label,
            )
            .where(
                AuditEvent.entity_type == Agreement.__tablename__,
                # EXISTS, probed event by event from the newest: an IN list of every visible
                # agreement would be built in full before the first event is read.
                visible(select(Agreement.id), Agreement, clearance)
                .where(Agreement.id == AuditEvent.entity_id)
                .exists(),
            )
            .order_by(AuditEvent.id.desc())
            .limit(shown)
        )
    )
