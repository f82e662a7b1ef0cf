"""fieldops/definitions.py, table by table: what each figure means, in one place."""
from datetime import date
from fractions import Fraction

import pytest

from fieldops import definitions as d
from fieldops.definitions import BEHIND, MET, NO_TARGET, ON_TRACK, Comparison


@pytest.mark.parametrize("part, whole, expected", [
    (0, 0, None), (5, 0, None), (0, 10, 0.0), (55, 70, 100.0 * 55 / 70), (10, 10, 100.0),
])
def test_share_and_coverage(part, whole, expected):
    assert d.share(part, whole) == expected
    assert d.coverage(part, whole) == expected


@pytest.mark.parametrize("value, shown", [
    (None, None), (0, 0.0), (59.4999, 59.5), (59.44, 59.4), (59.45, 59.5), (78.5714, 78.6), (99.96, 99.9),
    (99.94, 99.9), (100.0, 100.0), (12.3, 12.3), (Fraction(1, 3) * 100, 33.3), (0.04, 0.0), (250.0, 250.0),
])
def test_one_rounding_one_decimal_never_a_false_100(value, shown):
    assert d.shown_percent(value) == shown


@pytest.mark.parametrize("insured, registered, full", [(0, 0, False), (10, 10, True), (10, 9, False), (1, 1, True)])
def test_at_100_percent(insured, registered, full):
    assert d.is_full(insured, registered) is full


@pytest.mark.parametrize("before, after, brought", [
    ((10, 5), (10, 10), True), ((10, 10), (10, 10), False), ((0, 0), (0, 0), False), ((10, 10), (12, 10), False),
])
def test_brought_to_100_percent(before, after, brought):
    assert d.brought_to_full(before, after) is brought


def test_the_funnel_counts_who_is_lost_at_each_step():
    funnel = d.Funnel(insured=70, registered=55, active=37)
    assert (funnel.unregistered, funnel.not_using) == (15, 18)
    assert funnel.steps() == [("insured", 70, None, None), ("registered", 55, 15, 100.0 * 55 / 70),
                              ("active", 37, 18, 100.0 * 37 / 55)]
    assert d.Funnel(0, 0, 0).as_dict()["registered_share"] is None


@pytest.mark.parametrize("achieved, target, expected, comparison, status", [
    (100, 100, 50, Comparison.at_least, MET),
    (100, 100, 50, Comparison.more_than, ON_TRACK),  # "over 35 million": reaching it exactly is not enough
    (101, 100, 50, Comparison.more_than, MET),
    (49, 100, 50, Comparison.at_least, BEHIND),
    (50, 100, 50, Comparison.more_than, BEHIND),
    (51, 100, 50, Comparison.more_than, ON_TRACK),
    (None, 100, 0, Comparison.at_least, ON_TRACK),
    (None, 100, 10, Comparison.at_least, BEHIND),
    (5, None, None, Comparison.at_least, NO_TARGET),
    (0, 0, 0, Comparison.at_least, MET),
    (0, 0, 0, Comparison.more_than, BEHIND),
])
def test_one_status_rule(achieved, target, expected, comparison, status):
    assert d.status(achieved, target, expected, comparison) == status


@pytest.mark.parametrize("statuses, worst", [
    ([MET, ON_TRACK, BEHIND], BEHIND), ([MET, MET], MET), ([MET, ON_TRACK, NO_TARGET], ON_TRACK), ([NO_TARGET], NO_TARGET),
    ([], NO_TARGET),
])
def test_a_units_status_is_its_worst(statuses, worst):
    assert d.worst_status(statuses) == worst


@pytest.mark.parametrize("achieved, target, comparison, gap", [
    (30, 35, Comparison.at_least, 5), (35, 35, Comparison.at_least, 0), (35, 35, Comparison.more_than, 1),
    (30, 35, Comparison.more_than, 6),
    (36, 35, Comparison.more_than, 0), (None, 35, Comparison.at_least, 35), (3, None, Comparison.at_least, None),
])
def test_the_gap(achieved, target, comparison, gap):
    assert d.gap(achieved, target, comparison) == gap


@pytest.mark.parametrize("target, officers, share", [
    (40, 4, 10), (10, 3, Fraction(10, 3)), (0, 2, 0), (40, 0, None), (None, 4, None),
])
def test_an_officers_share_of_the_units_target(target, officers, share):
    assert d.officer_share(target, officers) == share


def test_the_schedule_is_a_straight_line_from_the_counting_from_date():
    start, end = date(2023, 1, 1), date(2023, 12, 31)
    assert d.elapsed_share(start, end, date(2022, 12, 1)) == 0
    assert d.elapsed_share(start, end, date(2023, 1, 1)) == Fraction(1, 365)
    assert d.elapsed_share(start, end, date(2023, 7, 2)) == Fraction(183, 365)
    assert d.elapsed_share(start, end, date(2024, 3, 1)) == 1


def test_line_order_goes_by_date_then_submission_then_id():
    from datetime import datetime

    early = d.line_order(date(2023, 6, 1), datetime(2023, 6, 1, 9), 7)
    late = d.line_order(date(2023, 6, 1), datetime(2023, 6, 1, 10), 3)
    assert late > early and d.line_order(date(2023, 6, 2), None, 1) > late
