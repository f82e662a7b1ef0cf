"""Group returns in the browser, on the demo data of Hà Tĩnh: the officer files
January 2024's voluntary return from the month's grid (a mistake first, shown
beside its field), the supervisor locks it and corrects it with a reason.

Elements are found by id and data attributes, not by their (translated) text."""
import re

from tests.browser.conftest import sign_in


def test_file_lock_and_correct_a_return(browser_page):
    officer = browser_page("portrait")
    sign_in(officer, "officer.ht")
    officer.goto("/returns/?month=2023-12")
    # December 2023 is filed already; switching the month goes through htmx.
    assert officer.locator("#returns-table tr[data-district=HT-TP] td[data-group=voluntary] .state-filed").count() == 1
    officer.fill("input[name=month]", "2024-01")
    officer.click("form.searchbar button")
    officer.wait_for_url("**month=2024-01**")
    officer.click("#returns-table tr[data-district=HT-TP] td[data-group=voluntary] a.small-button")
    officer.wait_for_url(re.compile(r"/returns/new\?"))
    assert officer.locator("select[name=participant_group]").input_value() == "voluntary"
    assert officer.locator("input[name=month]").input_value() == "2024-01"

    officer.fill("input[name=participants]", "800")
    officer.fill("input[name=registered]", "900")
    officer.fill("input[name=new_participants]", "40")
    officer.fill("input[name=new_registered]", "30")
    officer.click("#return-file button.primary")
    assert officer.locator("#registered-error").count() == 1
    officer.fill("input[name=registered]", "700")
    officer.click("#return-file button.primary")
    officer.wait_for_url(re.compile(r"/returns/\d+$"))
    address = officer.url
    assert officer.locator("#return-state .state-filed").count() == 1
    assert officer.locator("#return-figures [data-figure=unregistered]").inner_text() == "100"
    assert officer.locator("#return-lock").count() == 0

    supervisor = browser_page("landscape")
    sign_in(supervisor, "supervisor.ht")
    supervisor.goto(address)
    supervisor.click("#return-lock button")
    supervisor.wait_for_url(address)
    assert supervisor.locator("#return-state .state-locked").count() == 1
    # A correction without a reason is refused, beside the reason.
    supervisor.fill("#return-correct input[name=participants]", "820")
    supervisor.click("#return-correct button")
    assert supervisor.locator("#reason-error").count() == 1
    supervisor.fill("#return-correct input[name=participants]", "820")
    supervisor.fill("#return-correct input[name=reason]", "Bổ sung 20 người tham gia của xã Thạch Trung")
    supervisor.click("#return-correct button")
    supervisor.wait_for_url(address)
    assert supervisor.locator("#return-figures [data-figure=participants]").inner_text() == "820"
    assert "Thạch Trung" in supervisor.locator("#return-corrections").inner_text()

    # The officer can no longer change it.
    officer.reload()
    assert officer.locator("#return-change").count() == 0
