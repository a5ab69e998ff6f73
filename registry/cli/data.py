"""Commands that move data in and out: backups, exports, the bundle, imports, audit checks."""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from registry.cli.common import Progress, cli_actor, cli_command, parse_day
from registry.core.db import UTCDateTime, write_transaction
from registry.core.enums import Classification
from registry.core.transaction import commit_separately, discard
from registry.extensions import db


class ExportName(click.Choice):
    """The name of an export, checked against the descriptions when the command runs.

    The entities are described as the app is made, after this module is imported, and a
    description added later (a new feature, a test) is exported without a change here.
    """

    def __init__(self) -> None:
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:
        from registry.exports.tables import export_names

        return tuple(sorted(export_names()))


@click.command("backup")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write the copy to; it must not exist yet.",
)
@cli_command(writes=False)
def backup_command(output: Path):
    """Copy a live SQLite database consistently (PostgreSQL: use pg_dump, see the README)."""
    import sqlite3

    from registry.core.audit.writer import record
    from registry.core.enums import AuditAction

    engine = db.engine
    if engine.dialect.name != "sqlite":
        raise click.ClickException(
            "registry backup copies SQLite databases; for PostgreSQL use pg_dump "
            "(see the README's Backups section)."
        )
    if output.exists():
        raise click.ClickException(f"{output} exists already; choose a new file name.")
    if not output.parent.is_dir():
        raise click.ClickException(f"The folder {output.parent} does not exist.")
    source = engine.raw_connection()
    try:
        target = sqlite3.connect(output)
        try:
            # The online backup API copies page by page while others keep reading and writing.
            source.driver_connection.backup(target)
            check = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
    finally:
        source.close()
    if check != "ok":
        output.unlink(missing_ok=True)
        raise click.ClickException(f"The copy failed its integrity check ({check}); removed it.")
    with write_transaction():
        record(
            cli_actor(),
            AuditAction.EXPORT,
            entity_type="backup",
            reason=f"Backup written to {output}",
        )
    click.echo(f"Backup written to {output} ({output.stat().st_size} bytes, integrity ok).")


export_clearance = click.option(
    "--clearance",
    type=click.Choice(Classification.values()),
    default="public",
    show_default=True,
    help="Export only what this clearance may see.",
)


@click.command("export")
@click.argument("entity", type=ExportName())
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="csv", show_default=True
)
@click.option("--since", help="Only records created (events: that occurred) on or after this date.")
@click.option("--until", help="Only records created before this date.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write; standard output by default.",
)
@export_clearance
@cli_command(writes=False)
def export_command(entity, fmt, since, until, output, clearance):
    """Stream one entity as CSV, JSON or JSON Lines; the export is an audit event."""
    from registry.core.audit.writer import record
    from registry.core.enums import AuditAction
    from registry.exports.formats import write
    from registry.exports.tables import DERIVED, export_table, stream_batches

    since_day = parse_day(since, "--since") if since else None
    until_day = parse_day(until, "--until") if until else None
    progress = Progress(entity, "written")
    derived = DERIVED.get(entity)
    if derived is not None:  # worked out, not stored: --since/--until bound its dates
        columns = derived.columns
        batches = derived.rows(
            Classification(clearance), today=date.today(), since=since_day, until=until_day
        )
    else:
        table = export_table(entity, Classification(clearance))
        columns = table.columns
        batches = stream_batches(table, since=since_day, until=until_day)
    if output is None:
        # UTF-8 and untranslated line ends whatever the terminal's locale says.
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        count = write(batches, columns, stream, fmt, progress)
        stream.flush()
        stream.detach()
    else:
        with output.open("w", encoding="utf-8", newline="") as stream:
            count = write(batches, columns, stream, fmt, progress)
    progress.finish()
    filters = {"since": since, "until": until, "clearance": clearance, "format": fmt}
    with write_transaction():
        record(
            cli_actor(),
            AuditAction.EXPORT,
            entity_type=entity,
            changes={"rows": [None, count]},
            reason=f"Export of {entity}: "
            + ", ".join(f"{key}={value}" for key, value in filters.items() if value),
        )


