"""Signing in and out, changing one's password, and the admins' user management."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from registry.core.db import utcnow, write_transaction
from registry.core.enums import Classification, Role
from registry.core.errors import ValidationFailed
from registry.core.permissions import Permission
from registry.core.transaction import commit_separately
from registry.extensions import db
from registry.users.auth import LoginPolicy, LoginRefused, authenticate
from registry.users.models import User
from registry.users.services import users, verify_password
from registry.web.access import public, requires, signed_in
from registry.web.crud import Crud
from registry.web.forms import Field, as_text, enum_choices, field_errors, submitted

blueprint = Blueprint("users", __name__)


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login():
    next_url = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("web.dashboard"))
    if request.method == "GET":
        return render_template("users/login.html", next_url=next_url, page_title="Sign in")
    policy = LoginPolicy(
        max_failures=current_app.config.get("LOGIN_MAX_FAILURES", 5),
        lockout=current_app.config.get("LOGIN_LOCKOUT", LoginPolicy.lockout),
    )
    email = request.form.get("email", "")
    try:
        # On record whatever the answer: the sign-in, or the failure and any lockout.
        with commit_separately(even_on=(LoginRefused,)):
            user = authenticate(
                email, request.form.get("password", ""), now=utcnow(), policy=policy
            )
    except LoginRefused as refused:
        time.sleep(current_app.config.get("LOGIN_FAILURE_DELAY", 1.0))  # slow down guessing
        flash(refused.message, "error")
        return render_template(
            "users/login.html", next_url=next_url, email=email[:254], page_title="Sign in"
        ), 401
    login_user(user)
    flash(f"Signed in as {user.email}.", "success")
    return redirect(next_url if is_safe_next(next_url) else url_for("web.dashboard"))


@blueprint.post("/logout")
@signed_in
def logout():
    logout_user()
    flash("You are signed out.", "success")
    return redirect(url_for("web.home"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@signed_in
def password():
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        user = current_user._get_current_object()
        new, repeated = request.form.get("new_password", ""), request.form.get("repeat", "")
        if not verify_password(user, request.form.get("current_password", "")):
            errors["current_password"] = ["This is not your current password."]
        elif new != repeated:
            errors["repeat"] = ["The two new passwords differ."]
        else:
            try:
                with write_transaction():
                    users.set_password(user, user, new)
            except ValidationFailed as error:
                errors = {"new_password": field_errors(error.messages).get("password", [])}
            else:
                flash("Your password was changed.", "success")
                return redirect(url_for("web.dashboard"))
    return render_template("users/password.html", errors=errors, page_title="Change password"), (
        422 if errors else 200
    )


def user_fields() -> list[Field]:
    return [
        Field("email", "Email", "email", True),
        Field("name", "Name", required=True),
        Field("role", "Role", "select", True, choices=enum_choices(Role, blank=None)),
        Field(
            "clearance",
            "Clearance",
            "select",
            True,
            choices=enum_choices(Classification, blank=None),
        ),
        Field("active", "Active (may sign in)", "checkbox"),
    ]


Crud(
    blueprint,
    "user",
    User,
    users,
    user_fields,
    lambda u: url_for("users.index"),
    "/users",
    archivable=False,
    creatable=False,
    permission=Permission.MANAGE_USERS,
).register()


@blueprint.get("/users")
@requires(Permission.MANAGE_USERS)
def index():
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("users/index.html", users=rows, page_title="Users")


@blueprint.route("/users/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def user_create():
    """Create a user: the generic form plus a password typed twice."""
    fields = user_fields()
    if request.method == "GET":
        return render_template(
            "users/new.html",
            fields=fields,
            values={"active": "true"},
            errors={},
            page_title="New user",
        )
    data = submitted(fields)
    values = {key: as_text(value) for key, value in data.items()}
    try:
        if request.form.get("password", "") != request.form.get("repeat", ""):
            raise ValidationFailed({"repeat": ["The two passwords differ."]}, "user")
        with write_transaction():
            created = users.create(current_user, data, password=request.form.get("password", ""))
    except ValidationFailed as error:
        return render_template(
            "users/new.html",
            fields=fields,
            values=values,
            errors=field_errors(error.messages),
            page_title="New user",
        ), 422
    flash(f"User {created.email} was created.", "success")
    return redirect(url_for("users.index"))
