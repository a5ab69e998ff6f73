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
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
    }


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
