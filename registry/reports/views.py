"""The monthly report to the legislature, as a printable page and as CSV and JSON."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from registry.core.access import clearance_of
from registry.core.audit.writer import record
from registry.core.enums import AuditAction
from registry.core.permissions import Permission
from registry.core.transaction import commit_separately
from registry.deadlines.listing import parse_month
from registry.exports.formats import as_rows, plain, write
from registry.reports.queries import COLUMNS, monthly_report
from registry.web.access import requires

blueprint = Blueprint("reports", __name__)


def _report(today: date):
    default = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")  # the prior month
    month = parse_month(request.args.get("month") or default, today)
    return month, monthly_report(month.first, month.last, clearance_of(current_user), today)


@blueprint.get("/reports/legislature")
@requires(Permission.READ)
def legislature():
    today = date.today()
    month, report = _report(today)
    return render_template(
        "reports/legislature.html",
        month=month,
        report=report,
        today=today,
        page_title=f"Report to the legislature, {month.name}",
    )


def _download(fmt: str):
    today = date.today()
    month, report = _report(today)
    rows = [item.row() for item in report.items]
    user = current_user._get_current_object()
    with commit_separately():  # on record before the download is built
        record(
            user,
            AuditAction.EXPORT,
            entity_type="legislature_report",
            changes={"format": fmt, "month": month.key, "rows": len(rows)},
            reason=f"Downloaded the report to the legislature for {month.name} as {fmt.upper()}",
        )
    if fmt == "csv":
        out = io.StringIO()
        write([as_rows(rows, COLUMNS)], COLUMNS, out, "csv")
        body, mimetype = out.getvalue(), "text/csv"
    else:
        document = {
            "month": month.key,
            "from": month.first.isoformat(),
            "to": month.last.isoformat(),
            "generated_on": today.isoformat(),
            "items": [
                {key: plain(value) for key, value in row.items()}
                for row in rows
                if row["section"] == "main"
            ],
            "classified_annex": [
                {key: plain(value) for key, value in row.items()}
                for row in rows
                if row["section"] == "annex"
            ],
        }
        body, mimetype = json.dumps(document, ensure_ascii=False, indent=2), "application/json"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="report-to-legislature-{month.key}.{fmt}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/reports/legislature.csv")
@requires(Permission.READ)
def legislature_csv():
    return _download("csv")


@blueprint.get("/reports/legislature.json")
@requires(Permission.READ)
def legislature_json():
    return _download("json")
