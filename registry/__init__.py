"""The treaty and commitment registry."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from registry.config import load_settings
from registry.extensions import db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, errors and commands."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("REGISTRY_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_settings(os.environ, app.instance_path))
    app.config.update(overrides or {})

    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from registry import entities, models  # noqa: F401 - every model mapped and described
    from registry.core import cache, transaction
    from registry.core.db import described_by_models
    from registry.users import auth  # noqa: F401 - registers the user loader

    db.init_app(app)
    transaction.init_app(app)
    cache.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_name=described_by_models,
    )
    login_manager.init_app(app)
    login_manager.login_view = "users.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.session_protection = "strong"
    app.jinja_env.add_extension("jinja2.ext.do")


def register_blueprints(app: Flask) -> None:
    from registry.agreements import as_of_views  # noqa: F401 - adds its pages to the blueprint
    from registry.agreements.views import blueprint as agreements
    from registry.api.setup import init_api
    from registry.audit.views import blueprint as audit
    from registry.authorizations.views import blueprint as authorizations
    from registry.deadlines.views import blueprint as deadlines
    from registry.exports.views import blueprint as exports
    from registry.obligations.views import blueprint as obligations
    from registry.oversight.views import blueprint as oversight
    from registry.parties.views import blueprint as parties
    from registry.reports.views import blueprint as reports
    from registry.reviews.views import blueprint as reviews
    from registry.users.views import blueprint as users
    from registry.web import init_web
    from registry.web.views import blueprint as web

    init_api(app)
    # After the API: flask-smorest registers its own HTTPException handler at init, and the
    # web's (JSON under /api/, HTML pages elsewhere) registered later replaces it.
    init_web(app)
    for blueprint in (
        web,
        users,
        agreements,
        parties,
        oversight,
        obligations,
        authorizations,
        reviews,
        audit,
        deadlines,
        reports,
        exports,
    ):
        app.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    from registry.cli import register

    register(app)
