"""Browser tests: real Debian Chromium driven by Playwright (never a downloaded browser)."""

import os

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM is used from the test
# body between browser steps, which is safe here (one thread, no concurrent access).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


# Package scope: Playwright's event loop stops when the browser tests end, so tests collected
# after them can still use async_to_sync (Channels) in this thread.
@pytest.fixture(scope="package", autouse=True)
def _text_models_trained():
    """Train the grading text models before the browser types: a served process trains them
    once, in the background, and the first keystrokes would otherwise race the training for the
    CPU (production: the first seconds after a start are assessed on the rules alone)."""
    from cad.grading import textmodel

    textmodel.get_models()


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# Every page a browser test opens must run under the Content-Security-Policy without a
# violation: an inline script or style the policy refuses is a broken page in production.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def page(browser):
    context = browser.new_context(
        viewport={"width": 1600, "height": 1000}, locale="en-GB", timezone_id="Europe/London"
    )
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15000)
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.csp_violations = lambda: refused + (page.evaluate("window.__cspViolations || []"))
    yield page
    violations = refused[:]
    context.close()
    assert violations == [], f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def login(page, live_server):
    """login(user) -> the page, logged in through the real login form, on the home page."""
    from tests.factories import PASSWORD

    def _login(user, password=PASSWORD, target=None):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        if target:
            page.goto(f"{live_server.url}{target}")
        return page

    return _login
