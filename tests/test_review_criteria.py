"""Criteria evaluated from verified visits only, as of the cut-off, per officer
and per collective, each result with its reason; the ranking."""
from datetime import date
from decimal import Decimal

from flask_babel import force_locale

import pytest
import sqlalchemy as sa

from fieldops.extensions import db
from fieldops.reviews import standings
from fieldops.reviews.criteria import annotate
from fieldops.reviews.evaluation import Basis, officer_figures, unit_figures
from fieldops.reviews.models import NomineeKind
from tests import factories
from tests.review_helpers import CUT_OFF, in_english, period_with, rv  # noqa: F401


def basis(rv):
    return Basis(rv["campaign"].counts_from, CUT_OFF)


def test_only_verified_visits_up_to_the_cut_off_count(rv):
    figures = officer_figures([rv["officer"].id, rv["team_officer"].id], basis(rv))
    mine = figures[rv["officer"].id]
    # The visit waiting for review (5 new) and the returned one (3 new) do not count.
    assert (mine["visits"], mine["registrations"]) == (1, 12)
    assert mine["returned_uncorrected"] == 1
    assert (mine["followups_done"], mine["followups_on_time"], mine["on_time_share"]) == (2, 1, 50.0)
    # Coverage of the employers visited (Ánh Dương, on verified figures as of the cut-off: 50 of 50).
    assert (mine["coverage_registered"], mine["coverage_insured"], mine["coverage"]) == (50, 50, 100.0)
    team = figures[rv["team_officer"].id]
    # 15/07 is after the cut-off; 20/06 took Ánh Dương to 100%.
    assert (team["visits"], team["registrations"], team["employers_full"]) == (1, 38, 1)
    assert mine["employers_full"] == 0


def test_a_visit_counts_once_it_is_verified(rv):
    from fieldops.visits.operations import verify_visit

    before = officer_figures([rv["officer"].id], basis(rv))[rv["officer"].id]
    verify_visit(rv["supervisor"], rv["visits"]["b_waiting"])
    db.session.commit()
    after = officer_figures([rv["officer"].id], basis(rv))[rv["officer"].id]
    assert (after["visits"], after["registrations"]) == (before["visits"] + 1, before["registrations"] + 5)


def test_a_collective_sums_its_officers_and_covers_its_employers(rv):
    units = unit_figures([rv["org"]["HN-BD"], rv["org"]["HN-BD-T1"]], basis(rv), rv["campaign"])
    district, team = units[rv["org"]["HN-BD"].id], units[rv["org"]["HN-BD-T1"].id]
    assert (district["officers"], district["visits"], district["registrations"]) == (2, 2, 50)
    assert (district["employers_full"], district["returned_uncorrected"]) == (1, 1)
    # Managed employers: Ánh Dương 50/50; Sông Hồng has no verified visit by the cut-off: 0 of its declared 20.
    assert district["coverage_basis"] == "managed"
    assert (district["coverage_registered"], district["coverage_insured"], district["coverage"]) == (50, 70, 71.4)
    # A team manages no employer: the employers its officers visited.
    assert team["coverage_basis"] == "visited" and (team["officers"], team["registrations"]) == (1, 38)


def test_all_targets_met_compares_verified_figures_with_the_progress_targets(rv, app):
    factories.target(rv["campaign"], rv["org"]["HN-BD"], "visits", 2)
    factories.target(rv["campaign"], rv["org"]["HN-BD"], "coverage_pct", 80)
    factories.target(rv["campaign"], rv["org"]["HN-BD-T1"], "visits", 1)
    period = period_with(rv, [("all_targets_met", "collective", None)])
    items = {i["key"]: i for i in standings.live(period, rv["org"]["HN"], people=[])}
    district = items[f"unit:{rv['org']['HN-BD'].id}"]
    assert [(t["metric"], t["met"]) for t in district["figures"]["targets"]] == [("coverage_pct", False),
                                                                              ("visits", True)]
    assert not district["eligible"]
    with app.test_request_context(), force_locale("en"):
        with_reason = annotate(district["results"])[0]
        assert "1 of 2 targets not met" in with_reason["reason"] and "71.4 / 80" in with_reason["reason"]
        assert items[f"unit:{rv['org']['HN-BD-T1'].id}"]["eligible"]
        # Cầu Giấy has no target: it cannot have met them all.
        cau_giay = annotate(items[f"unit:{rv['org']['HN-CG'].id}"]["results"])[0]
        assert cau_giay["reason"] == "No targets set for this unit"


