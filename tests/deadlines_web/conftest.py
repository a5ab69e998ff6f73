"""Fixtures for the deadline pages: the web tests' browser-like client, signed in.

`WebClient`, `sign_in` and the parsed pages come from tests/web/conftest.py (importable as
`web.conftest`, since pytest puts tests/ on the path).
"""

from __future__ import annotations

from web.conftest import (  # noqa: F401 - fixtures shared with the web tests
    _cheap_password_hashing,
    client,
    new_client,
    sign_in,
)
