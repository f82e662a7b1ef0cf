"""Group returns in the browser, on the demo data of Hà Tĩnh: the officer files
December 2023's voluntary return of HT-TP (taken out of the demo first) from the month's grid (a mistake first, shown
beside its field), the supervisor locks it and corrects it with a reason; and the
issue's flow: officer.ht files September's returns of HT-TP, supervisor.ht locks
them, and the Hà Tĩnh dashboard and its printed report show the new totals and
the voluntary rate.

Elements are found by id and data attributes, not by their (translated) text."""
import re
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.progress.format import figure, pct
from fieldops.progress.models import Metric, Target
from fieldops.returns.models import GroupReturn, ReturnCorrection
from tests.browser.conftest import htmx_ready, sign_in


def test_file_lock_and_correct_a_return(browser_page):
    _forget_ht_tp_returns(DECEMBER)
    officer = browser_page("portrait")
    sign_in(officer, "officer.ht")
    officer.goto("/returns/?month=2023-11")
    # November 2023 is filed and locked already; switching the month goes through htmx.
    assert officer.locator("#returns-table tr[data-district=HT-TP] td[data-group=voluntary] .state-locked").count() == 1
    officer.fill("input[name=month]", "2023-12")
    officer.click("form.searchbar button")
    officer.wait_for_url("**month=2023-12**")
    officer.click("#returns-table tr[data-district=HT-TP] td[data-group=voluntary] a.small-button")
    officer.wait_for_url(re.compile(r"/returns/new\?"))
    assert officer.locator("select[name=participant_group]").input_value() == "voluntary"
    assert officer.locator("input[name=month]").input_value() == "2023-12"

    officer.fill("input[name=participants]", "800")
    officer.fill("input[name=registered]", "900")
    officer.fill("input[name=using]", "500")
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
    assert officer.locator("#return-figures [data-figure=using]").inner_text() == "500"
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


# --- the flow: September's returns of thành phố Hà Tĩnh, locked, then in the figures ----------------

SEPTEMBER = date(2023, 9, 1)
DECEMBER = date(2023, 12, 1)
# participants, registered, new participants, new registered, using the app: per group, as the officer files them.
FILED = {"voluntary": (1200, 1000, 80, 76, 800), "household": (5000, 4500, 100, 90, 3000),
         "students": (3500, 3400, 200, 195, 3100), "other": (1300, 1250, 20, 20, 1000)}
FIELDS = ("participants", "registered", "new_participants", "new_registered", "using")


def _forget_ht_tp_returns(month):
    """The demo has every month's returns: take thành phố Hà Tĩnh's of `month` away so the
    officer files them, and what the figures show is what they filed."""
    district = db.session.scalars(sa.select(OrgUnit.id).where(OrgUnit.code == "HT-TP")).one()
    chosen = sa.select(GroupReturn.id).where(GroupReturn.district_id == district, GroupReturn.month == month)
    with db.engine.begin() as connection:
        connection.execute(sa.delete(ReturnCorrection.__table__).where(ReturnCorrection.group_return_id.in_(chosen)))
        connection.execute(sa.delete(GroupReturn.__table__).where(GroupReturn.id.in_(chosen)))


def _september_of_ky_anh():
    """{group: (registered, new, new registered)} of thị xã Kỳ Anh's September, the rest of Hà Tĩnh."""
    rows = db.session.execute(
        sa.select(GroupReturn.participant_group, GroupReturn.registered, GroupReturn.new_participants,
                  GroupReturn.new_registered)
        .join(OrgUnit, OrgUnit.id == GroupReturn.district_id)
        .where(OrgUnit.code == "HT-KA", GroupReturn.month == SEPTEMBER))
    return {str(group): (registered, new, new_registered) for group, registered, new, new_registered in rows}


