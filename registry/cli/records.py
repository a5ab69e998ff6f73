"""Commands that keep the records: seed data, reminders, users and review schedules."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from registry.cli.common import FIXTURES_DIR, cli_actor, cli_command, parse_day
from registry.core.enums import Classification, Role
from registry.extensions import db

DEMO_ADMIN_EMAIL = "demo-admin@example.org"

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
