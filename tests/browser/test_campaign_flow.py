"""Campaign set-up in the browser, on the demo data: the national admin sets up
the 2024 campaign (the demo's own draft taken out first), copies the 2023
targets into it, allocates the nation's targets to the provinces by their
insured people, and reads the targets page, where the provinces' targets add
up to the nation's.

Elements are found by id and data attributes, not by their (translated) text."""
import pytest
import sqlalchemy as sa

from fieldops.campaigns.models import Campaign
from fieldops.extensions import db
from fieldops.progress.models import Target
from tests.browser.conftest import follow_nav, no_sideways_scroll, sign_in
from tests.browser.test_progress_flow import small_targets


def _forget_the_demos_2024():
    chosen = sa.select(Campaign.id).where(Campaign.code == "2024")
    with db.engine.begin() as connection:
        connection.execute(sa.delete(Target.__table__).where(Target.campaign_id.in_(chosen)))
        connection.execute(sa.delete(Campaign.__table__).where(Campaign.code == "2024"))


def _number(text):
    return int(text.strip().split()[0].replace(".", ""))


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_admin_sets_up_2024_copies_and_allocates_the_targets(browser_page, viewport):
    _forget_the_demos_2024()
    page = browser_page(viewport)
    sign_in(page, "admin")
    follow_nav(page, "/admin/campaigns/")
    page.wait_for_selector("#campaigns-table tr[data-campaign='2023']")
    page.click("#campaign-new")

    # A mistake first: results counted from after the end. Refused beside the field, nothing saved.
    page.fill("#name", "Phong trào thi đua cài đặt và sử dụng ứng dụng VssID năm 2024")
    page.fill("#code", "2024")
    page.fill("#decision_number", "112/QĐ-BHXH")
    page.fill("#decision_date", "2024-02-20")
    page.fill("#starts_on", "2024-03-01")
    page.fill("#ends_on", "2024-12-31")
    page.fill("#counts_from", "2025-01-01")
    page.click("#campaign-form button.primary")
    page.wait_for_selector("#counts_from-error")
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id)).where(Campaign.code == "2024")) == 0
    assert no_sideways_scroll(page)
    page.fill("#counts_from", "2024-01-01")
    assert page.locator("input[name=participant_groups]:checked").count() == 5
    assert page.locator("#state").input_value() == "draft"
    page.click("#campaign-form button.primary")
    page.wait_for_selector("#copy-targets")
    assert no_sideways_scroll(page) and small_targets(page) == []

    # Copy 2023's targets: off to the targets page of 2024.
    page.select_option("#copy-targets select[name=source_id]", label=page.locator(
        "#copy-targets select[name=source_id] option").first.inner_text())
    page.click("#copy-targets button")
    page.wait_for_selector("#targets-table tr[data-unit=VN]")
    assert "campaign=" in page.url
    nation = page.locator("#targets-table tr[data-unit=VN] td[data-metric=registered_employer] a").first.inner_text()

    # Allocate the nation's targets to the provinces by insured people.
    page.click("#targets-allocate")
    page.wait_for_selector("#allocate-targets")
    assert page.locator("#basis").input_value() == "insured"
    page.click("#allocate-targets button.primary")
    page.wait_for_selector("#targets-table tr[data-unit=VN]")
    row = page.locator("#targets-table tr[data-unit=VN] td[data-metric=registered_employer]")
    assert row.locator("[data-children-below]").count() == 0
    provinces = [_number(page.locator(f"#targets-table tr[data-unit={code}] td[data-metric=registered_employer] a")
                         .first.inner_text()) for code in ("HN", "HT")]
    assert sum(provinces) == _number(nation) and all(provinces)
    assert no_sideways_scroll(page)
    campaign = db.session.scalars(sa.select(Campaign).where(Campaign.code == "2024")).one()
    assert (campaign.decision_number, str(campaign.state)) == ("112/QĐ-BHXH", "draft")
