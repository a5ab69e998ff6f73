"""The `registry` command: Flask's own commands (run, db, shell) plus the registry's.

Each command parses its options, calls the services, and owns the transaction: it commits once
on success and rolls back on any error, which it reports in one line on stderr
(`registry.cli.common.cli_command`). The commands live by what they do: `records` keeps the
records (fixtures, demo, remind, users, reviews), `data` moves data in and out (backup,
export, export-bundle, import, audit verify).
"""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup

from registry.cli.common import FIXTURES_DIR
from registry.config import ConfigError

__all__ = ["FIXTURES_DIR", "cli", "register"]


def register(app) -> None:
    from registry.cli import data, records

    app.cli.add_command(records.fixtures_group)
    app.cli.add_command(records.demo_command)
    app.cli.add_command(records.remind_command)
    app.cli.add_command(data.backup_command)
    app.cli.add_command(data.export_command)
    app.cli.add_command(data.export_bundle_command)
    app.cli.add_command(data.import_command)
    app.cli.add_command(records.users_group)
    app.cli.add_command(data.audit_group)
    app.cli.add_command(records.reviews_group)


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
