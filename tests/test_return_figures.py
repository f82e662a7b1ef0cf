"""What group returns add to progress (DESIGN.md "Meaning of the numbers"): people
registered, all groups = the employer channel + the latest return of each district
and group as of the same date; the new voluntary rate = Σ new registered ÷ Σ new
over the period's voluntary returns."""
import re
from datetime import date

import pytest

from fieldops.auth.models import Role
from fieldops.extensions import db
from fieldops.returns.figures import outside_employers
from tests import factories
from tests.conftest import sign_in
from tests.export_files import all_rows
from tests.progress_helpers import build_world
from tests.visit_helpers import in_english


@pytest.fixture
def world(org, users):
    made = build_world(org, users)
    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    cg = factories.user(org["HN-CG"], Role.officer)
    ht = users["HT"]["officer"]

    def filed(filer, district, group, month, figures, locked_by=None):
        return factories.group_return(filer, org[district], group, month, figures, locked_by=locked_by)

    filed(officer, "HN-BD", "voluntary", date(2023, 4, 1), (100, 50, 10, 5), locked_by=supervisor)
    filed(officer, "HN-BD", "voluntary", date(2023, 6, 1), (120, 70, 20, 20))
    filed(officer, "HN-BD", "household", date(2023, 5, 1), (300, 90, 0, 0))
    filed(cg, "HN-CG", "voluntary", date(2023, 5, 1), (40, 10, 8, 4))
    filed(officer, "HN-BD", "voluntary", date(2023, 7, 1), (130, 80, 10, 10))
    filed(ht, "HT-TP", "voluntary", date(2023, 6, 1), (900, 900, 90, 90))
    db.session.commit()
    return made


def test_the_latest_return_of_each_district_and_group_counts_as_of_a_day(world):
    org = world["org"]
    june = outside_employers(org["HN"], date(2023, 6, 1), date(2023, 6, 30))
    # Ba Đình: June's voluntary (70) and May's household (90); Cầu Giấy: May's voluntary (10).
    assert june.groups["voluntary"].registered == 80 and june.groups["voluntary"].participants == 160
    assert june.groups["household"].registered == 90 and june.groups["students"].registered == 0
    assert june.registered == 170 and june.districts_reporting == 2
    # Mid-May: the returns up to May; a return is never summed with an earlier one of its group.
    may = outside_employers(org["HN"], date(2023, 5, 1), date(2023, 5, 15))
    assert may.groups["voluntary"].registered == 60 and may.registered == 150
    # Before any return.
    assert outside_employers(org["HN"], date(2023, 1, 1), date(2023, 3, 31)).registered == 0
    # A district sees only its own.
    assert outside_employers(org["HN-CG"], date(2023, 6, 1), date(2023, 6, 30)).registered == 10


def test_the_new_voluntary_rate_is_over_the_periods_returns(world):
    org = world["org"]
    q2 = outside_employers(org["HN"], date(2023, 4, 1), date(2023, 6, 30))
    # April (5 of 10), May at Cầu Giấy (4 of 8), June (20 of 20): 29 of 38.
    assert (q2.new_voluntary_registered, q2.new_voluntary) == (29, 38)
    assert q2.new_voluntary_rate == pytest.approx(100 * 29 / 38)
    assert outside_employers(org["HN"], date(2023, 1, 1), date(2023, 3, 31)).new_voluntary_rate is None


def _figure(page, name):
    match = re.search(rf'data-figure="{name}">([^<]*)<', page)
    return match.group(1) if match else None


def test_the_dashboard_and_the_export_show_them(world, app):
    org = world["org"]
    leader = factories.user(org["HN"], Role.viewer)
    db.session.commit()
    client = in_english(sign_in(app.test_client(), leader))
    page = client.get(f"/progress/units/{org['HN'].id}?period=2023-06").get_data(as_text=True)
    # The employer channel's 37 registered as of 30/06/2023, and 170 outside employers.
    assert _figure(page, "registered") == "37" and _figure(page, "registered_all") == "207"
    assert _figure(page, "new_voluntary_rate") == "100.0%"  # June: 20 of 20
    assert 'id="progress-outside"' in page and "Household health insurance" in page
    exported = client.get(f"/progress/units/{org['HN'].id}/export?period=2023-06&format=csv")
    rows = all_rows(exported.data, "en")
    assert ["Registered, all groups", "207", ""] in rows


def test_the_dashboard_of_a_team_has_no_returns(world, app):
    leader = factories.user(world["org"]["HN"], Role.viewer)
    db.session.commit()
    client = in_english(sign_in(app.test_client(), leader))
    page = client.get(f"/progress/units/{world['org']['HN-BD-T1'].id}?period=2023-06").get_data(as_text=True)
    assert 'id="progress-outside"' not in page and _figure(page, "registered_all") is None
