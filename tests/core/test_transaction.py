"""The unit of work shared by requests and commands, and what may be committed on its own."""

from __future__ import annotations

import click
import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from registry.cli.common import cli_command
from registry.core.db import write_transaction
from registry.core.errors import RuleViolation
from registry.core.transaction import commit_separately, discard, unit_of_work
from registry.extensions import db
from registry.parties.models import Party

from support import ACTOR


def stored_names() -> set[str]:
    """The party names a fresh session reads: only what was committed."""
    with Session(db.engine) as fresh:
        return set(fresh.scalars(select(Party.name)))


def test_a_unit_of_work_commits_what_its_block_changed(app, make_party):
    with unit_of_work(), write_transaction():
        make_party(name="Kept")
    assert stored_names() == {"Kept"}


def test_a_unit_of_work_rolls_back_on_any_exception(app, make_party):
    with pytest.raises(KeyError), unit_of_work():
        make_party(name="Lost")
        raise KeyError("anything")
    assert stored_names() == set()
    assert db.session.scalars(select(Party)).all() == []


def test_a_second_change_keeps_the_first_one_already_written(app, make_party):
    with unit_of_work():
        with write_transaction():
            make_party(name="First")
        with write_transaction():
            make_party(name="Second")
    assert stored_names() == {"First", "Second"}


def test_a_second_change_keeps_rows_inserted_in_bulk_before_it(app, make_party):
    with unit_of_work():
        with write_transaction():
            table = Party.__table__
            db.session.connection().execute(insert(table).values(name="Bulk", kind="state"))
        with write_transaction():
            make_party(name="Second")
    assert stored_names() == {"Bulk", "Second"}


def test_a_change_that_fails_is_rolled_back_at_once(app, make_party):
    with pytest.raises(RuleViolation), write_transaction():
        make_party(name="Refused")
        raise RuleViolation("no")
    assert db.session.scalars(select(Party)).all() == []


def test_discard_undoes_what_was_changed_so_far(app, make_party):
    with unit_of_work():
        make_party(name="Previewed")
        discard()
        make_party(name="Then made")
    assert stored_names() == {"Then made"}


def test_commit_separately_commits_at_once_whatever_follows(app, make_party):
    with pytest.raises(RuntimeError), unit_of_work():
        with commit_separately():
            make_party(name="On record")
        make_party(name="Not kept")
        raise RuntimeError("the request fails afterwards")
    assert stored_names() == {"On record"}


def test_commit_separately_keeps_the_work_of_a_refusal_it_is_told_to(app, make_party):
    with pytest.raises(RuleViolation), commit_separately(even_on=(RuleViolation,)):
        make_party(name="Counted")
        raise RuleViolation("refused, but counted")
    with pytest.raises(KeyError), commit_separately(even_on=(RuleViolation,)):
        make_party(name="Not counted")
        raise KeyError("anything else")
    assert stored_names() == {"Counted"}


def test_commit_separately_refuses_to_commit_changes_made_before_it(app, make_party):
    make_party(name="Pending")
    with pytest.raises(RuntimeError, match="changes made before"), commit_separately():
        pass
    db.session.rollback()
    assert stored_names() == set()


# --- commands ------------------------------------------------------------------------------------


@click.command("make-party")
@click.option("--fail", is_flag=True)
@cli_command
def make_party_command(fail: bool):
    from registry.parties.services import parties

    parties.create(ACTOR, {"name": "Made by a command", "kind": "state"})
    if fail:
        raise RuleViolation("The command was told to fail.")


def test_a_command_that_fails_leaves_nothing_written(app):
    result = app.test_cli_runner().invoke(make_party_command, ["--fail"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: The command was told to fail."
    assert stored_names() == set()


def test_a_command_that_succeeds_commits(app):
    result = app.test_cli_runner().invoke(make_party_command, [])
    assert result.exit_code == 0, result.output
    assert stored_names() == {"Made by a command"}
