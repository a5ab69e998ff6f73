"""Browser journeys: the registry served from a thread, driven by Debian's Chromium.

Fixtures for journeys (see test_public.py for examples):

- `live_server`: the base URL ("http://127.0.0.1:PORT") of the app served from a background
  thread for this test, on the same database as the `app` fixture, so records made with the
  factories (`make_agreement`, ...) or `loaded_fixtures` and committed are what the browser sees.
- `page` (pytest-playwright): a fresh browser context per test whose base URL is `live_server`,
  so `page.goto("/")` opens the home page.
- `axe`: `axe(page)` runs axe-core's WCAG 2.0/2.1 A and AA rules on the page and fails the
  test listing every violation.

Journeys run on SQLite only: they check what the browser shows, and the database code under
them runs on both backends in the rest of the suite. A failing journey leaves a full-page
screenshot of every open page under test-results/.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from registry.extensions import db

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
REQUIRE_BROWSER = os.environ.get("REGISTRY_REQUIRE_BROWSER") == "1"

# Without the networking flags Chromium keeps calling hosts this closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _missing_prerequisites() -> list[str]:
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} (install it with `apt-get install -y chromium`)")
    if not AXE_SOURCE.is_file():
        missing.append(f"{AXE_SOURCE.relative_to(ROOT)} (run `npm ci` in {ROOT})")
    return missing


@pytest.fixture(scope="session", autouse=True)
def _browser_prerequisites() -> None:
    """Skip the journeys, or fail them under REGISTRY_REQUIRE_BROWSER=1, without Chromium or axe."""
    missing = _missing_prerequisites()
    if not missing:
        return
    message = "browser tests need " + " and ".join(missing)
    if REQUIRE_BROWSER:
        pytest.fail(f"REGISTRY_REQUIRE_BROWSER=1 but {message}")
    pytest.skip(f"{message}; set REGISTRY_REQUIRE_BROWSER=1 to make this a failure")


# The suite's `database_url` is parametrized over SQLite and PostgreSQL. Overriding it with
# the single parameter "sqlite" (and passing through to the suite's fixture, which receives
# that parameter) collects each journey once, shares the suite's migrated SQLite database,
# and leaves no skipped PostgreSQL twins in the report.
@pytest.fixture(scope="session", params=["sqlite"])
def database_url(database_url: str) -> str:
    return database_url


@pytest.fixture
def live_server(app):
    """Serve the app from a background thread on 127.0.0.1 and return its base URL."""
    assert db.engine.dialect.name == "sqlite", "browser journeys are meant to run on SQLite"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll interval lets shutdown() return quickly at teardown.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium: `playwright install` cannot download browsers here."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def browser_context_args(browser_context_args: dict, live_server: str) -> dict:
    """Give each test's browser context the live server as its base URL."""
    return {**browser_context_args, "base_url": live_server}


@pytest.fixture(scope="session")
def _axe_source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


@pytest.fixture
def axe(_axe_source):
    """`axe(page)`: fail listing every WCAG 2.0/2.1 A and AA violation axe-core finds on `page`."""

    def check_accessibility(page) -> None:
        # Evaluated rather than added as a <script>: a strict Content-Security-Policy would
        # block the tag, but not code run through the DevTools protocol.
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(_axe_source)
        violations = page.evaluate(
            """async (tags) => {
                const results = await axe.run(document, {
                    runOnly: {type: "tag", values: tags},
                    resultTypes: ["violations"],
                });
                return results.violations.map((violation) => ({
                    id: violation.id,
                    impact: violation.impact,
                    help: violation.help,
                    helpUrl: violation.helpUrl,
                    nodes: violation.nodes.map((node) => ({
                        target: node.target,
                        summary: node.failureSummary,
                    })),
                }));
            }""",
            AXE_TAGS,
        )
        if violations:
            pytest.fail(_describe_violations(page.url, violations), pytrace=False)

    return check_accessibility


def _describe_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core found {len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {json.dumps(node['target'])}")
            for detail in (node["summary"] or "").splitlines():
                lines.append(f"      {detail}")
    return "\n".join(lines)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Save a full-page screenshot of every open page when a journey fails."""
    report = yield
    browser = item.funcargs.get("browser") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or browser is None:
        return report
    folder = ROOT / "test-results" / re.sub(r"[^A-Za-z0-9_.-]+", "-", item.nodeid).strip("-")
    saved = []
    pages = [page for context in browser.contexts for page in context.pages]
    for number, page in enumerate(pages, start=1):
        path = folder / f"failure-{number}.png"
        try:
            page.screenshot(path=path, full_page=True, timeout=5000)
        except Exception as error:  # a failed screenshot must not hide the failure
            report.sections.append(("screenshot", f"could not save {path}: {error}"))
        else:
            saved.append(str(path.relative_to(ROOT)))
    if saved:
        report.sections.append(("screenshot", "saved " + ", ".join(saved)))
    return report
