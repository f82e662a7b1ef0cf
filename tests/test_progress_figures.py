"""The figures of a unit's report, by DESIGN.md "Meaning of the numbers": stock
figures are snapshots as of the period's last day, never sums of visits;
flows are the period's; everything submitted counts, with the verified share
beside it; targets give met / on track / behind; ranks are shared on ties."""
from datetime import date, datetime
from fractions import Fraction

import pytest

from fieldops.extensions import db
from fieldops.org.operations import create_org_unit
from fieldops.progress.dashboard import unit_report
from fieldops.progress.periods import parse_period
from fieldops.progress.scoring import assess, competition_ranks, elapsed_share
from fieldops.progress.work import officers_work
from fieldops.visits import operations
from tests import factories
from tests.progress_helpers import build_world

TODAY = date(2024, 3, 1)


@pytest.fixture(autouse=True)
def _request(app):
    # Labels are read in the user's language: a request is needed for that.
    with app.test_request_context():
        yield


@pytest.fixture
def world(org, users):
    return build_world(org, users)


def report(world, code, period, rank="overall"):
    campaign = world["campaign"]
    return unit_report(world["org"][code], campaign, parse_period(period, campaign, TODAY), TODAY, rank)


def test_stock_figures_are_snapshots_as_of_the_last_day_never_sums(world):
    q3 = report(world, "VN", "2023-Q3")
    # Văn phòng 40 of 40 (20/09), Kho 10 of 10 (20/09), Sông Hồng 5 of 20 (05/05; 07/07 was returned).
    assert (q3["stock"]["insured"], q3["stock"]["registered"], q3["stock"]["unregistered"]) == (70, 55, 15)
    assert q3["period"]["as_of"] == date(2023, 9, 30)
    june = report(world, "VN", "2023-06")
    # Văn phòng 30 (15/06, latest by then), Kho still 2 (10/03), Sông Hồng 5: never 10 + 30, never summed.
    assert june["stock"]["registered"] == 37
    assert june["stock"]["coverage"] == pytest.approx(100 * 37 / 70)
    # Monthly, quarterly and as-of figures come from the same definition.
    assert report(world, "VN", "2023-09")["stock"] == q3["stock"]
    assert report(world, "VN", "2023-09-19")["stock"]["employers_full"] == 0
    assert q3["stock"]["employers_full"] == 1 and q3["stock"]["employers"] == 2
    assert report(world, "HN-BD", "2023-Q3")["stock"]["registered"] == 50
    assert report(world, "HT", "2023-Q3")["stock"]["registered"] == 0


def test_flows_are_the_periods_and_returned_visits_do_not_count(world):
    june = report(world, "VN", "2023-06")["flows"]
    assert (june["visits"], june["visits_verified"], june["registrations"]) == (1, 0, 20)
    q3 = report(world, "VN", "2023-Q3")["flows"]
    assert (q3["visits"], q3["visits_verified"], q3["registrations"]) == (1, 1, 18)  # 07/07 was returned
    year = report(world, "VN", "2023")["flows"]
    assert (year["visits"], year["visits_verified"]) == (4, 3)
    assert year["visits_verified_share"] == pytest.approx(75.0)
    assert year["registrations"] == 10 + 2 + 20 + 10 + 8 + 5


def test_everything_submitted_counts_with_the_verified_share_beside_it(world):
    june = report(world, "VN", "2023-06")["stock"]
    # 30 of Văn phòng come from the visit of 15/06, still waiting for review.
    assert june["registered_verified"] == 2 + 5
    assert june["verified_share"] == pytest.approx(100 * 7 / 37)
    assert report(world, "VN", "2023-Q3")["stock"]["verified_share"] == pytest.approx(100.0)


def test_children_add_up_to_their_parent(world):
    hn = report(world, "HN", "2023-Q3")
    rows = {c["code"]: c for c in hn["children"]}
    assert rows["HN-BD"]["registered"] + rows["HN-CG"]["registered"] == hn["stock"]["registered"]
    assert rows["HN-CG"]["visits"] == 0 and rows["HN-BD"]["visits"] == 1
    obstacles = {o["category"]: (o["obstacles"], o["people"]) for o in report(world, "VN", "2023")["obstacles"]}
    assert obstacles["otp_not_received"] == (1, 3) and obstacles["app_error"] == (0, 0)
    assert obstacles["no_smartphone"] == (1, 2)


