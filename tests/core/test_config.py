"""Settings come from REGISTRY_* variables; bad ones stop start-up with a clear message."""

import stat

import pytest

from registry.config import ConfigError, load_settings

STRONG_KEY = "k" * 40


def settings(tmp_path, **environ):
    return load_settings(environ, str(tmp_path))


def test_defaults_give_a_sqlite_file_in_the_instance_folder(tmp_path):
    config = settings(tmp_path, REGISTRY_SECRET_KEY=STRONG_KEY)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    assert config["HOME_PARTY"] == "USA"
    assert config["ENV_NAME"] == "production"
    assert config["SESSION_COOKIE_SECURE"] is False


def test_postgres_urls_use_psycopg(tmp_path):
    config = settings(
        tmp_path,
        REGISTRY_SECRET_KEY=STRONG_KEY,
        REGISTRY_DATABASE_URL="postgresql://u:p@db:5432/registry",
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db:5432/registry"


def test_production_without_a_key_refuses_and_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match="REGISTRY_SECRET_KEY is not set.*secrets.token_hex"):
        settings(tmp_path)
    with pytest.raises(ConfigError, match="at least 32"):
        settings(tmp_path, REGISTRY_SECRET_KEY="short")


def test_development_keeps_a_random_private_key_in_the_instance_folder(tmp_path):
    first = settings(tmp_path, REGISTRY_ENV="development")["SECRET_KEY"]
    second = settings(tmp_path, REGISTRY_ENV="development")["SECRET_KEY"]
    assert first == second
    assert len(first) == 64
    key_file = tmp_path / "dev_secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    other = tmp_path / "other"
    assert settings(other, REGISTRY_ENV="development")["SECRET_KEY"] != first


def test_https_base_url_makes_cookies_secure(tmp_path):
    config = settings(
        tmp_path, REGISTRY_SECRET_KEY=STRONG_KEY, REGISTRY_BASE_URL="https://registry.example/"
    )
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["BASE_URL"] == "https://registry.example"
    assert config["SESSION_COOKIE_HTTPONLY"] is True


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REGISTRY_HOME_PARTY", "US"),
        ("REGISTRY_HOME_PARTY", "U$A"),
        ("REGISTRY_MAIL_PORT", "0"),
        ("REGISTRY_MAIL_PORT", "70000"),
        ("REGISTRY_MAIL_PORT", "-1"),
        ("REGISTRY_DATABASE_URL", "oracle://x"),
        ("REGISTRY_BASE_URL", "registry.example"),
        ("REGISTRY_ENV", "prod"),
    ],
)
def test_bad_values_name_the_variable(tmp_path, variable, value):
    with pytest.raises(ConfigError, match=variable):
        settings(tmp_path, REGISTRY_SECRET_KEY=STRONG_KEY, **{variable: value})


def test_home_party_is_normalised(tmp_path):
    assert (
        settings(tmp_path, REGISTRY_SECRET_KEY=STRONG_KEY, REGISTRY_HOME_PARTY=" gbr ")[
            "HOME_PARTY"
        ]
        == "GBR"
    )
