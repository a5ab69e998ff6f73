"""The migrations build the schema the models describe, on SQLite and PostgreSQL, and undo it."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from registry.core.db import Base, described_by_models
from registry.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": True,
                "include_name": described_by_models,
            },
        )
        assert compare_metadata(context, Base.metadata) == []


def test_flask_db_check_finds_nothing_to_generate(app):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_downgrade_to_base_and_upgrade_again(app):
    runner = app.test_cli_runner()
    db.session.remove()
    down = runner.invoke(args=["db", "downgrade", "base"])
    assert down.exit_code == 0, down.output
    remaining = set(inspect(db.engine).get_table_names()) & set(Base.metadata.tables)
    assert remaining == set()
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_named_constraints_exist_in_the_database(app):
    inspector = inspect(db.engine)
    checks = {check["name"] for check in inspector.get_check_constraints("agreements")}
    assert "ck_agreements_expiry_not_before_force" in checks
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("agreements")}
    assert ("reference",) in uniques
    party_uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("parties")}
    assert ("iso3",) in party_uniques
    for foreign_key in inspector.get_foreign_keys("treaty_actions"):
        assert (foreign_key["options"] or {}).get("ondelete", "RESTRICT").upper() != "CASCADE"