def _number(text):
    return int(text.replace(".", ""))


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_september_returns_of_ht_tp_reach_the_ha_tinh_dashboard_and_report(browser_page, viewport):
    _forget_ht_tp_returns(SEPTEMBER)
    ky_anh = _september_of_ky_anh()
    ha_tinh_target = db.session.scalar(
        sa.select(Target.value).join(OrgUnit, OrgUnit.id == Target.org_unit_id)
        .where(OrgUnit.code == "HT", Target.metric == Metric.registered_all))
    db.session.rollback()

    officer = browser_page(viewport)
    sign_in(officer, "officer.ht")
    filed = []
    for group, figures in FILED.items():
        officer.goto("/returns/?month=2023-09")
        officer.click(f"#returns-table tr[data-district=HT-TP] td[data-group={group}] a.small-button")
        officer.wait_for_url(re.compile(r"/returns/new\?"))
        assert officer.locator("select[name=participant_group]").input_value() == group
        assert officer.locator("input[name=month]").input_value() == "2023-09"
        for name, value in zip(FIELDS, figures):
            officer.fill(f"input[name={name}]", str(value))
        officer.click("#return-file button.primary")
        officer.wait_for_url(re.compile(r"/returns/\d+$"))
        assert officer.locator("#return-state .state-filed").count() == 1
        filed.append(officer.url)
    officer.goto("/returns/?month=2023-09")
    assert officer.locator("#returns-table tr[data-district=HT-TP] a.small-button").count() == 0

    supervisor = browser_page(viewport)
    sign_in(supervisor, "supervisor.ht")
    for address in filed:
        supervisor.goto(address)
        supervisor.click("#return-lock button")
        supervisor.wait_for_url(address)
        assert supervisor.locator("#return-state .state-locked").count() == 1

    # National leadership reads Hà Tĩnh for September: employers' registered + the latest returns.
    viewer = browser_page(viewport)
    sign_in(viewer, "viewer")
    viewer.goto("/progress/")
    viewer.click("#progress-children tr[data-unit=HT] a")
    viewer.wait_for_selector("#progress-children tr[data-unit=HT-TP]")
    htmx_ready(viewer)
    viewer.select_option("#pg-period", "2023-09")
    viewer.wait_for_selector("#progress-basis[data-period='2023-09']")
    outside = {g: FILED[g][1] + ky_anh[g][0] for g in FILED}
    employers = _number(viewer.locator("#progress-summary [data-figure=registered]").inner_text())
    everyone = employers + sum(outside.values())
    assert _number(viewer.locator("#progress-summary [data-figure=registered_all]").inner_text()) == everyone
    for group, registered in outside.items():
        row = viewer.locator(f"#progress-outside tr[data-group={group}] td").nth(2).inner_text()
        assert _number(row) == registered, group
    new, new_registered = FILED["voluntary"][2] + ky_anh["voluntary"][1], FILED["voluntary"][3] + ky_anh["voluntary"][2]
    rate = 100 * new_registered / new
    assert viewer.locator("#progress-summary [data-figure=new_voluntary_rate]").inner_text() == pct(rate)
    ht_tp = viewer.locator("#progress-children tr[data-unit=HT-TP]")
    ht_tp_employers = _number(ht_tp.locator("td").nth(2).inner_text())
    assert _number(ht_tp.locator("[data-figure=registered_all]").inner_text()) == (
        ht_tp_employers + sum(f[1] for f in FILED.values()))
    assert ht_tp.locator("[data-figure=new_voluntary_rate]").inner_text() == pct(100 * 76 / 80)

    # The printed report says the same: the totals, the groups, the rate (spaces fall anywhere in narrow cells).
    with viewer.expect_download(timeout=60_000) as download:
        viewer.click("#download-report", no_wait_after=True)
    reader = PdfReader(download.value.path())
    text = "".join("".join(p.extract_text() for p in reader.pages).split())
    assert "Đãđăngký,mọinhómđốitượng" + figure(everyone) in text
    groups = "".join(figure(outside[g]) for g in FILED)
    assert ("HTBảohiểmxãhộitỉnhHàTĩnh" + groups + figure(everyone) + figure(ha_tinh_target)
            + figure(round(rate, 1))) in text
    assert "HT-TPBảohiểmxãhộithànhphốHàTĩnh" + "".join(figure(f[1]) for f in FILED.values()) in text
