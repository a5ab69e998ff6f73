"""Settings read from REGISTRY_* environment variables, checked once at start-up."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from registry.core.errors import RegistryError

ENVIRONMENTS = ("production", "development", "testing")
DEFAULT_MAIL_PORT = 25


class ConfigError(RegistryError):
    """The environment does not describe a usable registry."""


def load_settings(environ: os._Environ | dict, instance_path: str) -> dict:
    """Build the Flask config from the environment; raise ConfigError naming the variable."""
    env = environ.get("REGISTRY_ENV", "production").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"REGISTRY_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")

    home_party = environ.get("REGISTRY_HOME_PARTY", "USA").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", home_party):
        raise ConfigError(
            "REGISTRY_HOME_PARTY must be an ISO 3166-1 alpha-3 code such as USA, "
            f"not {home_party!r}."
        )

    mail_port_text = environ.get("REGISTRY_MAIL_PORT", str(DEFAULT_MAIL_PORT)).strip()
    if not mail_port_text.isdigit() or not 0 < int(mail_port_text) < 65536:
        raise ConfigError(f"REGISTRY_MAIL_PORT must be a port number, not {mail_port_text!r}.")

    base_url = environ.get("REGISTRY_BASE_URL", "http://127.0.0.1:5000").strip().rstrip("/")
    if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
        raise ConfigError(f"REGISTRY_BASE_URL must be an http(s) URL, not {base_url!r}.")

    mail_security = environ.get("REGISTRY_MAIL_SECURITY", "none").strip().lower()
    if mail_security not in ("none", "starttls", "ssl"):
        raise ConfigError(
            f"REGISTRY_MAIL_SECURITY must be none, starttls or ssl, not {mail_security!r}."
        )
    lead_days = _day_list(environ, "REGISTRY_REMINDER_LEAD_DAYS", "90,30,7,1,0")
    overdue_every = _day_count(environ, "REGISTRY_REMINDER_OVERDUE_EVERY_DAYS", "7", minimum=1)
    escalate_after = _day_count(environ, "REGISTRY_REMINDER_ESCALATE_AFTER_DAYS", "14", minimum=0)
    api_rate = _day_count(
        environ,
        "REGISTRY_API_REQUESTS_PER_MINUTE",
        "600",
        minimum=1,
        maximum=100_000,
        unit="requests a minute",
    )

    return {
        "ENV_NAME": env,
        "TESTING": env == "testing",
        "SECRET_KEY": _secret_key(environ, env, instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(environ, instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "HOME_PARTY": home_party,
        "BASE_URL": base_url,
        "MAIL_SERVER": environ.get("REGISTRY_MAIL_SERVER", "localhost").strip(),
        "MAIL_PORT": int(mail_port_text),
        "MAIL_SENDER": environ.get("REGISTRY_MAIL_SENDER", "registry@localhost").strip(),
        "MAIL_SECURITY": mail_security,
        "MAIL_USERNAME": environ.get("REGISTRY_MAIL_USERNAME", "").strip() or None,
        "MAIL_PASSWORD": environ.get("REGISTRY_MAIL_PASSWORD", "") or None,
        "REMINDER_LEAD_DAYS": lead_days,
        "REMINDER_OVERDUE_EVERY_DAYS": overdue_every,
        "REMINDER_ESCALATE_AFTER_DAYS": escalate_after,
        "API_REQUESTS_PER_MINUTE": api_rate,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
    }


def _day_count(
    environ, name: str, default: str, *, minimum: int, maximum: int = 3650, unit: str = "days"
) -> int:
    text = environ.get(name, default).strip()
    if not text.isdigit() or not minimum <= int(text) <= maximum:
        raise ConfigError(f"{name} must be a whole number of {unit} from {minimum} to {maximum}.")
    return int(text)


def _day_list(environ, name: str, default: str) -> tuple[int, ...]:
    parts = [part.strip() for part in environ.get(name, default).split(",") if part.strip()]
    if not parts or not all(part.isdigit() and int(part) <= 3650 for part in parts):
        raise ConfigError(f"{name} must list days ahead separated by commas, such as 90,30,7,1,0.")
    return tuple(sorted({int(part) for part in parts}, reverse=True))


def database_url(environ, instance_path: str) -> str:
    """Return the SQLAlchemy URL: REGISTRY_DATABASE_URL or a SQLite file in the instance folder."""
    url = environ.get("REGISTRY_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path, 'registry.sqlite3')}"
    scheme = url.split("://", 1)[0]
    if scheme in ("postgres", "postgresql"):
        # psycopg 3 is the driver we ship; accept the plain scheme people paste from elsewhere.
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if scheme in ("sqlite", "postgresql+psycopg"):
        return url
    raise ConfigError(
        "REGISTRY_DATABASE_URL must start with sqlite:/// or postgresql+psycopg://, "
        f"not {scheme}://."
    )


def _secret_key(environ, env: str, instance_path: str) -> str:
    key = environ.get("REGISTRY_SECRET_KEY", "").strip()
    if key:
        if env == "production" and len(key) < 32:
            raise ConfigError("REGISTRY_SECRET_KEY must be at least 32 characters in production.")
        return key
    if env == "production":
        raise ConfigError(
            "REGISTRY_SECRET_KEY is not set. In production the registry refuses to start "
            "without a secret key, since sessions signed with a guessable key can be forged. "
            "Generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    # Development and tests: a random key kept in the instance folder, never a fixed default.
    key_file = Path(instance_path, "dev_secret_key")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
