"""Progress in the browser, on the demo data: the viewer (national leadership)
drills from the nation to a Hà Tĩnh district and on to an employer, switches
between a month and a quarter without a page reload, and downloads the XLSX
and the printed report.

Elements are found by id and data attributes, not by their (translated) text."""
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.browser.conftest import no_sideways_scroll, sign_in


def small_targets(page):
    page.wait_for_load_state()
    return page.evaluate(
        """() => [...document.querySelectorAll('main a.button, main button, main select, main input, .pg-board a, .pg-crumbs a')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)"""
    )


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_viewer_drills_down_switches_period_and_downloads(browser_page, viewport):
    page = browser_page(viewport)
    sign_in(page, "viewer")
    page.click("nav a[href='/progress/']")
    page.wait_for_selector("#progress-summary")
    assert page.locator("#progress-basis").get_attribute("data-period") == "campaign"
    assert page.locator("#chart-coverage svg").count() == 1
    assert no_sideways_scroll(page) and small_targets(page) == []

    # Nation → Hà Tĩnh → thành phố Hà Tĩnh.
    page.click("#progress-children tr[data-unit=HT] a")
    page.wait_for_selector("#progress-children tr[data-unit=HT-TP]")
    assert "Hà Tĩnh" in page.locator("h1").inner_text()
    page.click("#progress-children tr[data-unit=HT-TP] a")
    page.wait_for_selector("#progress-officers")
    assert page.locator("h1").inner_text() == "Bảo hiểm xã hội thành phố Hà Tĩnh"
    assert page.locator(".pg-crumbs a").count() == 2
    district_url = page.url

    # On to an employer, and from there to its own page.
    page.locator("#progress-worklist a").first.click()
    page.wait_for_selector("#employer-as-of")
    assert page.locator("#employer-as-of tbody tr").count() >= 1
    assert page.locator("#employer-page").get_attribute("href").startswith("/employers/")
    page.goto(district_url)

    # A month, then the quarter: the figures change in place, the URL follows.
    page.evaluate("window.__noReload = true")
    page.select_option("#pg-period", "2023-09")
    page.wait_for_selector("#progress-basis[data-period='2023-09']")
    assert page.locator("#progress-basis").get_attribute("data-as-of") == "2023-09-30"
    september_visits = page.locator("[data-figure=visits]").inner_text()
    assert "period=2023-09" in page.url
    page.select_option("#pg-period", "2023-Q3")
    page.wait_for_selector("#progress-basis[data-period='2023-Q3']")
    assert page.locator("#progress-basis").get_attribute("data-as-of") == "2023-09-30"
    assert int(page.locator("[data-figure=visits]").inner_text().replace(".", "")) >= int(september_visits.replace(".", ""))
    assert "period=2023-Q3" in page.url
    assert page.evaluate("window.__noReload") is True  # no full page load happened

    # The tables as XLSX, and the printed report.
    # Files are made on request (the PDF by WeasyPrint): give a busy machine time.
    with page.expect_download(timeout=60_000) as download:
        page.click("#download-xlsx", no_wait_after=True)
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert len(book.sheetnames) >= 5
    assert download.value.suggested_filename == "tien-do-HT-TP-2023-Q3.xlsx"
    with page.expect_download(timeout=60_000) as download:
        page.click("#download-report", no_wait_after=True)
    reader = PdfReader(download.value.path())
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Bảo hiểm xã hội thành phố Hà Tĩnh" in text and "30/09/2023" in text
