"""Fixtures for the deadline and reminder tests: a real SMTP server and the `registry` command.

- `smtp_server`: aiosmtpd's `Controller` on 127.0.0.1 and a free port, keeping every message
  it accepts (`smtp_server.received`, each a `Received`), stopped after the test.
  `smtp_server.refuse()` makes it answer "554 Transaction failed" to every message until
  `smtp_server.accept()`. `smtp_server.settings()` is the `MailSettings` for an in-process
  run; `smtp_server.env` the variables for the `registry` command.
- `dead_port`: a port on 127.0.0.1 where nothing listens (the SMTP server is down).
- `registry_cli(args, database_url=..., env=...)`: the real `registry` console script run to
  completion; `registry_cli.start(...)` starts it without waiting (a `subprocess.Popen`);
  `registry_cli.one_line_error(result)` checks a failure is one line and returns it.
"""

from __future__ import annotations

import email
import email.policy
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher

from registry.deadlines.reminders import MailSettings

REGISTRY = str(Path(sys.executable).with_name("registry"))
BASE_URL = "https://registry.example"
SENDER = "registry@registry.example"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    """Recipients are users: hash their passwords with argon2's cheapest parameters."""
    from registry.users import services

    monkeypatch.setattr(
        services, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


# --- SMTP -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One message the SMTP server accepted: the envelope and the parsed message."""

    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        """The plain-text part, with the wire's CRLF line ends read as newlines."""
        return self._part("plain")

    @property
    def html(self) -> str:
        return self._part("html")

    def _part(self, subtype: str) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        assert part is not None and part.get_content_subtype() == subtype, f"no {subtype} part"
        return part.get_content().replace("\r\n", "\n")

    def everything(self) -> str:
        """Every header and every decoded text part, to check what the message reveals."""
        headers = "\n".join(f"{name}: {value}" for name, value in self.message.items())
        parts = [
            part.get_content()
            for part in self.message.walk()
            if part.get_content_maintype() == "text"
        ]
        return "\n".join([headers, *parts, self.message.as_string()])


class KeepingHandler:
    """An aiosmtpd handler that keeps every message, or refuses them all."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refusing = False

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refusing:
            return "554 Transaction failed"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    host = "127.0.0.1"

    def __init__(self, controller: Controller, handler: KeepingHandler, port: int) -> None:
        self.controller, self.handler, self.port = controller, handler, port

    @property
    def received(self) -> list[Received]:
        return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        """The messages whose envelope goes to `address`."""
        return [message for message in self.received if address in message.recipients]

    def refuse(self) -> None:
        self.handler.refusing = True

    def accept(self) -> None:
        self.handler.refusing = False

    def clear(self) -> None:
        self.handler.received.clear()

    def settings(self, **overrides) -> MailSettings:
        return MailSettings(
            **{"server": self.host, "port": self.port, "sender": SENDER, "timeout": 10, **overrides}
        )

    @property
    def env(self) -> dict[str, str]:
        return {"REGISTRY_MAIL_SERVER": self.host, "REGISTRY_MAIL_PORT": str(self.port)}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = KeepingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(controller, handler, port)
    finally:
        controller.stop()


@pytest.fixture
def dead_port() -> int:
    """A port where nothing listens: connecting is refused at once."""
    return free_port()


# --- the registry command -------------------------------------------------------------------


class RegistryCli:
    """The `registry` console script against the test database, as cron would run it."""

    def environment(self, database_url: str | None, env: dict | None) -> dict[str, str]:
        environment = {
            **os.environ,
            "REGISTRY_BASE_URL": BASE_URL,
            "REGISTRY_MAIL_SENDER": SENDER,
            **(env or {}),
        }
        if database_url:
            environment["REGISTRY_DATABASE_URL"] = database_url
        return environment

    def __call__(self, args, *, database_url=None, env=None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [REGISTRY, *args],
            capture_output=True,
            text=True,
            env=self.environment(database_url, env),
            timeout=120,
            check=False,
        )

    @staticmethod
    def one_line_error(result) -> str:
        """The error of a failed run: a non-zero exit and one line on stderr, no traceback."""
        assert result.returncode != 0, result.stdout
        assert "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        return result.stderr.strip()

    def start(self, args, *, database_url=None, env=None) -> subprocess.Popen:
        return subprocess.Popen(
            [REGISTRY, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.environment(database_url, env),
        )


@pytest.fixture
def registry_cli() -> RegistryCli:
    return RegistryCli()
