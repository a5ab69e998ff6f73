"""Fixtures for the web tests: a browser-like test client, signed-in users and parsed pages.

- `client`: an anonymous `WebClient`. Each request runs in an application context of its own,
  as under a real server, so two clients never share `g`, the signed-in user or the database
  session. The test's own session is committed before every request: what a factory wrote is
  visible to the request, and what the request wrote is visible to the test afterwards.
- `response.page`: the HTML parsed into a small tree. `page.error("title")` is the text of
  `#error-title` (None if absent), `page.value("title")` the value a control shows,
  `page.form_values()` what a browser would submit from the page's main form.
- `client.submit(url, changes)`: open the form at `url`, keep everything it shows (the CSRF
  token and the record's version included), apply `changes` and post it, as a person would.
- `api_as(role, clearance)`: a client whose every request carries a new user's API token
  (`client.user`, `client.token`); `api_as(None)` is an anonymous caller.
- `sign_in(role, clearance)`: a new client, signed in through the login form as a new user
  (`client.user`) with that role and clearance.
"""

from __future__ import annotations

from functools import cached_property
from html.parser import HTMLParser

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from registry.api import tokens
from registry.extensions import db

PASSWORD = "a long enough password"  # the default of the `make_user` factory


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    """Sign-ins are the bulk of these tests: hash with argon2's cheapest parameters."""
    from registry.users import services

    monkeypatch.setattr(
        services, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


# --- parsed pages -------------------------------------------------------------------------------

VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta source track wbr".split())


class Element:
    """One HTML element: tag, attributes, children (elements and text)."""

    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    @property
    def text(self) -> str:
        """The text inside, with runs of whitespace made one space."""
        return " ".join(self.raw_text.split())

    @property
    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text for c in self.children)

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def iter(self, tag: str | None = None):
        """This element and every element inside it, in document order."""
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter(tag)

    def find(self, tag: str | None = None, **attrs) -> Element | None:
        return next(self.find_all(tag, **attrs), None)

    def find_all(self, tag: str | None = None, **attrs):
        for element in self.iter(tag):
            if all(element.attrs.get(name.rstrip("_")) == value for name, value in attrs.items()):
                yield element

    def rows(self) -> list[list[str]]:
        """The text of each cell of each row of the tables inside, header rows left out."""
        return [
            [cell.text for cell in row.children if isinstance(cell, Element)]
            for body in self.iter("tbody")
            for row in body.iter("tr")
        ]

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in VOID_ELEMENTS:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


class Page:
    """An HTML page, parsed, with the questions the tests ask of it."""

    def __init__(self, html: str):
        builder = _TreeBuilder()
        builder.feed(html)
        builder.close()
        self.html = html
        self.root = builder.root

    @property
    def main(self) -> Element:
        return self.root.find("main") or self.root

    @property
    def text(self) -> str:
        return self.main.text

    @property
    def title(self) -> str:
        heading = self.main.find("h1")
        return heading.text if heading is not None else ""

    def by_id(self, element_id: str) -> Element | None:
        return self.root.find(id=element_id)

    def error(self, field: str) -> str | None:
        """The message shown next to a field (`#error-<field>`), or None."""
        element = self.by_id(f"error-{field}")
        return element.text if element is not None else None

    def errors(self) -> dict[str, str]:
        return {
            element.attrs["id"].removeprefix("error-"): element.text
            for element in self.root.iter()
            if (element.attrs.get("id") or "").startswith("error-")
            and element.attrs["id"] != "error-summary"
        }

    def flashes(self, category: str | None = None) -> list[str]:
        return [
            element.text
            for element in self.main.iter("div")
            if "flash" in element.classes and (category is None or category in element.classes)
        ]

    def main_form(self) -> Element:
        forms = [
            f for f in self.main.iter("form") if (f.attrs.get("method") or "").lower() == "post"
        ]
        assert forms, "the page has no form to post"
        return forms[0]

    def form_values(self, form: Element | None = None) -> dict[str, str]:
        """What a browser submits from `form` (the main form) as the page shows it."""
        values: dict[str, str] = {}
        for control in (form or self.main_form()).iter():
            name = control.attrs.get("name")
            if not name or "disabled" in control.attrs:
                continue
            if control.tag == "input":
                kind = (control.attrs.get("type") or "text").lower()
                if kind in ("checkbox", "radio"):
                    if "checked" in control.attrs:
                        values[name] = control.attrs.get("value") or "on"
                elif kind not in ("submit", "button", "reset", "file"):
                    values[name] = control.attrs.get("value") or ""
            elif control.tag == "textarea":
                values[name] = control.raw_text
            elif control.tag == "select":
                options = list(control.iter("option"))
                chosen = [o for o in options if "selected" in o.attrs] or options[:1]
                if chosen:
                    values[name] = chosen[0].attrs.get("value") or ""
        return values

    def value(self, name: str) -> str | None:
        """The value a control of the main form shows (None if there is no such control)."""
        form = next((f for f in self.root.iter("form") if f.find(name=name) is not None), None)
        if form is None:
            return None
        return self.form_values(form).get(name)

    def options(self, name: str) -> list[str]:
        select = self.root.find("select", name=name)
        return [o.attrs.get("value") or "" for o in select.iter("option")] if select else []


