"""The supervisor's review queue in the browser, on the demo data, at both tablet
viewports: filter the queue by employer (htmx updates the list and the address),
verify all the visits the filter selects after confirming, and see the result.

Elements are found by id and data attributes, not by their (translated) text."""
import re

import pytest
import sqlalchemy as sa

from fieldops.auth.models import User
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.visits.models import ReviewState, Visit
from tests.browser.conftest import no_sideways_scroll, sign_in

TOUCH = 44


def _waiting_of_one_employer():
    """An employer of supervisor.hn's area with visits waiting for review, and their ids."""
    supervisor = db.session.scalars(sa.select(User).where(User.username == "supervisor.hn")).one()
    rows = db.session.execute(
        sa.select(Employer.unit_code, Visit.id).join(Employer, Employer.id == Visit.employer_id)
        .where(Visit.state == ReviewState.submitted, Visit.officer_id != supervisor.id,
               Visit.district_id == supervisor.org_unit_id)
        .order_by(Employer.unit_code, Visit.id)).all()
    assert rows, "the demo has visits waiting in Ba Đình"
    code = rows[0].unit_code
    return code, {row.id for row in rows if row.unit_code == code}


def _too_small(page, selector):
    """Visible elements of `selector` smaller than a fingertip."""
    return page.eval_on_selector_all(selector, """(items, touch) => items
        .filter(e => e.offsetParent !== null)
        .map(e => e.getBoundingClientRect())
        .filter(r => r.width < touch || r.height < touch)
        .map(r => [r.width, r.height])""", TOUCH)


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_supervisor_filters_the_queue_and_verifies_the_selection(browser_page, viewport):
    code, chosen = _waiting_of_one_employer()
    page = browser_page(viewport)
    sign_in(page, "supervisor.hn")
    page.click("nav a[href='/visits/review']")
    page.wait_for_selector("#review-queue .review-card")
    # Measured once the stylesheet applies: on a busy machine the cards are there before it.
    page.wait_for_load_state()
    assert no_sideways_scroll(page)
    assert _too_small(page, "#review-filters select, #review-filters input, #review-filters button, "
                            "#review-bulk button, .review-pick input") == []

    # The employer filter: the list alone is swapped, and the address keeps the filter.
    page.fill("#employer", code)
    page.press("#employer", "Enter")
    page.wait_for_url(re.compile(r"employer=" + re.escape(code)))
    page.wait_for_function("ids => document.querySelectorAll('#review-queue .review-card').length === ids",
                           arg=len(chosen))
    shown = {int(n) for n in page.eval_on_selector_all("#review-queue .review-card",
                                                       "cards => cards.map(c => c.dataset.visit)")}
    assert shown == chosen
    assert page.locator("#review-queue .changes li").count() >= len(chosen)  # figures on every card
    assert no_sideways_scroll(page)

    # Verify all of them: asked first, then done, then back on the filtered queue.
    page.click("#verify-all")
    page.wait_for_selector("#bulk-confirm-list")
    assert page.locator("#bulk-confirm-list li").count() == len(chosen)
    page.click("#confirm-verify")
    page.wait_for_url(re.compile(r"/visits/review\?.*employer="))
    assert page.locator(".flash-success").count() == 1
    assert page.locator("#review-queue .review-card").count() == 0
    assert page.locator("#verify-all").count() == 0
    db.session.expire_all()
    states = set(db.session.scalars(sa.select(Visit.state).where(Visit.id.in_(chosen))))
    assert states == {ReviewState.verified}


def test_the_state_filter_retitles_the_page_and_the_bulk_button_counts_the_waiting(browser_page):
    page = browser_page("landscape")
    sign_in(page, "supervisor.hn")
    page.goto("/visits/review")
    page.select_option("#state", "all")  # htmx swaps the list alone
    page.wait_for_url(re.compile(r"state=all"))
    page.wait_for_function("document.querySelector('#review-title').textContent.includes('mọi trạng thái')")
    assert page.title() == "Lượt làm việc — mọi trạng thái · FieldOps"
    shown = page.locator("#review-queue .review-card").count()
    waiting = page.locator("#review-queue .review-card input[name=pick]").count()
    assert shown > waiting > 0
    button = page.inner_text("#verify-all")
    assert "trong số đang hiển thị" in button and "tất cả" not in button
