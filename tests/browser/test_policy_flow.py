"""The pages keep working under a policy that allows no inline script or style
(issue 22): Chromium reports no violation, and the coverage bars still show."""
from tests.browser.conftest import sign_in


def _watch_violations(page):
    seen = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    return seen


def test_pages_break_no_policy_and_bars_keep_their_width(browser_page):
    page = browser_page("landscape")
    violations = _watch_violations(page)
    sign_in(page, "officer.hn")
    for path in ("/", "/employers/", "/visits/mine", "/followups/mine", "/progress/mine", "/returns/",
                 "/account"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.goto("/")
    bars = page.locator(".coverage-fill")
    assert bars.count() > 0
    widths = page.evaluate("[...document.querySelectorAll('.coverage-fill')].map(e => e.getBoundingClientRect().width)")
    assert max(widths) > 0
    assert violations == []


def test_the_account_page_lists_this_session(browser_page):
    page = browser_page("portrait")
    sign_in(page, "supervisor.hn")
    page.click("a.account-link")
    page.wait_for_url("**/account")
    assert page.locator("#sessions tr[aria-current=true]").count() == 1
    assert "thiết bị này" in page.locator("#sessions").inner_text()
