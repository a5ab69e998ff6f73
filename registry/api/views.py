"""Pages around the API: its readable documentation and each user's personal tokens."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from registry.api import tokens
from registry.api.models import ApiToken
from registry.core.db import write_transaction
from registry.core.errors import RuleViolation, ValidationFailed
from registry.core.schemas import LARGEST_ID
from registry.extensions import db
from registry.web.access import public, signed_in

blueprint = Blueprint("api_pages", __name__)
METHOD_ORDER = ("get", "post", "patch", "put", "delete")


@blueprint.get("/api/v1/docs")
@public
def docs():
    """The OpenAPI document as a page: every operation, its parameters and answers."""
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, item in sorted(spec["paths"].items())
        for method in METHOD_ORDER
        if (operation := item.get(method))
    ]
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=operations,
        schemas=spec["components"]["schemas"],
        page_title="API documentation",
    )


@blueprint.route("/account/tokens", methods=["GET", "POST"])
@signed_in
def account_tokens():
    user = current_user._get_current_object()
    secret, errors = None, {}
    if request.method == "POST":
        try:
            with write_transaction():
                token, secret = tokens.create_token(user, {"name": request.form.get("name")})
        except (ValidationFailed, RuleViolation) as error:
            errors = getattr(error, "messages", {"name": [str(error)]})
        else:
            flash(f"Token {token.name!r} created. Copy it now: it is shown only once.", "success")
    response = current_app.make_response(
        render_template(
            "api/tokens.html",
            tokens=tokens.live_tokens(user),
            secret=secret,
            errors=errors,
            values=request.form,
            page_title="Your API tokens",
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the page may carry a new secret
    return response


@blueprint.route("/account/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@signed_in
def revoke_token(token_id: int):
    user = current_user._get_current_object()
    token = db.session.get(ApiToken, token_id) if 1 <= token_id <= LARGEST_ID else None
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        abort(404)
    if request.method == "POST":
        with write_transaction():
            token = db.session.get(ApiToken, token_id)
            tokens.revoke_token(user, token)
        flash(f"Token {token.name!r} revoked: requests with it are now refused.", "success")
        return redirect(url_for("api_pages.account_tokens"))
    return render_template("api/revoke.html", token=token, page_title="Revoke an API token")