class WebResponse(TestResponse):
    @cached_property
    def page(self) -> Page:
        return Page(self.get_data(as_text=True))


# --- the client ---------------------------------------------------------------------------------


class WebClient(FlaskClient):
    """A browser: cookies, forms with their CSRF token, each request in its own context."""

    user = None

    def open(self, *args, **kwargs):
        db.session.commit()  # hand what the test wrote to the request; see its writes after
        return super().open(*args, **kwargs)

    def run_wsgi_app(self, environ, buffered=False):
        with self.application.app_context():
            return super().run_wsgi_app(environ, buffered=buffered)

    def csrf_token(self) -> str:
        """The CSRF token of this browser's session, read from a page that carries it."""
        page = self.get("/account/password", follow_redirects=True).page
        token = page.value("csrf_token")
        assert token, "no CSRF token on the page"
        return token

    def post_with_token(self, url: str, data: dict | None = None, **kwargs):
        return self.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)

    def submit(self, url: str, changes: dict | None = None, *, form_url: str | None = None, **kw):
        """Open the form page, change some fields and post it (True/False tick a checkbox)."""
        shown = self.get(form_url or url)
        assert shown.status_code == 200, f"GET {form_url or url} answered {shown.status_code}"
        return self.post(url, data=self.fill(shown.page.form_values(), changes), **kw)

    @staticmethod
    def fill(values: dict[str, str], changes: dict | None) -> dict[str, str]:
        """Form values with `changes` applied: True ticks a checkbox, False or None clears it."""
        values = dict(values)
        for name, value in (changes or {}).items():
            if value is None or value is False:
                values.pop(name, None)
            else:
                values[name] = "true" if value is True else str(value)
        return values

    def login(self, email: str, password: str = PASSWORD, **extra):
        token = self.get("/login").page.value("csrf_token")
        data = {"csrf_token": token, "email": email, "password": password, **extra}
        return self.post("/login", data=data)


@pytest.fixture
def new_client(app):
    """Make another independent browser (of `application`, by default the suite's app)."""

    def make(application=None) -> WebClient:
        return WebClient(application or app, response_wrapper=WebResponse, use_cookies=True)

    return make


@pytest.fixture
def client(new_client) -> WebClient:
    """An anonymous browser."""
    return new_client()


@pytest.fixture
def sign_in(new_client, make_user):
    """`sign_in(role, clearance, **user_fields)`: a new browser signed in as a new user."""

    def signed_in(role: str = "editor", clearance: str = "secret", **overrides) -> WebClient:
        user = make_user(role=role, clearance=clearance, password=PASSWORD, **overrides)
        browser = new_client()
        response = browser.login(user.email, PASSWORD)
        assert response.status_code == 302, f"sign-in as {role} answered {response.status_code}"
        browser.user = user
        return browser

    return signed_in


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
