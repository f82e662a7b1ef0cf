"""Browser tests: a real server on the test database with the demo data, and
Debian's Chromium driven by Playwright. A missing browser fails, never skips."""
import logging
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"landscape": {"width": 1024, "height": 768}, "portrait": {"width": 800, "height": 1280}}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _chromium_path():
    path = os.environ.get("FIELDOPS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(
            "Chromium is missing: install Debian's package (apt-get install -y chromium) "
            "or point FIELDOPS_CHROMIUM at a Chromium binary. Browser tests never skip.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    path = _chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _server(app):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_server(app, _server, demo_data):
    """Base URL of a running FieldOps with the demo data, CSRF on as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield _server
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def browser_page(browser, live_server):
    """browser_page("landscape" | "portrait") → a fresh page at that tablet viewport."""
    contexts = []

    def make(viewport="landscape"):
        context = browser.new_context(viewport=VIEWPORTS[viewport], base_url=live_server, locale="vi-VN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def no_sideways_scroll(page):
    """The page fits the screen's width. Measured once the stylesheet has loaded:
    an element is in the page before it is styled."""
    page.wait_for_load_state()
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def sign_in(page, username, password="fieldops-demo-2023"):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button.primary")
    page.wait_for_url(lambda url: "/login" not in url)


def open_more_menu(page):
    """Opens the top bar's "More" menu (the rest of the navigation, the language, signing out)."""
    if page.locator("#nav-more[open]").count() == 0:
        page.click("#nav-more summary")


def follow_nav(page, href):
    """Follows the top bar's link to `href`, from its row or from its "More" menu."""
    link = page.locator(f"nav.mainnav a[href='{href}']:visible")
    if link.count() == 0:
        open_more_menu(page)
    link.first.click()


def htmx_ready(page):
    """Waits until the page's deferred scripts have run: a select changed before htmx
    has bound it sends nothing (a page just parsed may not be there yet on a busy machine)."""
    page.wait_for_function("() => document.readyState === 'complete' && !!window.htmx")
