"""Downloads of the lists (CSV, JSON, JSON Lines), the export bundle, and the import page.

A download follows the list's filters (every matching row, not one page), stays within the
reader's clearance, and is recorded in the audit trail before its first byte leaves, with the
filters and the number of rows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import tempfile
from datetime import date

from flask import (
    Blueprint,
    Response,
    render_template,
    request,
    stream_with_context,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from registry.audit.queries import visible_events
from registry.core.access import clearance_of
from registry.core.audit.writer import record
from registry.core.db import write_transaction
from registry.core.entities import entity
from registry.core.enums import AuditAction
from registry.core.errors import RegistryError
from registry.core.filters import load_filters
from registry.core.permissions import Permission
from registry.core.transaction import commit_separately, discard
from registry.deadlines.filters import DeadlineListFilters
from registry.exports.formats import FORMATS, MEDIA_TYPES, chunks
from registry.exports.importing import format_of, import_file, importable
from registry.exports.tables import (
    DEADLINE_COLUMNS,
    count_rows,
    deadline_records,
    export_table,
    stream_batches,
)
from registry.web.access import requires

blueprint = Blueprint("exports", __name__)

WEB_IMPORT_MAX_BYTES = 1024 * 1024  # uploads stay well under the app's request size limit


def _route(path: str, endpoint: str):
    """Register a view at `path.csv`, `path.json` and `path.jsonl`."""

    def decorate(view):
        for fmt in FORMATS:
            blueprint.add_url_rule(f"{path}.{fmt}", endpoint, view, defaults={"fmt": fmt})
        return view

    return decorate


def _download(entity: str, fmt: str, columns, batches, count: int, filters: dict) -> Response:
    user = current_user._get_current_object()
    with commit_separately():  # on record before the first byte
        changes = {"format": [None, fmt], "rows": [None, count]}
        changes.update({key: [None, value] for key, value in filters.items() if value})
        record(
            user,
            AuditAction.EXPORT,
            entity_type=entity,
            changes=changes,
            reason=f"Downloaded {entity} as {fmt.upper()} ({count} rows)",
        )
    response = Response(
        stream_with_context(chunks(batches(), columns, fmt)), content_type=MEDIA_TYPES[fmt]
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{entity}-{date.today().isoformat()}.{fmt}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _table_download(entity: str, fmt: str, only, filters: dict) -> Response:
    table = export_table(entity, clearance_of(current_user), only=only)
    return _download(
        entity, fmt, table.columns, lambda: stream_batches(table), count_rows(table), filters
    )


def _list_download(name: str, fmt: str) -> Response:
    """Every row of a described list that its query string asks for, as the list reads it."""
    described = entity(name)
    filters = described.filters()
    values = load_filters(filters, request.args)
    only = filters.query(clearance_of(current_user), values)
    shown = {
        key: value
        for key, value in request.args.items()
        if key not in ("page", "per_page", "sort", "order", "direction") and value
    }
    return _table_download(name, fmt, only, shown)


@_route("/agreements/export", "agreements")
@requires(Permission.EXPORT)
def agreements(fmt: str):
    return _list_download("agreements", fmt)


@_route("/parties/export", "parties")
@requires(Permission.EXPORT)
def parties(fmt: str):
    return _list_download("parties", fmt)


@_route("/oversight-bodies/export", "oversight_bodies")
@requires(Permission.EXPORT)
def oversight_bodies(fmt: str):
    return _list_download("oversight_bodies", fmt)


@_route("/audit/export", "audit_events")
@requires(Permission.EXPORT)
def audit_events(fmt: str):
    from registry.core.permissions import can

    if not can(current_user, Permission.AUDIT):  # the trail itself needs both permissions
        from registry.web.access import refuse

        refuse(f"GET {request.path} needs permission {Permission.AUDIT.value}")
    filters = entity("audit_events").filters()
    values = load_filters(filters, request.args)
    only = filters.matching(visible_events(clearance_of(current_user)), values)
    return _table_download("audit_events", fmt, only, filters.shown(values))


@_route("/deadlines/export", "deadlines")
@requires(Permission.EXPORT)
def deadlines(fmt: str):
    from registry.deadlines import listing

    today = date.today()
    values = load_filters(DeadlineListFilters, request.args)
    result = listing.run_search(
        clearance_of(current_user), values, reader_id=current_user.id, today=today
    )
    found = result.found.first()
    batches = deadline_records(found, today=today)  # names are looked up now, not streaming
    return _download(
        "deadlines", fmt, DEADLINE_COLUMNS, lambda: batches, len(found), result.search.args()
    )


@blueprint.get("/exports/bundle.zip")
@requires(Permission.EXPORT)
def bundle():
    from registry.exports.bundle import build_bundle

    user = current_user._get_current_object()
    clearance = clearance_of(user)
    with commit_separately():
        # Recorded first, so that the bundle's audit trail ends with its own download.
        record(
            user,
            AuditAction.EXPORT,
            entity_type="bundle",
            changes={"clearance": [None, clearance.value]},
            reason=f"Downloaded the export bundle (clearance {clearance.value})",
        )
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    build_bundle(spool, clearance, today=date.today())
    spool.seek(0)

    def stream():
        with spool:
            while block := spool.read(64 * 1024):
                yield block

    response = Response(stream(), mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="registry-bundle-{date.today().isoformat()}.zip"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- imports ----------------------------------------------------------------------------------


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(error):
    message = (
        f"The file is larger than the {_size(WEB_IMPORT_MAX_BYTES)} an upload may be. "
        "Split it into smaller files, or import it with the registry import command."
    )
    return _import_page(file_error=message), 413


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):g} MiB"
    return f"{count / 1024:g} KiB" if count >= 1024 else f"{count} bytes"


def _import_page(**context):
    return render_template(
        "exports/import.html",
        entities=importable(),
        formats=FORMATS,
        limit=_size(WEB_IMPORT_MAX_BYTES),
        page_title="Import records",
        chosen=context.pop("chosen", {}),
        **context,
    )


@blueprint.route("/imports", methods=["GET", "POST"])
@requires(Permission.EDIT)
def imports():
    if request.method == "GET":
        return _import_page()
    chosen = {
        "entity": request.form.get("entity", ""),
        "format": request.form.get("format", ""),
    }
    if chosen["entity"] not in importable():
        return _import_page(chosen=chosen, file_error="Choose what the file holds."), 422
    upload = request.files.get("file")
    content = request.form.get("content", "")
    if upload is not None and upload.filename:
        filename = upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]
        data = upload.read(WEB_IMPORT_MAX_BYTES + 1)
    elif content:
        filename = request.form.get("filename", "upload")[:200]
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            return _import_page(chosen=chosen, file_error="The file did not arrive intact."), 400
    else:
        return _import_page(chosen=chosen, file_error="Choose a file to import."), 422
    if len(data) > WEB_IMPORT_MAX_BYTES:
        return too_large(None)
    preview = request.form.get("action") != "import"
    user = current_user._get_current_object()
    try:
        fmt = format_of(filename, chosen["format"] or None)
        with write_transaction():
            report = import_file(
                chosen["entity"], data, fmt, user, clearance_of(user), source=filename
            )
            if preview or not report.ok:
                discard()  # checked and shown, not kept
    except RegistryError as error:
        return _import_page(chosen=chosen, file_error=str(error), filename=filename), 422
    return _import_page(
        chosen={**chosen, "format": fmt},
        report=report,
        preview=preview,
        filename=filename,
        content=base64.b64encode(data).decode("ascii") if preview and report.ok else "",
        digest=hashlib.sha256(data).hexdigest(),
    ), (200 if report.ok else 422)
