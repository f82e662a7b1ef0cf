"""Reviews in the browser, on the demo data: hr creates Hà Nội's interim review
(the demo's national one is closed already), sets a criterion, closes it,
nominates two officers and a team from the ranking, generates the dossier,
downloads it, and follows the code printed on its pages to the verification
page.

Elements are found by id and data attributes, not by their (translated) text."""
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from fieldops.auth.models import User
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from tests.browser.conftest import follow_nav, no_sideways_scroll, sign_in


def _ids():
    units = {u.code: u.id for u in db.session.scalars(sa.select(OrgUnit))}
    users = {u.username: u.id for u in db.session.scalars(sa.select(User))}
    return units, users


def _nominate(page, key, title_text):
    page.click(f"a[data-nominate='{key}']")
    page.wait_for_selector("#nomination-form")
    page.select_option("select[name=award_title_id]", label=title_text)
    assert page.input_value("textarea[name=narrative]").strip()  # pre-filled from the figures
    page.click("#nomination-form button.primary")
    page.wait_for_url(re.compile(r"/reviews/nominations/\d+$"))
    assert page.locator("#nomination-state").get_attribute("data-state") == "proposed"


@pytest.mark.parametrize("viewport", ["landscape"])
def test_hr_closes_a_review_nominates_and_prints_the_dossier(browser_page, viewport):
    units, users = _ids()
    page = browser_page(viewport)
    sign_in(page, "hr")
    page.click("nav a[href='/reviews/']")
    # The demo: the national interim review is closed, the final one open.
    assert page.locator("#review-periods a[data-kind=interim] [data-state=closed]").count() == 1
    assert page.locator("#review-periods a[data-kind=final] [data-state=open]").count() == 1

    # A new interim review for Hà Nội.
    page.click("#new-review")
    page.select_option("select[name=org_unit_id]", str(units["HN"]))
    page.select_option("select[name=kind]", "interim")
    page.fill("input[name=cut_off]", "2023-06-30")
    page.click("#review-new button.primary")
    page.wait_for_url(re.compile(r"/reviews/\d+$"))
    period_url = page.url
    assert page.locator("#period-state [data-state=open]").count() == 1

    # A criterion, added without a page reload (htmx).
    page.evaluate("window.__noReload = true")
    page.select_option("#criterion-add select[name=rule]", "registrations_assisted_at_least")
    page.select_option("#criterion-add select[name=applies_to]", "individual")
    page.fill("#criterion-add input[name=threshold]", "20")
    page.click("#criterion-add button.primary")
    page.wait_for_selector("#criteria-list li[data-rule=registrations_assisted_at_least]")
    assert page.evaluate("window.__noReload") is True
    # A nonsensical threshold says why, beside the field.
    page.select_option("#criterion-add select[name=rule]", "coverage_at_least")
    page.fill("#criterion-add input[name=threshold]", "150")
    page.click("#criterion-add button.primary")
    page.wait_for_selector("#threshold-error")
    assert page.locator("#criteria-list li[data-rule=coverage_at_least]").count() == 0

    # Close it: the figures are frozen.
    page.click("#review-close button")
    page.wait_for_selector("#period-state [data-state=closed]", timeout=30_000)
    assert page.locator("#period-closed").count() == 1
    assert no_sideways_scroll(page)

    # Two officers and a team, from the rankings.
    page.click("#link-ranking")
    page.wait_for_selector("#ranking-list")
    assert page.locator("#ranking-list li[data-eligible]").count() >= 3
    _nominate(page, f"user:{users['officer.hn']}", "Lao động tiên tiến")
    page.goto(period_url + "/ranking")
    _nominate(page, f"user:{users['officer.hn2']}", "Chiến sĩ thi đua cơ sở")
    page.goto(period_url + "/ranking?who=units")
    page.wait_for_selector("#ranking-list")
    _nominate(page, f"unit:{units['HN-BD-T1']}", "Tập thể lao động xuất sắc")
    page.goto(period_url + "/nominations")
    assert page.locator("#nominations-table tr[data-nomination]").count() == 3

    # The dossier for Hà Nội, generated and downloaded.
    page.goto(period_url)
    page.select_option("#dossier-generate select[name=unit_id]", str(units["HN"]))
    page.click("#dossier-generate button.primary")
    # Rendered in the request (a small dossier): allow for a busy machine.
    page.wait_for_url(re.compile(r"/reviews/dossiers\?period=\d+$"), timeout=90_000)
    row = page.locator("#dossier-table tr[data-dossier]").first
    assert row.get_attribute("data-status") == "draft"
    code = row.get_attribute("data-code")
    with page.expect_download() as download_info:
        row.locator("a[data-action=download]").click()
    download = download_info.value
    assert download.suggested_filename == "ho-so-so-ket-HN-2023.pdf"
    reader = PdfReader(io.BytesIO(open(download.path(), "rb").read()))
    text = re.sub(r"\s+", "", "\n".join(p.extract_text() for p in reader.pages))
    for expected in ("Đỗ Thu Hương", "Vũ Minh Châu", "Tổ thu – phát triển đối tượng Ba Đình", "Lao động tiên tiến",
                     "Chiến sĩ thi đua cơ sở", "Tập thể lao động xuất sắc", "BÁOCÁOTHÀNHTÍCH"):
        assert re.sub(r"\s+", "", expected) in text, expected
    assert all(f"Mã xác minh: {code}" in p.extract_text() for p in reader.pages)

    # Marked final; the code on the pages leads to the snapshot, which agrees with the records.
    row.locator("button[data-action=final]").click()
    page.wait_for_selector(f"#dossier-table tr[data-code='{code}'][data-status=final]")
    page.goto(f"/verify/{code}")
    assert page.locator("#verify-result").get_attribute("data-agrees") == "1"
    assert page.locator("section[data-nominee]").count() == 3
    # The hash is kept for the technical details, and does not scroll the page sideways.
    assert page.locator("#verify-technical").count() == 1 and no_sideways_scroll(page)


def test_leadership_reads_the_closed_review_on_a_tablet(browser_page):
    page = browser_page("portrait")
    sign_in(page, "viewer")
    follow_nav(page, "/reviews/")
    page.click("#review-periods a[data-kind=interim]")
    page.wait_for_selector("#period-closed")
    assert page.locator("#review-close").count() == 0 and page.locator("#dossier-generate").count() == 0
    page.click("#link-ranking-units")
    page.wait_for_selector("#ranking-list li[data-key]")
    assert page.locator("a[data-nominate]").count() == 0
    assert no_sideways_scroll(page)
    # The filter swaps the ranking without a page reload.
    page.evaluate("window.__noReload = true")
    page.check("input[name=eligible]")
    page.wait_for_url("**eligible=1**")
    assert all(e == "1" for e in page.locator("#ranking-list li[data-key]").evaluate_all(
        "els => els.map(e => e.dataset.eligible)"))
    assert page.evaluate("window.__noReload") is True
    page.goto(page.url.split("/ranking")[0] + "/nominations")
    assert page.locator("#nominations-table tr[data-nomination]").count() == 5
    assert no_sideways_scroll(page)