@click.command("export-bundle")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="ZIP file to write; it must not exist yet.",
)
@export_clearance
@cli_command(writes=False)
def export_bundle_command(output: Path, clearance: str):
    """Write every entity as CSV with a data package, checksums and the audit chain's head."""
    from registry.core.audit.writer import record
    from registry.core.enums import AuditAction
    from registry.exports.bundle import build_bundle

    if output.exists():
        raise click.ClickException(f"{output} exists already; choose a new file name.")
    if not output.parent.is_dir():
        raise click.ClickException(f"The folder {output.parent} does not exist.")
    # Recorded first, so that the bundle's audit trail ends with its own export, and committed
    # at once: building the bundle takes a while, and must not hold the write lock meanwhile.
    with commit_separately():
        record(
            cli_actor(),
            AuditAction.EXPORT,
            entity_type="bundle",
            changes={"clearance": [None, clearance]},
            reason=f"Export bundle written to {output.name} (clearance {clearance})",
        )
    try:
        with output.open("xb") as target:
            summary = build_bundle(target, Classification(clearance), today=date.today())
    except BaseException:
        output.unlink(missing_ok=True)
        raise
    rows = sum(summary.rows.values())
    click.echo(
        f"Bundle written to {output}: {rows} rows in {len(summary.rows)} files; "
        f"audit head {summary.head_id} {summary.head_hash}."
    )


@click.command("import")
@click.argument("entity")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "jsonl"]),
    help="Default: from the file name's extension.",
)
@click.option("--dry-run", is_flag=True, help="Check every row and say what would change.")
@cli_command
def import_command(entity: str, file: Path, fmt: str | None, dry_run: bool):
    """Import a file in an export format: every row is checked, then all are written or none."""
    from registry.exports.importing import (
        IMPORT_MAX_BYTES,
        ImportFileError,
        format_of,
        import_file,
    )

    fmt = format_of(file.name, fmt)
    size = file.stat().st_size
    if size > IMPORT_MAX_BYTES:
        raise ImportFileError(
            f"The file is {size:,} bytes; imports take at most {IMPORT_MAX_BYTES:,} bytes. "
            "Split it into smaller files."
        )
    progress = Progress(f"{entity} import", "checked")
    report = import_file(
        entity,
        file.read_bytes(),
        fmt,
        cli_actor(),
        Classification.SECRET,
        source=file.name,
        on_row=progress,
    )
    progress.finish()
    if not report.ok:
        for problem in report.problems:
            click.echo(problem.line(), err=True)
        rows = len({problem.row for problem in report.problems})
        raise click.ClickException(
            f"{len(report.problems)} problem(s) in {rows} of {report.rows} rows; "
            "nothing was imported."
        )
    if dry_run:
        discard()
        verbs = {"created": "would be created", "updated": "would be updated"}
        for number, outcome, label in report.outcomes:
            click.echo(f"row {number}: {verbs.get(outcome, 'unchanged')}: {label}")
        click.echo(f"Dry run, nothing written. {report.summary()}.")
        return
    click.echo(f"Imported {report.summary()}.")


# --- audit -------------------------------------------------------------------------------------

audit_group = AppGroup("audit", help="Check the tamper-evident audit trail.")


@audit_group.command("verify")
@click.option(
    "--bundle",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Check an export bundle offline instead of the database.",
)
@cli_command(writes=False)
def verify_audit_command(bundle: Path | None):
    """Walk the hash chain; exit 1 naming the first broken event."""
    from registry.core.audit.chain import verify_chain
    from registry.core.audit.models import AuditEvent

    if bundle is not None:
        from registry.exports.bundle import BundleError, verify_bundle

        try:
            check = verify_bundle(str(bundle))
        except BundleError as error:
            raise click.ClickException(f"{bundle.name}: {error}") from error
        scope = "complete chain" if check.complete else "events within the bundle's clearance"
        click.echo(
            f"Bundle intact: {check.files} files match their checksums; {check.events} audit "
            f"events ({scope}) verified; head {check.head_id} {check.head_hash}."
        )
        return

    rows = db.session.execute(
        select(AuditEvent.__table__).order_by(AuditEvent.id).execution_options(yield_per=1000)
    ).mappings()
    report = verify_chain(_as_hashed(row) for row in rows)
    if not report.ok:
        raise click.ClickException(
            f"Audit chain broken at event {report.broken_event_id}: {report.problem}. "
            f"{report.checked} events before it are intact."
        )
    click.echo(f"Audit chain intact: {report.checked} events, head {report.head_hash}.")


def _as_hashed(row) -> dict:
    event = dict(row)
    # Core rows bypass the ORM type: give SQLite's naive timestamps back their UTC zone.
    event["occurred_at"] = UTCDateTime().process_result_value(event["occurred_at"], None)
    return event
