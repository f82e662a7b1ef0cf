"""Outreach in the browser, on the demo data of Hà Nội, at both tablet viewports:
officer.hn records a school session already held, with a photo (a too-large
registrations figure first, shown beside its field); supervisor.hn opens it,
sees the photo and verifies it; the activity then counts as verified.

Elements are found by id, name and data attributes, not by their (translated) text."""
import re
from urllib.parse import urlsplit

import pytest

from fieldops.extensions import db
from fieldops.outreach.models import OutreachActivity, OutreachState
from tests.browser.conftest import follow_nav, no_sideways_scroll, sign_in
from tests.outreach_helpers import image_bytes


def loaded_width(image) -> int:
    """The image's natural width once it has loaded: lazy images load when scrolled to, and late on a busy machine."""
    image.scroll_into_view_if_needed()
    return image.evaluate("img => img.complete ? img.naturalWidth : new Promise(done => {"
                          "img.addEventListener('load', () => done(img.naturalWidth));"
                          "img.addEventListener('error', () => done(0)); })")


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_officer_records_a_school_session_with_a_photo_and_the_supervisor_verifies_it(browser_page, viewport,
                                                                                       tmp_path):
    photo = tmp_path / "buoi-tuyen-truyen.jpg"
    photo.write_bytes(image_bytes(size=(1200, 900), color=(30, 120, 200), fmt="JPEG"))
    officer = browser_page(viewport)
    errors = []
    officer.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(officer, "officer.hn")
    follow_nav(officer, "/outreach/")
    officer.wait_for_url("**/outreach/")
    officer.click("#outreach-new")
    officer.wait_for_url("**/outreach/new")
    assert no_sideways_scroll(officer)
    officer.select_option("select[name=kind]", "school_session")
    officer.check("#outreach-groups input[value=students]")
    officer.fill("input[name=starts_on]", "2023-11-20")
    officer.fill("input[name=place]", "Trường THPT Phan Đình Phùng")
    officer.fill("input[name=partners]", "Đoàn Thanh niên quận Ba Đình")
    officer.check("#outreach-status input[value=held]")
    officer.fill("input[name=people_reached]", "420")
    officer.fill("input[name=registrations]", "500")
    officer.set_input_files("input[name=photos]", str(photo))
    officer.click("#outreach-form button.primary")
    assert officer.locator("#registrations-error").count() == 1
    assert no_sideways_scroll(officer)
    # A refused form keeps what was typed, except the file: chosen again.
    assert officer.locator("input[name=place]").input_value() == "Trường THPT Phan Đình Phùng"
    officer.fill("input[name=registrations]", "85")
    officer.set_input_files("input[name=photos]", str(photo))
    officer.click("#outreach-form button.primary")
    officer.wait_for_url(re.compile(r"/outreach/\d+$"))
    address = officer.url
    assert officer.locator("#outreach-state [data-state=held]").count() == 1
    assert officer.locator("#outreach-facts [data-figure=people_reached]").inner_text() == "420"
    assert officer.locator("#outreach-verify").count() == 0
    assert loaded_width(officer.locator("#outreach-photos img").first) == 1200
    assert no_sideways_scroll(officer)

    supervisor = browser_page(viewport)
    supervisor.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(supervisor, "supervisor.hn")
    supervisor.goto("/outreach/?state=held")
    supervisor.click(f'#outreach-list a[href="{urlsplit(address).path}"]')
    supervisor.wait_for_url(address)
    # The photo as stored (re-encoded, at most 1,600 px).
    assert loaded_width(supervisor.locator("#outreach-photos img").first) == 1200
    supervisor.click("#outreach-verify button")
    supervisor.wait_for_url(address)
    assert supervisor.locator("#outreach-state [data-state=verified]").count() == 1
    assert supervisor.locator("#outreach-verify").count() == 0
    assert no_sideways_scroll(supervisor)
    made = db.session.get(OutreachActivity, int(address.rsplit("/", 1)[1]))
    db.session.refresh(made)
    assert (made.state, made.people_reached, made.registrations) == (OutreachState.verified, 420, 85)
    assert errors == []
