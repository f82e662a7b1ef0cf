"""Follow-ups in the browser, on the demo data of Hà Tĩnh: an officer proposes a
revisit from a visit, the supervisor approves it inline, the officer starts and
completes it; overdue shows in both queues; the supervisor approves in bulk.

Elements are found by id and data attributes, not by their (translated) text."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import no_sideways_scroll, sign_in

WATER_COMPANY = "Công ty Cổ phần Cấp nước Hà Tĩnh"  # YN01003, visited by officer.ht on 12/09/2023
OVERDUE_EMPLOYER = "Công ty Cổ phần Môi trường Đô thị Hà Tĩnh"  # its revisit was due 30/06/2023


def _followup_id(page):
    return int(re.search(r"/followups/(\d+)$", page.url).group(1))


def test_propose_approve_inline_start_and_complete(browser_page):
    officer = browser_page("portrait")
    sign_in(officer, "officer.ht")
    # From the visit: the officer's list of visits, the visit, "propose a follow-up".
    officer.goto("/visits/")
    officer.click(f"#my-visits a:has-text('{WATER_COMPANY}')")
    officer.click("#propose-followup")
    assert officer.locator("select[name=kind]").input_value() == "revisit"
    officer.fill("textarea[name=note]", "Quay lại đăng ký cho 20 người lao động còn lại")
    officer.click("#followup-propose button.primary")
    officer.wait_for_url(re.compile(r"/followups/\d+$"))
    followup_id = _followup_id(officer)
    assert officer.locator("#followup-state .fu-state-proposed").count() == 1

    # The supervisor approves it in the queue, without a page reload.
    supervisor = browser_page("landscape")
    sign_in(supervisor, "supervisor.ht")
    supervisor.goto("/followups/?state=proposed")
    supervisor.evaluate("window.__noReload = true")
    proposed = supervisor.locator("#followup-counts [data-state=proposed] strong")
    waiting = int(proposed.inner_text())
    row = supervisor.locator(f"#followup-row-{followup_id}")
    row.locator("button[data-action=approve]").click()
    supervisor.locator(f"#followup-row-{followup_id} .fu-state-approved").wait_for()
    expect(supervisor.locator("#followup-counts [data-state=proposed] strong")).to_have_text(str(waiting - 1))
    assert supervisor.evaluate("window.__noReload") is True
    assert supervisor.locator(f"#followup-row-{followup_id} button[data-action=approve]").count() == 0

    # The officer starts it from their queue (one tap), then completes it.
    officer.goto("/followups/mine")
    card = officer.locator(f"#followup-card-{followup_id}")
    card.locator("button[data-action=start]").click()
    officer.locator(f"#followup-card-{followup_id} a[data-action=complete]").click()
    officer.wait_for_url(f"**/followups/{followup_id}/complete")
    officer.fill("textarea[name=outcome]", "Đã đăng ký thêm 18 người; 2 người chưa có điện thoại thông minh")
    officer.click("#followup-complete button.primary")
    officer.wait_for_url("**/followups/mine")
    assert officer.locator(f"#followup-card-{followup_id}").count() == 0
    officer.goto(f"/followups/{followup_id}")
    assert officer.locator("#followup-state .fu-state-done").count() == 1
    assert "2 người chưa có điện thoại" in officer.locator("#followup-outcome").inner_text()


def test_an_overdue_follow_up_shows_as_overdue_in_both_queues(browser_page):
    officer = browser_page("portrait")
    sign_in(officer, "officer.ht")
    officer.goto("/followups/mine")
    card = officer.locator("#mine-overdue li.fu-card", has_text=OVERDUE_EMPLOYER)
    assert card.locator("[data-overdue]").count() == 1
    followup_id = int(card.get_attribute("id").rsplit("-", 1)[1])

    supervisor = browser_page("landscape")
    sign_in(supervisor, "supervisor.ht")
    supervisor.goto("/followups/?state=all")  # approved: a filter away from what awaits a decision
    assert supervisor.locator(f"#followup-row-{followup_id} [data-overdue]").count() == 1
    # And the overdue filter keeps it, by htmx, without leaving the page.
    supervisor.check("input[name=overdue]")
    supervisor.wait_for_url("**overdue=y**")
    rows = supervisor.locator("#followup-table tbody tr[data-followup]")
    assert rows.count() >= 1
    assert rows.count() == supervisor.locator("#followup-table tbody tr[data-followup] [data-overdue]").count()


def test_supervisor_bulk_approves_three_follow_ups(browser_page):
    supervisor = browser_page("landscape")
    sign_in(supervisor, "supervisor.ht")
    supervisor.goto("/followups/?state=proposed")
    boxes = supervisor.locator("input[data-bulk-pick]")
    assert boxes.count() >= 3
    chosen = [int(boxes.nth(i).get_attribute("value")) for i in range(3)]
    for i in range(3):
        boxes.nth(i).check()
    supervisor.click("button[data-bulk=approve]")
    supervisor.wait_for_load_state()
    for followup_id in chosen:
        assert supervisor.locator(f"#followup-row-{followup_id}").count() == 0  # no longer proposed
    supervisor.goto("/followups/?state=approved")
    for followup_id in chosen:
        assert supervisor.locator(f"#followup-row-{followup_id} .fu-state-approved").count() == 1


@pytest.mark.parametrize("username, path", [("supervisor.ht", "/followups/"), ("officer.ht", "/followups/mine"),
                                            ("officer.ht", "/")])
def test_follow_up_pages_fit_the_tablet_with_large_touch_targets(browser_page, username, path):
    page = browser_page("portrait")
    sign_in(page, username)
    page.goto(path)
    assert no_sideways_scroll(page)
    small = page.evaluate(
        """() => [...document.querySelectorAll(`[data-followup] a.button, [data-followup] button,
                 [data-followup] input, #followup-filters select, #followup-filters label.check, #followup-bulk button,
                 #followup-counts a, #notice-badge, [data-followup] summary`)]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)"""
    )
    assert small == []