def test_each_result_says_why_it_passed_or_failed(rv, app):
    period = period_with(rv, [("registrations_assisted_at_least", "individual", 10),
                              ("followups_on_time_at_least", "both", 90),
                              ("no_returned_visit_uncorrected", "both", None),
                              ("coverage_at_least", "individual", Decimal("99.5"))])
    with app.test_request_context(), force_locale("en"):
        item = standings.standing_of(period, NomineeKind.individual, rv["officer"])
        reasons = {r["rule"]: (r["passed"], r["reason"]) for r in annotate(item["results"])}
    assert reasons["registrations_assisted_at_least"] == (True, "12 registrations assisted; at least 10 required")
    assert reasons["followups_on_time_at_least"] == (
        False, "Only 1 of 2 follow-ups done on time (50.0%); at least 90% required")
    assert reasons["no_returned_visit_uncorrected"] == (False, "1 returned visits not yet corrected")
    assert reasons["coverage_at_least"][0] is True
    assert "50 of 50 insured" in reasons["coverage_at_least"][1] and "at least 99.5% required" in reasons["coverage_at_least"][1]
    assert item["eligible"] is False


def test_thresholds_compare_exactly(rv):
    period = period_with(rv, [("registrations_assisted_at_least", "individual", 12)])
    assert standings.standing_of(period, NomineeKind.individual, rv["officer"])["eligible"]
    other = period_with(rv, [("registrations_assisted_at_least", "individual", 13)], kind="final",
                        cut_off=date(2023, 12, 31))
    assert not standings.standing_of(other, NomineeKind.individual, rv["officer"])["eligible"]


def test_no_follow_up_done_passes_and_nobody_insured_fails(rv, app):
    period = period_with(rv, [("followups_on_time_at_least", "individual", 90),
                              ("coverage_at_least", "individual", 50)])
    results = standings.standing_of(period, NomineeKind.individual, rv["team_officer"])["results"]
    nobody = factories.user(rv["org"]["HN-CG"], "officer", username="officer.cg")
    db.session.commit()
    alone = standings.standing_of(period, NomineeKind.individual, nobody)["results"]
    with app.test_request_context(), force_locale("en"):
        by_rule = {r["rule"]: r for r in annotate(results)}
        assert by_rule["followups_on_time_at_least"]["passed"]
        assert by_rule["followups_on_time_at_least"]["reason"] == "No follow-up done by the cut-off: none was late"
        coverage = next(r for r in annotate(alone) if r["rule"] == "coverage_at_least")
        assert not coverage["passed"] and "cannot be measured" in coverage["reason"]


def test_without_criteria_nobody_is_flagged_eligible(rv):
    period = period_with(rv)
    assert not standings.standing_of(period, NomineeKind.individual, rv["officer"])["eligible"]


def test_ranking_orders_by_results_and_flags_the_eligible(rv, client_as):
    period = period_with(rv, [("registrations_assisted_at_least", "individual", 20)])
    page = standings.ranked(period, rv["org"]["HN"], NomineeKind.individual, 1, 20)
    assert [i["name"] for i in page.items][:2] == ["Trần Thị Ngọc Hà", rv["officer"].full_name]
    assert [i["eligible"] for i in page.items][:2] == [True, False]
    client = in_english(client_as("hr"))
    html = client.get(f"/reviews/{period.id}/ranking").get_data(as_text=True)
    assert html.index("Trần Thị Ngọc Hà") < html.index(rv["officer"].full_name)
    assert 'data-eligible="1"' in html and "Only 12 registrations assisted; at least 20 required" in html
    # Eligible only; and the collectives.
    html = client.get(f"/reviews/{period.id}/ranking?eligible=1").get_data(as_text=True)
    assert rv["officer"].full_name not in html
    html = client.get(f"/reviews/{period.id}/ranking?who=units").get_data(as_text=True)
    assert "Tổ Ba Đình 1" in html and "BHXH quận Ba Đình" in html


def test_a_supervisor_sees_the_ranking_of_their_own_area_only(rv, client_as):
    period = period_with(rv, [("registrations_assisted_at_least", "individual", 1)])
    html = client_as("supervisor").get(f"/reviews/{period.id}/ranking?who=units").get_data(as_text=True)
    assert "Tổ Ba Đình 1" in html and "BHXH quận Cầu Giấy" not in html
    # A unit outside their area in the filter answers 404.
    assert client_as("supervisor").get(f"/reviews/{period.id}/ranking?unit={rv['org']['HN-CG'].id}").status_code == 404


@pytest.mark.parametrize("state", ["submitted", "returned"])
def test_a_visit_not_verified_never_counts_for_a_collective(rv, state):
    from fieldops.visits.operations import return_visit

    if state == "returned":
        return_visit(rv["supervisor"], rv["visits"]["b_waiting"], "Kiểm tra lại")
        db.session.commit()
    units = unit_figures([rv["org"]["HN-BD"]], basis(rv), rv["campaign"])
    assert units[rv["org"]["HN-BD"].id]["registrations"] == 50
    total = db.session.scalar(sa.text("SELECT SUM(newly_registered) FROM visit_line"))
    assert total > 50
