"""Fixtures for the JSON API: callers with personal tokens.

- `api_as(role, clearance)`: a client whose every request carries a new user's token
  (`client.user`, `client.token`); `api_as(None)` is an anonymous caller.
"""

from __future__ import annotations

import pytest

from registry.api import tokens
from registry.extensions import db


@pytest.fixture
def api_as(new_client, make_user):
    def caller(role: str | None = "editor", clearance: str = "secret", **overrides):
        client = new_client()
        if role is None:
            return client
        user = make_user(role=role, clearance=clearance, **overrides)
        _, secret = tokens.create_token(user, {"name": "Test script"})
        db.session.commit()
        client.user, client.token = user, secret
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        return client

    return caller
