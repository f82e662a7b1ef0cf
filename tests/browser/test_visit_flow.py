"""The heart of the app in a real browser: an officer records a visit on a tablet,
a supervisor returns it, the officer corrects it, the supervisor verifies it.
Selectors are ids and names, so the test holds in either language."""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.visits.models import ReviewState, Visit
from tests.browser.conftest import no_sideways_scroll, sign_in
from tests.browser.offline_helpers import until

VISIT_PAGE = re.compile(r"/visits/\d+$")
EMPLOYER = "Công ty TNHH May mặc Hồng Hà"  # demo data: Văn phòng (137) and Phân xưởng sản xuất (50), no visit yet


def visits_of(name):
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Visit).join(Employer, Employer.id == Visit.employer_id).where(Employer.name == name)
    ).all()


def line(page, department):
    return page.locator("[data-line]", has=page.locator("h3", has_text=department))


def small_targets(page):
    """Visible buttons, links styled as buttons and fields lower than 44 px."""
    page.wait_for_load_state()
    return page.evaluate(
        """() => [...document.querySelectorAll('main button, main a.button, main select, main textarea,'
                  + ' main input:not([type=hidden]):not([type=checkbox])')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)"""
    )


def open_form_by_search(page):
    page.click("nav a[href='/visits/new']")
    page.locator("#visit-employer-search").press_sequentially("hong ha", delay=40)
    page.locator("#visit-employers a", has_text=EMPLOYER).click()
    page.wait_for_selector("#visit-form")


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_record_return_correct_and_verify_a_visit(browser_page, viewport):
    officer = browser_page(viewport)
    sign_in(officer, "officer.hn")
    open_form_by_search(officer)
    assert no_sideways_scroll(officer) and small_targets(officer) == []

    officer.fill("#visit_date", "2023-06-15")
    officer.select_option("#purpose", "registration_drive")
    assert officer.locator("#total-coverage").inner_text() == "0,0%"
    workshop, office = line(officer, "Phân xưởng sản xuất"), line(officer, "Văn phòng")
    assert workshop.locator("[data-count=insured]").input_value() == "50"

    # Coverage follows the numbers as they are typed.
    registered = workshop.locator("[data-count=registered]")
    registered.fill("")
    registered.press_sequentially("2")
    assert workshop.locator("[data-out=coverage]").inner_text() == "4,0%"
    registered.press_sequentially("5")
    assert workshop.locator("[data-out=coverage]").inner_text() == "50,0%"
    assert workshop.locator("[data-out=unregistered]").inner_text() == "25"
    assert officer.locator("#total-coverage").inner_text() == "13,4%"  # 25 of 187
    workshop.locator("[data-count=active]").fill("10")
    workshop.locator("[data-count=newly]").fill("25")
    office.locator("[data-count=registered]").fill("100")
    office.locator("[data-count=active]").fill("60")
    office.locator("[data-count=newly]").fill("40")
    assert officer.locator("#total-coverage").inner_text() == "66,8%"  # 125 of 187
    assert officer.locator("#total-unregistered").inner_text() == "62"

    # Bad input: the server's message appears beside the field, nothing is saved, and
    # what was typed stays.
    office.locator("[data-count=registered]").fill("200")
    officer.click("#visit-submit")
    office.locator(".field.has-error .error").wait_for()
    assert visits_of(EMPLOYER) == []
    assert workshop.locator("[data-count=registered]").input_value() == "25"
    office.locator("[data-count=registered]").fill("100")
    assert officer.locator("#total-coverage").inner_text() == "66,8%"

    officer.click("#add-obstacle")
    officer.select_option("select[name$='-category']", "no_smartphone")
    officer.fill("input[name$='-people_affected']", "3")

    # A double tap sends one visit.
    officer.dblclick("#visit-submit")
    officer.wait_for_url(VISIT_PAGE)
    assert officer.locator("#visit-state .state-submitted").count() == 1
    recorded = visits_of(EMPLOYER)
    assert len(recorded) == 1
    visit = recorded[0]
    assert sorted((l.registered, l.active) for l in visit.lines) == [(25, 10), (100, 60)]
    assert [o.category for o in visit.obstacles] == ["no_smartphone"]
    assert no_sideways_scroll(officer)

    # The supervisor returns it with a reason.
    supervisor = browser_page(viewport)
    sign_in(supervisor, "supervisor.hn")
    supervisor.click("nav a[href='/visits/review']")
    supervisor.click(f"#review-queue a[href='/visits/{visit.id}']")
    supervisor.click("#review button[value=return]")  # without a reason: refused beside the field
    supervisor.wait_for_selector("#reason-error")
    assert visits_of(EMPLOYER)[0].state == ReviewState.submitted
    supervisor.fill("#reason", "Văn phòng: số đã đăng ký chưa khớp danh sách, đề nghị đếm lại.")
    supervisor.click("#review button[value=return]")
    supervisor.wait_for_url("**/visits/review")
    assert visits_of(EMPLOYER)[0].state == ReviewState.returned

    # The officer sees it first on the home page with the reason, corrects and resubmits.
    officer.goto("/")
    first = officer.locator("#my-visits li").first
    assert "đề nghị đếm lại" in first.inner_text()
    first.locator("a").click()
    officer.click("#visit-edit")
    officer.wait_for_selector("#visit-form")
    assert "đề nghị đếm lại" in officer.locator("main").inner_text()
    line(officer, "Văn phòng").locator("[data-count=registered]").fill("90")
    officer.click("#visit-submit")
    officer.wait_for_url(VISIT_PAGE)
    visit = visits_of(EMPLOYER)[0]
    assert (visit.state, visit.revision) == (ReviewState.submitted, 2)
    assert officer.locator(".revisions li").count() == 2

    # The supervisor verifies it; the officer can no longer edit it.
    supervisor.goto(f"/visits/{visit.id}")
    supervisor.click("#review button[value=verify]")
    supervisor.wait_for_url("**/visits/review")
    assert visits_of(EMPLOYER)[0].state == ReviewState.verified
    officer.goto(f"/visits/{visit.id}")
    assert officer.locator("#visit-edit").count() == 0
    assert officer.locator("#visit-state .state-verified").count() == 1

    # The employer page shows the verified figures: 115 of 187 registered.
    officer.goto(f"/employers/{visit.employer_id}")
    totals = officer.locator("#employer-totals").inner_text()
    assert "115" in totals and "61,5%" in totals  # 115 ÷ 187, the one rounding of percentages
    assert no_sideways_scroll(officer)


