"""What every `registry` command shares: its transaction, its errors, its actor, its dates.

Each command parses its options and calls the services in one unit of work
(registry/core/transaction.py): it commits once on success and rolls back on any error, which
it reports in one line on stderr.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import sys
import time
from datetime import date
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from registry.core.audit.writer import SystemActor
from registry.core.dates import InvalidDate, parse_date
from registry.core.db import write_transaction
from registry.core.errors import RegistryError
from registry.core.transaction import unit_of_work

FIXTURES_DIR = Path(__file__).resolve().parent.parent.parent / "fixtures"


def cli_command(function=None, *, writes: bool = True):
    """Run a command in one transaction; turn expected failures into a one-line error."""
    if function is None:
        return functools.partial(cli_command, writes=writes)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            with unit_of_work(), write_transaction() if writes else contextlib.nullcontext():
                return function(*args, **kwargs)
        except RegistryError as error:
            raise click.ClickException(str(error)) from error
        except SQLAlchemyError as error:
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
