"""Feedback where the eye is: a form sent with errors brings its summary into the
viewport and gives it the focus, after a page load and after an htmx swap, on
both tablet viewports."""
import pytest
import sqlalchemy as sa

from fieldops.extensions import db
from fieldops.followups.models import FollowUp, FollowUpState
from fieldops.visits.models import ReviewState, Visit
from tests.browser.conftest import open_more_menu, sign_in
from tests.browser.test_visit_flow import open_form_by_search

SUMMARY = "[data-error-summary]"


def in_view_and_focused(page, selector):
    # The element exists once parsed; app.js marks it seen when it has moved the focus
    # and the scroll, on DOMContentLoaded or after the swap, which may come later.
    page.wait_for_selector(selector + "[data-seen]", state="attached")
    return page.evaluate("""(selector) => {
        const summary = document.querySelector(selector);
        if (!summary) return "no summary";
        const box = summary.getBoundingClientRect();
        const inside = box.top >= 0 && box.top < window.innerHeight && box.left >= 0 && box.right <= window.innerWidth;
        if (!inside) return "outside the viewport: top " + box.top;
        return document.activeElement === summary ? "ok" : "focus on " + document.activeElement.outerHTML.slice(0, 80);
    }""", selector)


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_returning_a_visit_without_a_reason_says_so_where_the_supervisor_looks(browser_page, viewport):
    visit = db.session.scalars(sa.select(Visit).where(Visit.state == ReviewState.submitted)
                               .order_by(Visit.id)).first()
    page = browser_page(viewport)
    sign_in(page, "supervisor.hn")
    page.goto(f"/visits/{visit.id}")
    page.click("#review button[value=return]")
    page.wait_for_selector(SUMMARY)
    assert in_view_and_focused(page, SUMMARY) == "ok"
    assert "Có 1 lỗi cần sửa" in page.inner_text(SUMMARY)
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).state == ReviewState.submitted

    # Its link puts the cursor in the reason box.
    page.click(f"{SUMMARY} a[href='#reason']")
    assert page.evaluate("document.activeElement.id") == "reason"


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_a_follow_up_rejected_in_the_queue_without_a_reason_answers_in_its_row(browser_page, viewport):
    page = browser_page(viewport)
    sign_in(page, "supervisor.hn")
    page.goto("/followups/?state=proposed")
    row = page.locator("tr[data-followup]").filter(has=page.locator("details.fu-reject")).first
    followup_id = int(row.get_attribute("id").rsplit("-", 1)[1])
    row.locator("details.fu-reject summary").click()
    row.locator("textarea, input[name=reason]").fill("   ")
    row.locator("button[data-action=reject]").click()
    page.wait_for_selector(f"#followup-row-{followup_id} {SUMMARY}")
    assert in_view_and_focused(page, f"#followup-row-{followup_id} {SUMMARY}") == "ok"
    db.session.expire_all()
    assert db.session.get(FollowUp, followup_id).state == FollowUpState.proposed




@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_a_visit_with_errors_brings_its_summary_into_view(browser_page, viewport):
    page = browser_page(viewport)
    sign_in(page, "officer.hn")
    open_form_by_search(page)
    page.fill("#visit_date", "2023-06-15")
    page.select_option("#purpose", "registration_drive")
    office = page.locator("[data-line]", has=page.locator("h3", has_text="Văn phòng"))
    office.locator("[data-count=registered]").fill("200")  # more than the 137 insured
    page.click("#visit-submit")
    page.wait_for_selector(SUMMARY)
    assert in_view_and_focused(page, SUMMARY) == "ok"
    field_id = page.get_attribute(f"{SUMMARY} a", "href")[1:]
    page.click(f"{SUMMARY} a")
    assert page.evaluate("document.activeElement.id") == field_id


def test_the_visit_form_writes_live_figures_in_the_pages_language(browser_page):
    page = browser_page("landscape")
    sign_in(page, "officer.hn")
    open_more_menu(page)
    page.click("button[lang=en]")
    page.wait_for_selector("html[lang=en]")
    open_form_by_search(page)
    office = page.locator("[data-line]", has=page.locator("h3", has_text="Văn phòng"))
    office.locator("[data-count=registered]").fill("100")
    page.locator("[data-line]", has=page.locator("h3", has_text="Phân xưởng")).locator(
        "[data-count=registered]").fill("25")
    assert page.locator("#total-coverage").inner_text() == "66.8%"  # 125 of 187
    office.locator("[data-count=insured]").fill("1370")
    assert page.locator("#total-insured").inner_text() == "1,420"


def test_a_server_message_goes_once_its_field_is_changed(browser_page):
    page = browser_page("portrait")
    sign_in(page, "officer.hn")
    open_form_by_search(page)
    page.fill("#visit_date", "2023-06-15")
    page.click("#visit-submit")  # no purpose: the server answers
    page.wait_for_selector(SUMMARY)
    assert "Có 1 lỗi cần sửa" in page.inner_text(SUMMARY)
    assert "Chọn mục đích làm việc." in page.inner_text(SUMMARY)
    page.select_option("#purpose", "registration_drive")
    office = page.locator("[data-line]", has=page.locator("h3", has_text="Văn phòng"))
    office.locator("[data-count=registered]").fill("200")  # more than the 137 insured
    page.click("#visit-submit")  # the browser stops it
    summary = page.inner_text(SUMMARY)
    assert "Có 1 lỗi cần sửa" in summary and "mục đích" not in summary.lower(), summary
    purpose = page.locator(".field", has=page.locator("#purpose"))
    assert purpose.locator(".error").count() == 0 and "has-error" not in purpose.get_attribute("class")
    assert page.get_attribute("#purpose", "aria-invalid") is None
    assert office.locator(".has-error [data-count=registered]").count() == 1
