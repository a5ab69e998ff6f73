"""Deadline pages: the filtered list, its CSV, the month calendar and the calendar feeds."""

from __future__ import annotations

from datetime import date
from math import ceil
from urllib.parse import urlsplit, urlunsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from registry.core.access import clearance_of
from registry.core.audit.writer import record
from registry.core.db import utcnow, write_transaction
from registry.core.entities import entity
from registry.core.enums import AuditAction
from registry.core.errors import RuleViolation
from registry.core.filters import load_filters
from registry.core.permissions import Permission
from registry.core.transaction import commit_separately
from registry.deadlines import feeds, listing
from registry.deadlines.filters import DeadlineListFilters
from registry.deadlines.queries import COUNT_CAP
from registry.extensions import db
from registry.web.access import public, requires, signed_in

blueprint = Blueprint("deadlines", __name__)

PER_PAGE = 100


def _search(today: date, month: listing.Month | None = None, asked=None) -> listing.SearchResult:
    return listing.run_search(
        clearance_of(current_user),
        _asked() if asked is None else asked,
        reader_id=current_user.id,
        today=today,
        month=month,
    )


def _asked() -> dict:
    """The query string as the deadline list reads it everywhere; 400 if it refuses it."""
    return load_filters(DeadlineListFilters, request.args)


def _without_window(args: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in args.items() if key not in ("from", "to")}


@blueprint.get("/deadlines")
@requires(Permission.READ)
def index():
    today = date.today()
    asked = _asked()
    result = _search(today, asked=asked)
    found = result.found
    per_page = asked.get("per_page") or PER_PAGE
    total = found.count(cap=COUNT_CAP)
    last_page = ceil(total / per_page) if total < COUNT_CAP else None  # None: not counted
    page = asked["page"]
    if last_page is not None:
        page = min(page, max(last_page, 1))
    shown = found.first(page * per_page + 1)  # one more, to know whether a next page exists
    kept = {"per_page": str(asked["per_page"])} if asked.get("per_page") else {}
    return render_template(
        "deadlines/index.html",
        deadlines=shown[(page - 1) * per_page : page * per_page],
        total=total,
        counted_all=total < COUNT_CAP,
        overdue=found.count_overdue(cap=COUNT_CAP),
        page=page,
        last_page=last_page,
        more=len(shown) > page * per_page,
        search=result.search,
        args={**result.search.args(), **kept},
        month_args=_without_window(result.search.args()),
        choices=result.choices,
        kinds=listing.KIND_OPTIONS,
        today=today,
        status_of=listing.status_of,
        mine=current_user.id,
        page_title="Deadlines",
    )


@blueprint.get("/deadlines.csv")
@requires(Permission.READ)
def export_csv():
    today = date.today()
    result = _search(today)
    deadlines = result.found.first()
    lines = listing.csv_lines(deadlines, today)  # names are looked up now, not later
    user = current_user._get_current_object()
    with commit_separately():  # on record before the download is sent
        record(
            user,
            AuditAction.EXPORT,
            entity_type="deadlines",
            changes={"format": "csv", "rows": len(deadlines), **result.search.args()},
            reason="Downloaded the deadline list as CSV",
        )
    response = Response(lines, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="deadlines-{today}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/deadlines/calendar")
@requires(Permission.READ)
def month():
    today = date.today()
    asked = _asked()
    shown = listing.parse_month(asked.get("month"), today)
    result = _search(today, shown, asked)
    deadlines = result.found.first()
    return render_template(
        "deadlines/calendar.html",
        month=shown,
        weeks=listing.month_grid(shown, deadlines),
        weekdays=listing.WEEKDAYS,
        total=len(deadlines),
        search=result.search,
        args=_without_window(result.search.args()),
        choices=result.choices,
        kinds=listing.KIND_OPTIONS,
        today=today,
        page_title=f"Deadlines in {shown.name}",
    )


# --- calendar feeds ---------------------------------------------------------------------------


def feed_url(feed) -> str:
    """The feed's full address, for calendar apps (built on REGISTRY_BASE_URL)."""
    token = feeds.feed_token(feed, current_app.config["SECRET_KEY"])
    path = url_for("deadlines.feed", feed=feed.id, token=token)
    return current_app.config["BASE_URL"].rstrip("/") + path


def webcal_url(url: str) -> str:
    """The same address under webcal:, which opens the subscription in a calendar app."""
    return urlunsplit(("webcal", *urlsplit(url)[1:]))


@blueprint.route("/account/calendar", methods=["GET", "POST"])
@signed_in
def account_calendar():
    user = current_user._get_current_object()
    if request.method == "POST":
        action = request.form.get("action", "")
        if action not in ("create", "revoke"):
            abort(400)
        try:
            with write_transaction():
                if action == "create":
                    feeds.create_feed(user)
                    message = "Your calendar feed is ready: copy its address into your calendar."
                else:
                    feed = feeds.active_feed(user)
                    if feed is None:
                        raise RuleViolation("You have no active calendar feed to revoke.")
                    feeds.revoke_feed(user, feed)
                    message = (
                        "Your calendar feed was revoked. Its address no longer works; calendar "
                        "apps subscribed to it will stop showing registry deadlines."
                    )
        except RuleViolation as error:
            flash(str(error), "error")
        else:
            flash(message, "success")
        return redirect(url_for("deadlines.account_calendar"))
    feed = feeds.active_feed(user)
    url = feed_url(feed) if feed is not None else None
    return render_template(
        "deadlines/account_calendar.html",
        feed=feed,
        feed_url=url,
        webcal_url=webcal_url(url) if url else None,
        look_back_days=feeds.LOOK_BACK.days,
        look_ahead_days=feeds.LOOK_AHEAD.days,
        page_title="Your calendar feed",
    )


@blueprint.get("/calendar.ics")
@public
def feed():
    """A user's deadlines for calendar apps: the id and token in the address are the key."""
    found = feeds.find_feed(
        request.args.get("feed", type=int),
        request.args.get("token", ""),
        secret_key=current_app.config["SECRET_KEY"],
    )
    if found is None:
        abort(404)
    owner = db.session.get(entity("users").model, found.user_id)
    today = date.today()
    body = feeds.build_calendar(
        feeds.feed_deadlines(owner, today), base_url=current_app.config["BASE_URL"], now=utcnow()
    )
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
