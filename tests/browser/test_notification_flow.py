"""Notifications in the browser, on the demo data, at the portrait tablet viewport:
a supervisor returns an officer's visit with a reason; the officer sees the bell's
count, reads the notice with the reason, and opens the visit from it. An officer
whose notices piled up sees "99+" in a top bar that still fits, either way up.

Elements are found by id and data attributes, not by their (translated) text."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from fieldops.auth.models import User
from fieldops.extensions import db
from fieldops.followups.models import FollowUpNotice, NoticeEvent
from fieldops.timeutil import utcnow
from fieldops.visits.models import ReviewState, Visit
from tests.browser.conftest import no_sideways_scroll, sign_in

REASON = "Văn phòng: số đã đăng ký chưa khớp danh sách, đề nghị đếm lại."


def waiting_visit():
    """officer.hn's visit of 03/07/2023, which the demo leaves unreviewed."""
    officer = db.session.scalars(sa.select(User).where(User.username == "officer.hn")).one()
    return db.session.scalars(sa.select(Visit).where(Visit.officer_id == officer.id,
                                                     Visit.visit_date == date(2023, 7, 3))).one()


def test_an_officer_sees_a_returned_visit_notice_and_opens_the_visit(browser_page):
    visit = waiting_visit()
    assert visit.state == ReviewState.submitted
    officer = browser_page("portrait")
    sign_in(officer, "officer.hn")
    officer.goto("/followups/notices")  # what the demo left is seen: the count starts at none
    officer.goto("/")
    assert officer.locator("#notice-badge .fu-count").count() == 0

    supervisor = browser_page("portrait")
    sign_in(supervisor, "supervisor.hn")
    supervisor.goto(f"/visits/{visit.id}")
    supervisor.fill("#reason", REASON)
    supervisor.click("#review button[value=return]")
    supervisor.wait_for_url("**/visits/review")

    officer.goto("/")
    assert officer.locator("#notice-badge .fu-count").get_attribute("data-count") == "1"
    officer.click("#notice-badge")
    officer.wait_for_url("**/followups/notices")
    notice = officer.locator("#notices li.is-new[data-event=visit_returned]")
    assert notice.count() == 1 and REASON in notice.inner_text()
    link = notice.locator("a.card-link")
    box = link.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 800  # a card to tap, inside the screen
    link.click()
    officer.wait_for_url(re.compile(rf"/visits/{visit.id}$"))
    assert officer.locator("#visit-state .state-returned").count() == 1
    assert officer.evaluate("document.documentElement.scrollWidth") <= 800


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_an_officer_with_notices_piling_up_sees_99_plus_and_a_top_bar_that_still_fits(browser_page, viewport):
    officer = db.session.scalars(sa.select(User).where(User.username == "officer.hn")).one()
    visit = waiting_visit()
    db.session.execute(sa.insert(FollowUpNotice), [
        {"user_id": officer.id, "visit_id": visit.id, "event": NoticeEvent.visit_verified, "created_at": utcnow()}
        for _ in range(120)])
    db.session.commit()
    page = browser_page(viewport)
    sign_in(page, "officer.hn")
    badge = page.locator("#notice-badge")
    assert badge.locator(".fu-count").inner_text() == "99+"
    assert badge.get_attribute("aria-label") == "Hơn 99 thông báo mới"
    # The "More" menu, the bell and the outbox side by side, none over another.
    boxes = [page.locator(selector).bounding_box() for selector in ("#nav-more summary", "#notice-badge", "#outbox-link")]
    assert all(left["x"] + left["width"] <= right["x"] for left, right in zip(boxes, boxes[1:]))
    assert no_sideways_scroll(page)
    page.click("#notice-badge")
    page.wait_for_url("**/followups/notices")
    page.goto("/")
    assert page.locator("#notice-badge .fu-count").count() == 0  # opened: every one seen
