"""An import page on the tablet (issue 20): the file sent through htmx, its report
comes where the eye is (in view, with the focus), each problem with the value
found; the "check only" box, the buttons and the template links are whole touch
targets. Elements are found by id, not by their (translated) text."""
import pytest

from tests.browser.conftest import sign_in
from tests.browser.offline_helpers import until

HEADER = "Mã quận huyện,Nhóm,Tháng,Số người tham gia,Số người đã đăng ký,Số người tham gia mới,Số người mới đã đăng ký\n"


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_the_report_of_a_bad_file_comes_into_view_with_the_value_found(browser_page, viewport):
    page = browser_page(viewport)
    sign_in(page, "supervisor.ht")
    page.goto("/returns/import")
    for selector in ("#dry_run", ".import-form button.primary", "#import-template-xlsx", "#import-template-csv"):
        box = page.locator(selector).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (selector, box)
    content = (HEADER + "HT-TP,voluntary,2023-06,10,<b>hai mươi</b>,0,0\n").encode()
    page.set_input_files("#file", {"name": "bao-cao.csv", "mimeType": "text/csv", "buffer": content})
    page.check("#dry_run")
    page.click(".import-form button.primary")
    page.wait_for_selector("#import-errors")
    # The focus moves once htmx has settled the swap.
    until(page, "() => document.activeElement.id === 'import-report'")
    top = page.locator("#import-errors").bounding_box()["y"]
    assert 0 <= top < page.viewport_size["height"], top
    assert page.locator("#import-errors code").first.inner_text() == "<b>hai mươi</b>"
    assert page.url.endswith("/returns/import")