def test_status_met_on_track_behind_against_the_elapsed_share(world):
    campaign, hn = world["campaign"], world["org"]["HN"]
    factories.target(campaign, hn, "visits", 4)
    factories.target(campaign, hn, "coverage_pct", 50)
    factories.target(campaign, hn, "registered_employer", 110)
    db.session.commit()
    june = {t["metric"]: t for t in report(world, "HN", "2023-06")["targets"]}
    share = elapsed_share(campaign, date(2023, 6, 30))
    assert share == Fraction(181, 365)
    # Visits to date 3 ≥ 4 × 181/365: on track; coverage 52.9% ≥ 50: met; 37 < 110 × 181/365: behind.
    assert (june["visits"]["status"], june["coverage_pct"]["status"], june["registered_employer"]["status"]) == (
        "on_track", "met", "behind")
    assert june["visits"]["achieved"] == 3 and june["visits"]["expected"] == pytest.approx(1.98, abs=0.01)
    year = {t["metric"]: t for t in report(world, "HN", "2023")["targets"]}
    assert year["visits"]["status"] == "met" and year["employers_full"]["status"] == "no_target"


def test_a_parents_target_is_shown_beside_the_sum_of_its_childrens(world):
    campaign, org = world["campaign"], world["org"]
    factories.target(campaign, org["HN"], "registered_employer", 100)
    factories.target(campaign, org["HN-BD"], "registered_employer", 60)
    factories.target(campaign, org["HN-CG"], "registered_employer", 30)
    factories.target(campaign, org["HN-CG"], "coverage_pct", 90)
    db.session.commit()
    rows = {t["metric"]: t for t in report(world, "HN", "2023")["targets"]}
    assert (rows["registered_employer"]["target"], rows["registered_employer"]["children_sum"]) == (100, 90)
    assert rows["coverage_pct"]["children_sum"] is None  # a percentage does not add up


def test_leaderboard_ties_share_a_rank_and_the_basis_is_shown(world):
    campaign, org = world["campaign"], world["org"]
    dn = create_org_unit(None, code="DN", name="BHXH Đà Nẵng", parent=org["VN"])
    factories.target(campaign, org["HN"], "visits", 4)  # 4 visits to date: 100%
    factories.target(campaign, org["HT"], "visits", 0)  # nothing asked: 100%
    factories.target(campaign, dn, "visits", 10)  # 0%
    db.session.commit()
    board = report(world, "VN", "2023", rank="visits")["leaderboard"]
    assert [(r["code"], r["rank"]) for r in board["rows"]] == [("HN", 1), ("HT", 1), ("DN", 3)]
    assert "thực hiện ÷ chỉ tiêu" in board["basis"]  # the basis, in the default language
    assert competition_ranks(["a", "b", "c", "d"], {"a": 3, "b": 2, "c": 2, "d": 1}.get) == [
        (1, "a"), (2, "b"), (2, "c"), (4, "d")]


def test_status_edges():
    share = Fraction(1, 2)
    assert assess(10, 10, share).status == "met"
    assert assess(5, 10, share).status == "on_track"
    assert assess(Fraction(49, 10), 10, share).status == "behind"
    assert assess(3, None, share).status == "no_target"
    assert assess(0, 0, share).status == "met" and assess(0, 0, share).progress == 1


def test_an_officers_achievements(world):
    from fieldops.followups.models import FollowUpKind

    users, a = world["users"], world["a"]
    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    on_time = factories.followup(officer, a, state="done", decider=supervisor, due_date=date(2023, 7, 10),
                                 now=datetime(2023, 7, 5, 3), today=date(2023, 7, 1))
    late = factories.followup(officer, a, state="done", decider=supervisor, due_date=date(2023, 7, 10),
                              now=datetime(2023, 7, 20, 3), today=date(2023, 7, 1))
    visit = db.session.query(operations.Visit).filter_by(employer_id=a.id, visit_date=date(2023, 9, 20)).one()
    factories.followup(officer, a, kind=FollowUpKind.escalation, obstacle=visit.obstacles[0], visit=visit,
                       now=datetime(2023, 9, 21, 3), today=date(2023, 9, 21))
    db.session.commit()
    assert on_time.state == late.state == "done"
    work = officers_work([officer.id], date(2023, 7, 1), date(2023, 9, 30))[officer.id]
    assert (work.visits, work.registrations, work.employers_full) == (1, 18, 1)  # Ánh Dương reached 100% on 20/09
    assert (work.followups_done, work.followups_on_time, work.escalations) == (2, 1, 1)
    june = officers_work([officer.id], date(2023, 6, 1), date(2023, 6, 30))[officer.id]
    assert (june.visits, june.registrations, june.employers_full, june.followups_done) == (1, 20, 0, 0)
    # On the district's dashboard the officer is ranked, with the basis said.
    board = report(world, "HN-BD", "2023-Q3")["officers"]
    assert board["rows"][0]["id"] == officer.id and board["rows"][0]["rank"] == 1
    assert "số người được hỗ trợ đăng ký" in board["basis"]