def test_a_visit_typed_without_network_is_kept_and_sent_once_when_back(browser_page):
    officer = browser_page("portrait")
    sign_in(officer, "officer.hn")
    open_form_by_search(officer)
    officer.fill("#visit_date", "2023-07-01")
    officer.select_option("#purpose", "guidance")
    line(officer, "Văn phòng").locator("[data-count=registered]").fill("70")
    # The tablet gives its location.
    officer.context.grant_permissions(["geolocation"])
    officer.context.set_geolocation({"latitude": 21.0341, "longitude": 105.8142, "accuracy": 12})
    officer.click("#use-location")
    officer.wait_for_function("() => document.getElementById('latitude').value !== ''")
    assert (officer.input_value("#latitude"), officer.input_value("#longitude")) == ("21.034100", "105.814200")
    # A department missing from the list, added on the form.
    officer.click("#add-line")
    added = officer.locator("[data-line]").last
    added.locator("input[name$='-new_name']").fill("Kho hàng")
    for name, value in (("insured", "12"), ("registered", "3"), ("active", "1")):
        added.locator(f"[data-count={name}]").fill(value)
    assert officer.locator("#total-insured").inner_text() == "199"

    # Closed by accident and reopened: what was typed comes back, with the same key.
    key = officer.input_value("input[name=idempotency_key]")
    # The draft is saved a moment after typing: wait for a save made after the last key typed.
    typed_at = officer.evaluate("() => Date.now()")
    added.locator("[data-count=active]").fill("1")
    until(officer, f"""() => Object.keys(localStorage).some(name => {{
        const draft = JSON.parse(localStorage.getItem(name) || 'null');
        return draft && draft.key === {key!r} && draft.saved_at >= {typed_at};
    }})""")
    officer.reload()
    # The form restores once the outbox has been read, which may be after the page's load.
    officer.wait_for_selector("#visit-form[data-ready=yes]", state="attached")
    assert officer.locator("#draft-restored").is_visible()
    assert line(officer, "Văn phòng").locator("[data-count=registered]").input_value() == "70"
    assert officer.input_value("#purpose") == "guidance"
    assert officer.input_value("input[name=idempotency_key]") == key
    restored = officer.locator("[data-line]").last
    assert restored.locator("input[name$='-new_name']").input_value() == "Kho hàng"
    assert restored.locator("[data-count=registered]").input_value() == "3"
    assert officer.locator("#total-insured").inner_text() == "199"

    # The connection drops as it is sent: kept in the outbox, nothing recorded.
    officer.context.set_offline(True)
    officer.click("#visit-submit")
    officer.wait_for_selector("#visit-offline", state="visible")
    assert officer.locator("#outbox").is_visible()
    assert visits_of(EMPLOYER) == []

    # Back online: the outbox sends it, once, even when told twice.
    officer.context.set_offline(False)
    # Told twice: by the connection coming back (which may send it first) and by the button.
    officer.evaluate("() => { const send = document.getElementById('outbox-send'); if (send) send.click(); }")
    # The form becomes a plain "sent", with the visit's link and no stale notice.
    officer.wait_for_selector("#visit-sent")
    assert not officer.locator("#visit-offline").is_visible()
    visits = visits_of(EMPLOYER)
    assert len(visits) == 1 and visits[0].idempotency_key == key
    assert officer.locator("#visit-sent a").get_attribute("href") == f"/visits/{visits[0].id}"
    expect(officer.locator("#outbox-count")).to_have_text("0")
    assert (visits[0].latitude, visits[0].longitude) == (21.0341, 105.8142)
    assert sorted((l.department.name, l.registered) for l in visits[0].lines) == [
        ("Kho hàng", 3), ("Phân xưởng sản xuất", 0), ("Văn phòng", 70)]
    assert officer.evaluate("Object.keys(localStorage).filter(k => k.startsWith('fieldops.draft.'))") == []
