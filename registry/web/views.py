"""The public home page and the health check; the staff interface builds on these."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.agreements.queries import page_of_agreements
from registry.core.enums import Classification
from registry.extensions import db

blueprint = Blueprint("web", __name__)

PER_PAGE = 50


@blueprint.get("/healthz")
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
def home():
    requested = request.args.get("page", 1, type=int) or 1
    agreements, total, page = page_of_agreements(
        Classification.PUBLIC, page=requested, per_page=PER_PAGE
    )
    last_page = max(1, -(-total // PER_PAGE))
    return render_template(
        "home.html", agreements=agreements, total=total, page=page, last_page=last_page
    )