def test_a_teams_work_is_its_officers(world):
    org = world["org"]
    member = factories.user(org["HN-BD-T1"])
    factories.visit(member, world["a"], visit_date=date(2023, 8, 1), figures={"Kho": (10, 6, 3, 4)})
    factories.target(world["campaign"], org["HN-BD-T1"], "visits", 2)
    db.session.commit()
    team = report(world, "HN-BD-T1", "2023-Q3")
    assert team["unit"]["kind"] == "work" and team["stock"] is None
    assert (team["work"]["officers"], team["work"]["visits"], team["work"]["registrations"]) == (1, 1, 4)
    assert {t["metric"] for t in team["targets"]} == {"visits"}
    district = report(world, "HN-BD", "2023-Q3")
    assert district["children"][0]["code"] == "HN-BD-T1" and district["children"][0]["visits"] == 1


def test_open_and_overdue_follow_ups_are_counted_now_by_unit(world):
    from fieldops.progress.figures import followups_open

    users, a, org = world["users"], world["a"], world["org"]
    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    today = date(2023, 8, 1)
    factories.followup(officer, a, due_date=date(2023, 8, 10), now=datetime(2023, 7, 1), today=date(2023, 7, 1))
    factories.followup(officer, a, state="approved", decider=supervisor, due_date=date(2023, 7, 20),
                       now=datetime(2023, 7, 1), today=date(2023, 7, 1))
    factories.followup(officer, a, state="done", decider=supervisor, due_date=date(2023, 7, 20),
                       now=datetime(2023, 7, 2), today=date(2023, 7, 1))
    db.session.commit()
    hn_children = [org["HN-BD"], org["HN-CG"]]
    assert followups_open(org["VN"], today, [org["HN"], org["HT"]]) == (
        (2, 1), {org["HN"].id: (2, 1), org["HT"].id: (0, 0)})
    assert followups_open(org["HN"], today, hn_children) == (
        (2, 1), {org["HN-BD"].id: (2, 1), org["HN-CG"].id: (0, 0)})
    assert followups_open(org["HT"], today)[0] == (0, 0)


def test_an_employers_open_follow_ups_stay_with_the_district_they_were_made_in(world):
    """README, "When an employer moves": open work stays where it was made, finished work moves."""
    from fieldops.employers.operations import update_employer
    from fieldops.progress.figures import followups_open

    users, a, org = world["users"], world["a"], world["org"]
    officer = users["HN"]["officer"]
    factories.followup(officer, a, due_date=date(2023, 8, 10), now=datetime(2023, 7, 1), today=date(2023, 7, 1))
    db.session.commit()
    today = date(2023, 8, 1)
    hn_children = [org["HN-BD"], org["HN-CG"]]
    assert followups_open(org["HN"], today, hn_children)[1] == {org["HN-BD"].id: (1, 0), org["HN-CG"].id: (0, 0)}

    update_employer(users["HN"]["admin"], a, district_id=org["HN-CG"].id)
    db.session.commit()

    assert followups_open(org["HN"], today, hn_children)[1] == {org["HN-BD"].id: (1, 0), org["HN-CG"].id: (0, 0)}
    assert followups_open(org["HN-BD"], today)[0] == (1, 0)
    assert followups_open(org["HN-CG"], today)[0] == (0, 0)


def test_an_employer_brought_to_100_percent_counts_for_the_visit_that_took_it_there(org, users):
    """The day's latest counting visit takes the credit; reaching 100% before the
    period, or again within it, does not count twice."""
    from fieldops.auth.models import Role
    from fieldops.progress.work import brought_to_full

    officer, other = users["HN"]["officer"], factories.user(org["HN-BD"], Role.officer)
    made = {name: factories.employer(org["HN-BD"], departments=[("Toàn đơn vị", 10)]) for name in "abcd"}

    def counted(who, name, day, registered, hour=2):
        factories.visit(who, made[name], visit_date=day, figures={"Toàn đơn vị": (10, registered, 5)},
                        now=datetime.combine(day, datetime.min.time()).replace(hour=hour))

    counted(officer, "a", date(2023, 5, 10), 10)
    counted(officer, "b", date(2023, 5, 10), 8)
    counted(other, "b", date(2023, 5, 10), 10, hour=5)  # later the same day: the other officer's
    counted(officer, "c", date(2023, 3, 1), 10)  # at 100% before May
    counted(officer, "c", date(2023, 5, 10), 10)
    counted(officer, "d", date(2023, 5, 10), 10)
    counted(other, "d", date(2023, 5, 20), 9)
    counted(officer, "d", date(2023, 5, 30), 10)  # again: still one employer
    db.session.commit()
    ids = {name: employer.id for name, employer in made.items()}
    assert brought_to_full([officer.id, other.id], date(2023, 5, 1), date(2023, 5, 31)) == {
        officer.id: {ids["a"], ids["d"]}, other.id: {ids["b"]}}
    assert brought_to_full([officer.id], date(2023, 5, 11), date(2023, 5, 31)) == {officer.id: {ids["d"]}}
    assert brought_to_full([other.id], date(2023, 6, 1), date(2023, 6, 30)) == {}
