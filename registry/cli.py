"""The `registry` command: Flask's own commands (run, db, shell) plus the registry's.

Each command parses its options, calls the services, and owns the transaction: it commits once
on success and rolls back on any error, which it reports in one line on stderr.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import io
import secrets
import sys
import time
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup, FlaskGroup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from registry.audit.services import SystemActor
from registry.config import ConfigError
from registry.core.dates import InvalidDate, parse_date
from registry.core.db import UTCDateTime, write_transaction
from registry.core.enums import Classification, Role
from registry.core.errors import RegistryError
from registry.extensions import db

EXPORT_ENTITIES = (
    "parties",
    "agreements",
    "treaty_actions",
    "obligations",
    "measurements",
    "oversight_bodies",
    "authorization_rules",
    "authorizations",
    "reviews",
    "deadlines",
    "audit_events",
)
FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
DEMO_ADMIN_EMAIL = "demo-admin@example.org"


def cli_command(function=None, *, writes: bool = True):
    """Run a command in one transaction; turn expected failures into a one-line error."""
    if function is None:
        return functools.partial(cli_command, writes=writes)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            with write_transaction() if writes else contextlib.nullcontext():
                result = function(*args, **kwargs)
                db.session.commit()
            return result
        except RegistryError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from error
        except SQLAlchemyError as error:
            db.session.rollback()
            first_line = str(error.orig if hasattr(error, "orig") else error).splitlines()[0]
            raise click.ClickException(
                f"Database error: {first_line}. Is the database migrated (registry db upgrade)?"
            ) from error

    return wrapper


class Progress:
    """A count on standard error, redrawn at most a few times a second; silent when piped."""

    def __init__(self, label: str, done: str):
        self.label, self.done = label, done
        self.enabled = sys.stderr.isatty()
        self.shown_at = 0.0
        self.count = 0

    def __call__(self, count: int) -> None:
        self.count = count
        if self.enabled and time.monotonic() - self.shown_at >= 0.25:
            self.shown_at = time.monotonic()
            click.echo(f"\r{self.label}: {count} rows", err=True, nl=False)

    def finish(self) -> None:
        if self.enabled:
            click.echo(f"\r{self.label}: {self.count} rows {self.done}.", err=True)


def cli_actor() -> SystemActor:
    return SystemActor(f"cli:{getpass.getuser()}")


class OptionError(click.ClickException):
    """A bad option value, told in one line (click's usage block would add three more)."""

    exit_code = 2


def parse_day(value: str | None, option: str) -> date:
    if value is None:
        return date.today()
    try:
        return parse_date(value)
    except InvalidDate as error:
        raise OptionError(f"{option}: {value!r}: {error}") from error


# --- fixtures ----------------------------------------------------------------------------------

fixtures_group = AppGroup("fixtures", help="Load the real seed data.")


@fixtures_group.command("load")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=FIXTURES_DIR,
    show_default=True,
    help="Folder with parties.json, oversight_bodies.json and agreements/.",
)
@click.option("--today", help="Date from which to schedule next reviews (YYYY-MM-DD).")
@cli_command
def load_fixtures_command(directory: Path, today: str | None):
    """Load the fixtures; a second run changes nothing and says so."""
    from registry.fixtures.loader import load_fixtures

    report = load_fixtures(directory, today=parse_day(today, "--today"))
    click.echo(report.summary())


@click.command("demo")
@click.option("--today", help="Date from which to schedule next reviews (YYYY-MM-DD).")
@cli_command
def demo_command(today: str | None):
    """Load the fixtures into an empty database and create a demo admin, once."""
    from registry.agreements.models import Agreement
    from registry.fixtures.loader import load_fixtures
    from registry.users.models import User
    from registry.users.services import users

    if db.session.scalar(select(Agreement.id).limit(1)) is None:
        click.echo(load_fixtures(FIXTURES_DIR, today=parse_day(today, "--today")).summary())
    else:
        click.echo("Agreements are already recorded: fixtures not loaded.")
    if db.session.scalar(select(User.id).limit(1)) is None:
        password = secrets.token_urlsafe(18)
        admin = users.create(
            cli_actor(),
            {
                "email": DEMO_ADMIN_EMAIL,
                "name": "Demo administrator",
                "role": "admin",
                "clearance": "secret",
            },
            password=password,
        )
        click.echo(
            f"Demo sign-in: {admin.email} / {password}\n"
            "This password is shown once and stored only as a hash; write it down now."
        )


@click.command("remind")
@click.option("--today", help="Run as of this date (YYYY-MM-DD); default: today.")
@click.option("--dry-run", is_flag=True, help="Print what would go to whom; send nothing.")
@cli_command(writes=False)
def remind_command(today: str | None, dry_run: bool):
    """Email each responsible person one digest of the reminders due; run daily from cron."""
    from flask import current_app

    from registry.deadlines.reminders import MailSettings, ReminderPolicy, run

    config = current_app.config
    policy = ReminderPolicy(
        lead_days=config["REMINDER_LEAD_DAYS"],
        overdue_every_days=config["REMINDER_OVERDUE_EVERY_DAYS"],
        escalate_after_days=config["REMINDER_ESCALATE_AFTER_DAYS"],
    )
    mail = MailSettings(
        server=config["MAIL_SERVER"],
        port=config["MAIL_PORT"],
        sender=config["MAIL_SENDER"],
        security=config["MAIL_SECURITY"],
        username=config["MAIL_USERNAME"],
        password=config["MAIL_PASSWORD"],
    )
    summary = run(
        parse_day(today, "--today"),
        policy,
        mail,
        base_url=config["BASE_URL"],
        dry_run=dry_run,
        echo=click.echo,
    )
    click.echo(("Dry run. " if dry_run else "") + summary.line())
    if summary.failed:
        raise click.ClickException(
            f"{summary.failed} reminders could not be sent and will be retried on the next run. "
            f"First error: {summary.errors[0]}"
        )


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

    from registry.audit.services import record
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
        db.session.commit()
    click.echo(f"Backup written to {output} ({output.stat().st_size} bytes, integrity ok).")


