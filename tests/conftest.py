"""Shared fixtures: every database test runs on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, event, text

os.environ.setdefault("REGISTRY_ENV", "testing")

from registry import create_app  # noqa: E402 - the environment must be set first
from registry.core.db import Base  # noqa: E402
from registry.extensions import db  # noqa: E402

from support import ACTOR  # noqa: E402

POSTGRES_URL = os.environ.get("REGISTRY_TEST_POSTGRES_URL", "").strip()
REQUIRE_POSTGRES = os.environ.get("REGISTRY_REQUIRE_POSTGRES") == "1"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'registry.sqlite3'}"
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("REGISTRY_REQUIRE_POSTGRES=1 but REGISTRY_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need REGISTRY_TEST_POSTGRES_URL")
    _reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(scope="session")
def _migrated_app(database_url, tmp_path_factory):
    import flask_migrate

    os.environ["REGISTRY_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    os.environ["REGISTRY_DATABASE_URL"] = database_url
    app = create_app({"TESTING": True, "LOGIN_FAILURE_DELAY": 0})
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_migrated_app):
    """The application with an app context pushed; every table is emptied afterwards."""
    with _migrated_app.app_context():
        yield _migrated_app
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        # Emptied behind the session's back, and ids start again: nothing kept may outlive it.
        _migrated_app.extensions["registry.answers"].clear()


def _empty_tables() -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return
    # SQLite checks ON DELETE RESTRICT row by row, so rows that point at rows of their own
    # table (a committee's parent) cannot go in one statement: switch the checks off meanwhile.
    raw = db.engine.raw_connection()
    try:
        connection = raw.driver_connection
        connection.execute("PRAGMA foreign_keys = OFF")
        for table in tables:
            connection.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
        connection.execute("PRAGMA foreign_keys = ON")
    finally:
        raw.close()


@pytest.fixture
def backend(app) -> str:
    return db.engine.dialect.name


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a `with count_queries() as counter:` block, for
    pages worked out afresh: the answers kept between requests are dropped first, unless
    `afresh=False`."""

    @contextmanager
    def counting(afresh: bool = True):
        statements: list[str] = []
        if afresh:
            app.extensions["registry.answers"].clear()

        def before_cursor_execute(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before_cursor_execute)

    return counting


# --- factories: callables that create valid records through the services ---------------------


@pytest.fixture
def make_party(app):
    from registry.parties.services import parties

    counter = iter(range(1, 10**6))

    def make(**overrides):
        number = next(counter)
        data = {"name": f"Testland {number}", "kind": "state", **overrides}
        return parties.create(ACTOR, data)

    return make


@pytest.fixture
def make_body(app):
    from registry.oversight.services import oversight_bodies

    counter = iter(range(1, 10**6))

    def make(**overrides):
        data = {"name": f"Committee {next(counter)}", "kind": "legislative_committee", **overrides}
        return oversight_bodies.create(ACTOR, data)

    return make


@pytest.fixture
def make_agreement(app):
    from registry.agreements.services import agreements

    def make(**overrides):
        data = {
            "title": "Treaty of Testing",
            "instrument_type": "alliance_defence_pact",
            "form": "multilateral",
            "legal_nature": "treaty",
            "region": "europe",
            "concluded_on": "1949-04-04",
            "entered_into_force_on": "1949-08-24",
            **overrides,
        }
        return agreements.create(ACTOR, data)

    return make


@pytest.fixture
def make_action(app):
    from registry.agreements.services import treaty_actions

    def make(agreement, party, kind, effective_on, deposited_on=None, **overrides):
        data = {
            "agreement_id": agreement.id,
            "party_id": party.id,
            "kind": kind,
            "effective_on": str(effective_on),
            "deposited_on": str(deposited_on) if deposited_on else None,
            **overrides,
        }
        return treaty_actions.create(ACTOR, data)

    return make


@pytest.fixture
def today() -> date:
    return date.today()


@pytest.fixture
def make_obligation(app, make_agreement, today):
    """`make_obligation(agreement=None, days=30, **fields)`: an obligation due in `days` days."""
    from registry.obligations.services import obligations

    def make(agreement=None, days: int = 30, **overrides):
        agreement = agreement or make_agreement()
        data = {
            "agreement_id": agreement.id,
            "title": "Submit the annual report",
            "kind": "reporting",
            "due_on": (today + timedelta(days=days)).isoformat(),
            **overrides,
        }
        return obligations.create(ACTOR, data)

    return make


@pytest.fixture
def make_user(app):
    from registry.users.services import users

    counter = iter(range(1, 10**6))

    def make(**overrides):
        data = {
            "email": f"user{next(counter)}@example.org",
            "name": "Test User",
            "role": "editor",
            "clearance": "public",
            **overrides,
        }
        password = data.pop("password", "a long enough password")
        return users.create(ACTOR, data, password=password)

    return make


@pytest.fixture
def loaded_fixtures(app):
    """The real fixtures of fixtures/, loaded and committed."""
    from registry.cli import FIXTURES_DIR
    from registry.fixtures.loader import load_fixtures

    report = load_fixtures(FIXTURES_DIR, today=date(2026, 11, 27))
    db.session.commit()
    return report
