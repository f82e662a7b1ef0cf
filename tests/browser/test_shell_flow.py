import pytest

from tests.browser.conftest import no_sideways_scroll, open_more_menu, sign_in


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_officer_signs_in_switches_to_english_and_signs_out(browser_page, viewport):
    page = browser_page(viewport)
    page.goto("/")
    assert "/login" in page.url
    assert page.locator("h1").inner_text() == "Đăng nhập"

    sign_in(page, "officer.hn")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Xin chào, Đỗ Thu Hương" in page.locator("h1").inner_text()
    # Nothing spills sideways on a tablet.
    assert no_sideways_scroll(page)

    # The tablet's background sync answers first: a slow answer carries the session as
    # it was when asked, and would put back the language it had.
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        open_more_menu(page)
        page.click("button:has-text('English')")
    page.wait_for_selector("html[lang=en]")
    page.wait_for_load_state("networkidle")
    assert "Hello, Đỗ Thu Hương" in page.locator("h1").inner_text()

    open_more_menu(page)
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/login")
    assert page.locator("h1").inner_text() == "Sign in"
    page.goto("/")
    assert "/login" in page.url


def test_touch_targets_are_large_enough(browser_page):
    page = browser_page("portrait")
    sign_in(page, "admin")
    page.goto("/admin/users")
    small = page.evaluate(
        """() => [...document.querySelectorAll('main a.button, main button, main input, main select, header button, header a')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)"""
    )
    assert small == []