export_clearance = click.option(
    "--clearance",
    type=click.Choice(Classification.values()),
    default="public",
    show_default=True,
    help="Export only what this clearance may see.",
)


@click.command("export")
@click.argument("entity", type=click.Choice(sorted(EXPORT_ENTITIES)))
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
    from registry.audit.services import record
    from registry.core.enums import AuditAction
    from registry.exports.formats import write
    from registry.exports.tables import (
        DEADLINE_COLUMNS,
        deadline_rows,
        export_table,
        stream_batches,
    )

    since_day = parse_day(since, "--since") if since else None
    until_day = parse_day(until, "--until") if until else None
    progress = Progress(entity, "written")
    if entity == "deadlines":  # derived, not stored: --since/--until bound the due dates
        columns = DEADLINE_COLUMNS
        batches = deadline_rows(
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
        db.session.commit()


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
    from registry.audit.services import record
    from registry.core.enums import AuditAction
    from registry.exports.bundle import build_bundle

    if output.exists():
        raise click.ClickException(f"{output} exists already; choose a new file name.")
    if not output.parent.is_dir():
        raise click.ClickException(f"The folder {output.parent} does not exist.")
    # Recorded first, so that the bundle's audit trail ends with its own export.
    with write_transaction():
        record(
            cli_actor(),
            AuditAction.EXPORT,
            entity_type="bundle",
            changes={"clearance": [None, clearance]},
            reason=f"Export bundle written to {output.name} (clearance {clearance})",
        )
        db.session.commit()
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
        db.session.rollback()
        for problem in report.problems:
            click.echo(problem.line(), err=True)
        rows = len({problem.row for problem in report.problems})
        raise click.ClickException(
            f"{len(report.problems)} problem(s) in {rows} of {report.rows} rows; "
            "nothing was imported."
        )
    if dry_run:
        db.session.rollback()
        verbs = {"created": "would be created", "updated": "would be updated"}
        for number, outcome, label in report.outcomes:
            click.echo(f"row {number}: {verbs.get(outcome, 'unchanged')}: {label}")
        click.echo(f"Dry run, nothing written. {report.summary()}.")
        return
    click.echo(f"Imported {report.summary()}.")


# --- users -------------------------------------------------------------------------------------

users_group = AppGroup("users", help="Manage the people who sign in.")


def read_new_password() -> str:
    """Ask twice without echo; from a pipe, read two lines instead."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    first, second = sys.stdin.readline().rstrip("\r\n"), sys.stdin.readline().rstrip("\r\n")
    if not first:
        raise click.ClickException("No password given on standard input (two lines expected).")
    if first != second:
        raise click.ClickException("The two passwords do not match.")
    return first


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(Role.values()))
@click.option(
    "--clearance", default=Classification.PUBLIC.value, type=click.Choice(Classification.values())
)
@cli_command
def create_user_command(email: str, name: str, role: str, clearance: str):
    """Create a user; the password is asked for twice and never taken from the command line."""
    from registry.users.services import users

    password = read_new_password()
    user = users.create(
        cli_actor(),
        {"email": email, "name": name, "role": role, "clearance": clearance},
        password=password,
    )
    click.echo(f"Created {user.role.value} {user.email} (clearance {user.clearance.value}).")


# --- reviews -----------------------------------------------------------------------------------

reviews_group = AppGroup("reviews", help="Keep the periodic reviews scheduled.")


@reviews_group.command("schedule")
@click.option("--today", help="Date from which to schedule (YYYY-MM-DD); default today.")
@cli_command
def schedule_reviews_command(today: str | None):
    """Give every agreement with a periodic review clause its next review, if it has none."""
    from registry.agreements.models import Agreement
    from registry.core.enums import ReviewCadence
    from registry.reviews.services import reviews

    day = parse_day(today, "--today")
    actor = cli_actor()
    periodic = db.session.scalars(
        select(Agreement)
        .where(
            Agreement.archived_at.is_(None),
            Agreement.review_cadence == ReviewCadence.PERIODIC,
        )
        .order_by(Agreement.id)
    ).all()
    scheduled = 0
    for agreement in periodic:
        if reviews.open_periodic_review(agreement) is None:
            review = reviews.schedule_next(actor, agreement, today=day)
            if review is not None:
                scheduled += 1
                click.echo(f"{agreement.reference}: next review due {review.due_on}")
    click.echo(
        f"{scheduled} review(s) scheduled; {len(periodic) - scheduled} periodic agreement(s) "
        "already had one or have no date yet."
    )


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
    from registry.audit.chain import verify_chain
    from registry.audit.models import AuditEvent

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


def register(app) -> None:
    app.cli.add_command(fixtures_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(remind_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(export_command)
    app.cli.add_command(export_bundle_command)
    app.cli.add_command(import_command)
    app.cli.add_command(users_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(reviews_group)


class RegistryGroup(FlaskGroup):
    def main(self, *args, **kwargs):
        try:
            return super().main(*args, **kwargs)
        except ConfigError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)


def _create_app():
    from registry import create_app

    return create_app()


cli = RegistryGroup(create_app=_create_app, help="The treaty and commitment registry.")
