"""The districts that have not filed their returns for the last closed month:
their page for supervisors, viewers, HR and admins, and the count on the home page."""
from datetime import date

import pytest

from fieldops.extensions import db
from fieldops.returns import queries
from fieldops.returns.models import RETURN_GROUPS
from tests import factories
from tests.visit_helpers import in_english

DECEMBER = date(2023, 12, 1)


@pytest.fixture
def campaign():
    made = factories.campaign()  # 2023, counting from January, ending on 31/12
    db.session.commit()
    return made


def file_all(filer, district, month=DECEMBER, groups=RETURN_GROUPS):
    for group in groups:
        factories.group_return(filer, district, str(group), month)
    db.session.commit()


@pytest.mark.parametrize("today, month", [
    (date(2023, 9, 15), date(2023, 8, 1)),  # the month before today's
    (date(2023, 12, 31), date(2023, 11, 1)),
    (date(2024, 1, 2), DECEMBER),
    (date(2026, 5, 20), DECEMBER),  # no later than the campaign's last month
    (date(2023, 1, 20), None),  # no month of the campaign has closed yet
])
def test_the_last_closed_month(app, campaign, today, month):
    assert queries.last_closed_month(today) == (campaign, month)


def test_without_a_campaign_nothing_is_due(client_as, org):
    assert queries.last_closed_month(date(2024, 1, 2)) == (None, None)
    page = in_english(client_as("viewer")).get("/returns/missing").get_data(as_text=True)
    assert "no return is due" in page
    assert 'id="home-missing-returns"' not in client_as("viewer").get("/").get_data(as_text=True)


def test_the_count_is_of_the_districts_in_ones_area(client_as, org, users, campaign):
    officer = users["HN"]["officer"]
    file_all(officer, org["HN-BD"])
    file_all(officer, org["HN-BD"], month=date(2023, 11, 1))
    # HN-CG files November and half of December: still missing.
    file_all(factories.user(org["HN-CG"]), org["HN-CG"], groups=RETURN_GROUPS[:2])
    viewer = in_english(client_as("viewer"))
    home = viewer.get("/").get_data(as_text=True)
    assert "1 district has not filed its returns for 12/2023" in home
    # Hà Tĩnh's viewer counts Hà Tĩnh's district only; HN-BD's supervisor, HN-BD only.
    assert "1 district has not filed its returns for 12/2023" in in_english(client_as("viewer", "HT")).get(
        "/").get_data(as_text=True)
    assert "0 districts have not filed their returns for 12/2023" in in_english(client_as("supervisor")).get(
        "/").get_data(as_text=True)
    file_all(factories.user(org["HN-CG"]), org["HN-CG"], groups=RETURN_GROUPS[2:])
    assert "0 districts have not filed their returns" in viewer.get("/").get_data(as_text=True)


def test_the_page_lists_each_district_with_the_groups_it_has_not_filed(client_as, org, users, campaign):
    file_all(users["HN"]["officer"], org["HN-BD"])
    file_all(factories.user(org["HN-CG"]), org["HN-CG"], groups=RETURN_GROUPS[:3])
    response = in_english(client_as("admin")).get("/returns/missing")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "12/2023" in page and "1 district has not filed every return." in page
    row = page.split('data-district="HN-CG"')[1].split("</tr>")[0]
    assert 'data-group="other"' in row and "Other state-supported groups" in row
    assert 'data-group="voluntary"' not in row
    assert 'data-district="HN-BD"' not in page and 'data-district="HT-TP"' not in page
    # Hà Tĩnh's HR sees Hà Tĩnh's district, with every group missing.
    ht = in_english(client_as("hr", "HT")).get("/returns/missing").get_data(as_text=True)
    row = ht.split('data-district="HT-TP"')[1].split("</tr>")[0]
    assert all(f'data-group="{g}"' in row for g in RETURN_GROUPS)
    assert 'data-district="HN-CG"' not in ht


def test_when_everyone_has_filed_the_page_says_so(client_as, org, users, campaign):
    file_all(users["HN"]["officer"], org["HN-BD"])
    page = in_english(client_as("supervisor")).get("/returns/missing").get_data(as_text=True)
    assert "Every district of your area has filed its returns for 12/2023." in page


def test_groups_the_campaign_does_not_cover_are_not_due(client_as, org, users, campaign):
    campaign.participant_groups = ["compulsory", "voluntary"]
    db.session.commit()
    file_all(users["HN"]["officer"], org["HN-BD"], groups=RETURN_GROUPS[:1])
    page = in_english(client_as("supervisor")).get("/").get_data(as_text=True)
    assert "0 districts have not filed their returns for 12/2023" in page
