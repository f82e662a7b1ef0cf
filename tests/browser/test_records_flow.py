"""Records that stay true, in the browser on the demo data, at both tablet
viewports: an officer splits an employer's "Toàn đơn vị" into its two parts
while recording a visit; the Customer Care Center answers an escalation and
the officer sees the answer.

Elements are found by id and data attributes, not by their (translated) text."""
import re

import pytest
import sqlalchemy as sa

from fieldops.employers.models import WHOLE_EMPLOYER, Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.followups.models import FollowUp
from fieldops.org.models import OrgUnit
from fieldops.timeutil import local_today
from tests.browser.conftest import no_sideways_scroll, sign_in


def _whole_employer_of(district_code):
    """A demo employer of the district counted as one "Toàn đơn vị"."""
    district = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code == district_code)).one()
    for employer in db.session.scalars(sa.select(Employer).where(Employer.district_id == district.id)
                                       .order_by(Employer.id)):
        if [d.name for d in employer.departments] == [WHOLE_EMPLOYER]:
            return employer, employer.departments[0]
    raise AssertionError("the demo has no such employer")


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_an_officer_splits_a_department_during_a_visit(browser_page, viewport):
    employer, whole = _whole_employer_of("HN-BD")
    page = browser_page(viewport)
    sign_in(page, "officer.hn")
    page.goto(f"/employers/{employer.id}")
    page.click(f"#employer-figures tr[data-department='{whole.id}'] a[href$='/split']")
    page.fill("textarea[name=parts]", "Khối văn phòng; 25\nKhối sản xuất; 40")
    page.fill("input[name=day]", local_today().isoformat())
    page.fill("textarea[name=reason]", "Đơn vị chia thành hai khối")
    page.click("#department-life button.primary")
    page.wait_for_url(f"**/employers/{employer.id}")
    assert page.locator(f"#ended-departments tr[data-department='{whole.id}']").count() == 1
    assert page.locator(f"#employer-figures tr[data-department='{whole.id}']").count() == 0
    assert page.locator("#employer-figures tbody tr").count() == 2
    assert no_sideways_scroll(page)

    # The visit that follows counts the two parts, never the retired whole.
    page.click("#record-visit")
    page.wait_for_url(re.compile(r"/visits/new/\d+$"))
    offered = page.locator("input[name$='-department_id']").evaluate_all("(inputs) => inputs.map(i => i.value)")
    parts = db.session.scalars(sa.select(LabourDepartment.id).where(
        LabourDepartment.employer_id == employer.id, LabourDepartment.retired_on.is_(None))).all()
    assert sorted(int(v) for v in offered if v) == sorted(parts)


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_the_center_answers_an_escalation_and_the_officer_sees_it(browser_page, viewport):
    center = browser_page(viewport)
    sign_in(center, "care")
    center.goto("/followups/care")
    card = center.locator("#care-queue [data-escalation]").first
    followup_id = int(card.get_attribute("data-escalation"))
    assert card.locator("a[href^='tel:09']").count() == 1  # the employer's contact, to call
    card.locator("select[name$='-answer']").select_option("needs_officer")
    card.locator("textarea[name$='-note']").fill("Đã đối chiếu CCCD; cán bộ cần hướng dẫn 4 người cập nhật hồ sơ")
    card.locator("button.primary").click()
    center.wait_for_url("**/followups/care")
    assert center.locator(f"#care-queue [data-escalation='{followup_id}']").count() == 0
    assert no_sideways_scroll(center)

    assignee = db.session.get(FollowUp, followup_id).assignee.username
    officer = browser_page(viewport)
    sign_in(officer, assignee)
    assert int(officer.locator("#notice-badge [data-count]").get_attribute("data-count")) >= 1
    officer.goto("/followups/notices")
    assert officer.locator(f"a[href$='/followups/{followup_id}']").count() >= 1
    officer.goto(f"/followups/{followup_id}")
    assert "cán bộ cần hướng dẫn 4 người" in officer.locator("#followup-care-answer").inner_text()
    assert officer.locator("#followup-state .fu-state-in_progress").count() == 1
