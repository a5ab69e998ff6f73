"""The `axe` fixture itself: it must find violations, and work under a strict CSP."""

import pytest

STRICT_CSP = "default-src 'none'; style-src 'self'; img-src 'self'"


@pytest.fixture
def serve(page):
    """Serve `html` at /axe-check with the given headers, without touching the app."""

    def serve(html: str, headers: dict[str, str] | None = None) -> None:
        page.route(
            "**/axe-check",
            lambda route: route.fulfill(
                status=200, content_type="text/html", body=html, headers=headers or {}
            ),
        )
        page.goto("/axe-check")

    return serve


ACCESSIBLE = """<!doctype html><html lang="en"><head><title>Fine</title></head>
<body><main><h1>Fine</h1><p>Nothing to see.</p></main></body></html>"""

INACCESSIBLE = """<!doctype html><html><head><title>Broken</title></head>
<body><main><h1>Broken</h1><img src="/chart.png"><input type="text"></main></body></html>"""


def test_axe_passes_an_accessible_page_under_a_strict_csp(page, serve, axe):
    serve(ACCESSIBLE, {"Content-Security-Policy": STRICT_CSP})
    blocked = page.evaluate(
        """() => new Promise((resolve) => {
            const script = document.createElement("script");
            script.src = "data:text/javascript,window.ran=true";
            script.onerror = () => resolve(true);
            script.onload = () => resolve(false);
            document.head.append(script);
        })"""
    )
    assert blocked, "the CSP should block added script tags, or this test proves nothing"
    axe(page)


def test_axe_lists_each_violation(page, serve, axe):
    serve(INACCESSIBLE, {"Content-Security-Policy": STRICT_CSP})
    with pytest.raises(pytest.fail.Exception) as failure:
        axe(page)
    message = str(failure.value)
    for rule in ("html-has-lang", "image-alt", "label"):
        assert f"- {rule} (" in message
    assert '["img"]' in message
    assert "<https://dequeuniversity.com/rules/axe/" in message
