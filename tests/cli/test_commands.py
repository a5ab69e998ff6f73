"""The `registry` console script, run as a user runs it: real process, real exit codes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.core.audit.models import AuditEvent
from registry.extensions import db
from registry.users.models import User
from registry.users.services import verify_password

REGISTRY = str(Path(sys.executable).with_name("registry"))
PASSWORD = "a long enough password"


def run(args, *, stdin="", env=None, database_url=None):
    environment = {**os.environ, **(env or {})}
    if database_url:
        environment["REGISTRY_DATABASE_URL"] = database_url
    return subprocess.run(
        [REGISTRY, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def one_line_error(result):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr.strip()


def test_users_create_reads_the_password_twice_from_standard_input(app, database_url):
    result = run(
        [
            "users",
            "create",
            "--email",
            "Clerk@Example.org",
            "--name",
            "Clerk",
            "--role",
            "editor",
            "--clearance",
            "restricted",
        ],
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
        database_url=database_url,
    )
    assert result.returncode == 0, result.stderr
    assert "Created editor clerk@example.org (clearance restricted)" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    user = db.session.scalar(select(User).where(User.email == "clerk@example.org"))
    assert verify_password(user, PASSWORD)
    assert user.password_hash.startswith("$argon2")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "users"))
    assert event.actor_label.startswith("system:cli:")
    assert "password_hash" not in event.changes


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["--role", "editor"], f"{PASSWORD}\nsomething else\n", "do not match"),
        (["--role", "editor"], "", "No password"),
        (["--role", "editor"], "short\nshort\n", "at least 12 characters"),
        (["--role", "emperor"], f"{PASSWORD}\n{PASSWORD}\n", "Invalid value for '--role'"),
        (["--role", "editor", "--clearance", "cosmic"], f"{PASSWORD}\n{PASSWORD}\n", "--clearance"),
        (["--role", "editor", "--password", "x"], "", "No such option"),
    ],
)
def test_users_create_refuses_bad_input_without_writing(app, database_url, args, stdin, expected):
    result = run(
        ["users", "create", "--email", "a@example.org", "--name", "A", *args],
        stdin=stdin,
        database_url=database_url,
    )
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_bad_email_is_one_line_naming_the_field(app, database_url):
    result = run(
        ["users", "create", "--email", "not-an-email", "--name", "A", "--role", "viewer"],
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
        database_url=database_url,
    )
    assert "email: Not a valid email address." in one_line_error(result)


def test_duplicate_email_is_refused_case_insensitively(app, database_url, make_user):
    make_user(email="taken@example.org")
    db.session.commit()
    result = run(
        ["users", "create", "--email", "TAKEN@example.org", "--name", "B", "--role", "viewer"],
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
        database_url=database_url,
    )
    assert "already used" in one_line_error(result)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {
        "REGISTRY_ENV": "production",
        "REGISTRY_SECRET_KEY": "",
        "REGISTRY_INSTANCE_PATH": str(tmp_path),
    }
    message = one_line_error(run(["audit", "verify"], env=env))
    assert "REGISTRY_SECRET_KEY is not set" in message


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("REGISTRY_DATABASE_URL", "mysql://x/y", "REGISTRY_DATABASE_URL must start with"),
        ("REGISTRY_HOME_PARTY", "America", "REGISTRY_HOME_PARTY must be"),
        ("REGISTRY_MAIL_PORT", "smtp", "REGISTRY_MAIL_PORT must be"),
        ("REGISTRY_ENV", "staging", "REGISTRY_ENV must be one of"),
        ("REGISTRY_BASE_URL", "ftp://example.org", "REGISTRY_BASE_URL must be"),
    ],
)
def test_bad_configuration_is_one_line(tmp_path, variable, value, expected):
    env = {"REGISTRY_ENV": "testing", "REGISTRY_INSTANCE_PATH": str(tmp_path), variable: value}
    assert expected in one_line_error(run(["audit", "verify"], env=env))


def test_unmigrated_database_is_one_line_with_the_remedy(tmp_path):
    env = {
        "REGISTRY_ENV": "testing",
        "REGISTRY_INSTANCE_PATH": str(tmp_path),
        "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    message = one_line_error(run(["audit", "verify"], env=env))
    assert "registry db upgrade" in message


def test_audit_verify_detects_tampering_from_the_command_line(app, database_url, make_party):
    make_party()
    make_party()
    db.session.commit()
    assert run(["audit", "verify"], database_url=database_url).returncode == 0
    db.session.execute(
        AuditEvent.__table__.update().where(AuditEvent.id == 1).values(actor_label="someone else")
    )
    db.session.commit()
    message = one_line_error(run(["audit", "verify"], database_url=database_url))
    assert "broken at event 1" in message


def test_help_lists_the_registry_commands():
    result = run(["--help"], env={"REGISTRY_ENV": "testing"})
    assert result.returncode == 0
    for command in ("run", "db", "fixtures", "users", "audit"):
        assert command in result.stdout


def test_demo_loads_an_empty_database_once_and_prints_a_random_password_once(app, database_url):
    first = run(["demo", "--today", "2026-11-27"], database_url=database_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Created")
    assert "Demo sign-in: demo-admin@example.org / " in first.stdout
    password = first.stdout.split("demo-admin@example.org / ")[1].split()[0]
    admin = db.session.scalar(select(User))
    assert verify_password(admin, password)
    second = run(["demo"], database_url=database_url)
    assert second.returncode == 0
    assert "fixtures not loaded" in second.stdout
    assert "Demo sign-in" not in second.stdout
    other = run(["demo"], database_url=database_url)
    assert password not in other.stdout
