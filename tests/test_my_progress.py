"""My progress: the officer's figures against their unit's targets (their share, the gap,
the share of the target, the status by the schedule) and their visits by month."""
import re
from datetime import date

import pytest

from fieldops.definitions import BEHIND, MET
from fieldops.extensions import db
from fieldops.progress.officer_targets import officer_targets, visits_by_month
from tests import factories
from tests.conftest import sign_in
from tests.visit_helpers import in_english


@pytest.fixture
def world(org, users):
    campaign = factories.campaign()  # counts from 01/01/2023 to 31/12/2023
    officer = users["HN"]["officer"]  # in the district HN-BD
    colleague = factories.user(org["HN-BD-T1"], full_name="Trần Thị Tổ")
    employer = factories.employer(org["HN-BD"], name="Công ty TNHH Hồng Hà")
    for day in (date(2023, 6, 1), date(2023, 6, 2), date(2023, 7, 5)):
        factories.visit(officer, employer, visit_date=day)
    factories.visit(colleague, employer, visit_date=date(2023, 7, 6))
    factories.target(campaign, org["HN-BD"], "visits", 40)
    factories.target(campaign, org["HN-BD"], "employers_full", 4)
    db.session.commit()
    return {"campaign": campaign, "officer": officer, "colleague": colleague, "org": org, "users": users}


def cell(page, metric, name):
    row = page.split(f'data-metric="{metric}"')[1].split("</tr>")[0]
    return re.search(rf'data-figure="{name}">([^<]*)<', row).group(1)


def test_the_officers_share_of_the_districts_targets(world):
    rows = {r["metric"]: r for r in officer_targets(world["officer"], world["campaign"], date(2023, 7, 31))}
    visits = rows["visits"]
    # 40 visits for the district's 2 officers: 20 each; by 31/07 the schedule expects 20 × 212/365.
    assert (visits["unit"].code, visits["officers"], visits["share"], visits["achieved"]) == ("HN-BD", 2, 20, 3)
    assert (visits["gap"], visits["percent"], visits["expected"], visits["status"]) == (17, 15.0, 11.6, BEHIND)
    assert (rows["employers_full"]["share"], rows["employers_full"]["achieved"]) == (2, 0)


def test_a_team_target_comes_before_the_districts(world):
    factories.target(world["campaign"], world["org"]["HN-BD-T1"], "visits", 1)
    db.session.commit()
    rows = {r["metric"]: r for r in officer_targets(world["colleague"], world["campaign"], date(2023, 7, 31))}
    assert (rows["visits"]["unit"].code, rows["visits"]["share"], rows["visits"]["achieved"]) == ("HN-BD-T1", 1, 1)
    assert (rows["visits"]["gap"], rows["visits"]["percent"], rows["visits"]["status"]) == (0, 100.0, MET)
    assert rows["employers_full"]["unit"].code == "HN-BD"  # the team has none: the district's


def test_the_visits_by_month_against_the_schedule(app, world):
    with app.test_request_context():
        chart, table = visits_by_month(world["officer"], world["campaign"], date(2023, 7, 31), share=20)
    assert [row[:2] for row in table] == [["01/23", "0"], ["02/23", "0"], ["03/23", "0"], ["04/23", "0"],
                                          ["05/23", "0"], ["06/23", "2"], ["07/23", "3"]]
    assert table[-1][2] == "12"  # 20 × 212/365 = 11,6
    assert "<svg" in chart and "chart-target" in chart


def test_my_progress_shows_the_targets_and_the_chart(app, world):
    page = in_english(sign_in(app.test_client(), world["officer"])).get("/progress/me?period=2023-07")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Against the team’s targets" in html and 'id="chart-my-visits"' in html
    assert (cell(html, "visits", "share"), cell(html, "visits", "achieved"), cell(html, "visits", "gap"),
            cell(html, "visits", "percent")) == ("20", "3", "17", "15.0%")
    assert "Behind" in html.split('data-metric="visits"')[1].split("</tr>")[0]
    assert "07/23: 3" in html  # the chart's description, read out by screen readers


def test_without_a_target_the_page_says_so(app, org, users):
    factories.campaign()
    db.session.commit()
    html = in_english(sign_in(app.test_client(), users["HN"]["officer"])).get("/progress/me").get_data(as_text=True)
    assert "No unit of this officer has a target for visits or employers at 100% in this campaign." in html
    assert 'id="chart-my-visits"' in html and "data-metric=" not in html


def test_another_officers_progress_stays_out_of_reach(app, world, users):
    ht_officer = in_english(sign_in(app.test_client(), users["HT"]["officer"]))
    assert ht_officer.get(f"/progress/officers/{world['officer'].id}").status_code == 404
    page = ht_officer.get("/progress/me?period=2023-07").get_data(as_text=True)
    assert "data-metric=" not in page  # Hà Tĩnh has no target, and nothing of Ba Đình shows
