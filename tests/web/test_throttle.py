"""Each failed sign-in slows the client down by the configured delay; a good one does not."""

import pytest

from registry.users import views

PASSWORD = "a long enough password"


@pytest.fixture
def pauses(app, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(views.time, "sleep", slept.append)
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_DELAY", 0.75)
    return slept


def test_a_failed_sign_in_waits_before_answering(client, make_user, pauses):
    user = make_user(password=PASSWORD)
    assert client.login(user.email, "not the password").status_code == 401
    assert client.login("nobody@example.org", "whatever it is").status_code == 401
    assert pauses == [0.75, 0.75]


def test_a_good_sign_in_does_not_wait(client, make_user, pauses):
    user = make_user(password=PASSWORD)
    assert client.login(user.email, PASSWORD).status_code == 302
    assert pauses == []
