"""Returns as of a date (DESIGN.md): the latest return of each district and group
filed (or corrected) on or before that date, with the figures it had then; a
month, quarter or year takes its months' returns as they stand."""
from datetime import date, datetime

import pytest

from fieldops.extensions import db
from fieldops.progress.dashboard import unit_report
from fieldops.progress.periods import parse_period
from fieldops.returns import operations
from fieldops.returns.figures import outside_by_child
from tests import factories

AUGUST, SEPTEMBER = date(2023, 8, 1), date(2023, 9, 1)


@pytest.fixture
def filed(org, users):
    """August's return filed on 05/09, September's on 03/10 at 00:30 in Hà Nội
    (17:30 UTC on the 2nd), locked the next day and corrected on 20/10."""
    campaign = factories.campaign()
    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    factories.group_return(officer, org["HN-BD"], "voluntary", AUGUST, (1000, 400, 50, 40),
                           now=datetime(2023, 9, 5, 3))
    september = factories.group_return(officer, org["HN-BD"], "voluntary", SEPTEMBER, (1100, 500, 60, 50),
                                       now=datetime(2023, 10, 2, 17, 30))
    operations.lock_return(supervisor, september, september.version, now=datetime(2023, 10, 4, 2))
    operations.correct_return(supervisor, september, operations.Figures(1100, 550, 60, 55), "Sai số liệu",
                              september.version, now=datetime(2023, 10, 20, 2))
    db.session.commit()
    return campaign


def _registered(unit, day, known=True):
    figures = outside_by_child(unit, {"p": date(2023, 1, 1)}, day, known_by=day if known else None)["p"][0]
    return figures.registered, figures.new_voluntary


@pytest.mark.parametrize("day, expected", [
    (date(2023, 9, 4), (0, 0)),  # nothing filed yet
    (date(2023, 9, 5), (400, 50)),  # August's return, the day it was filed
    (date(2023, 9, 15), (400, 50)),  # September's not filed yet: the 15/09
    (date(2023, 9, 30), (400, 50)),
    (date(2023, 10, 2), (400, 50)),  # filed 17:30 UTC on the 2nd: the 3rd in Hà Nội
    (date(2023, 10, 3), (500, 110)),
    (date(2023, 10, 19), (500, 110)),  # before the correction: the figures it had then
    (date(2023, 10, 20), (550, 110)),
    (date(2023, 12, 31), (550, 110)),
])
def test_as_of_a_date_takes_what_was_filed_by_then(filed, org, day, expected):
    for unit in (org["HN-BD"], org["HN"], org["VN"]):
        assert _registered(unit, day) == expected, (unit.code, day)


def test_months_quarters_and_years_are_unchanged(app, filed, org):
    # A month's figure is its months' returns as they stand, corrections included.
    assert _registered(org["HN"], date(2023, 9, 30), known=False) == (550, 110)
    for code, registered in (("2023-09", 550), ("2023-Q3", 550), ("2023", 550), ("2023-08", 400),
                             ("2023-09-15", 400), ("2023-10-03", 500), ("2023-10-19", 500)):
        with app.test_request_context():
            period = parse_period(code, filed, date(2023, 12, 31))
            report = unit_report(org["HN"], filed, period, date(2023, 12, 31))
        assert report["outside"]["registered"] == registered, code
