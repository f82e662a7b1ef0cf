"""Targets for the groups outside employers: "people registered, all groups" (a
count) and "new voluntary participants registered (%)" (a percentage). Set by
form or import, refused clearly when wrong, compared with the campaign to date
on the dashboard, its leaderboard and the leadership report (and its command)."""
import io
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from fieldops.auth.models import Role
from fieldops.extensions import db
from fieldops.progress.dashboard import unit_report
from fieldops.progress.models import Target
from fieldops.progress.periods import parse_period
from fieldops.timeutil import local_today
from tests import factories
from tests.conftest import sign_in
from tests.progress_helpers import build_world
from tests.visit_helpers import error_beside, in_english


@pytest.fixture
def world(org, users):
    """build_world's employers (37 registered in Hà Nội as of 30/06/2023) and returns of Hà Nội:
    as of June, 170 registered outside employers; new voluntary to date 29 of 38."""
    made = build_world(org, users)
    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    cg = factories.user(org["HN-CG"], Role.officer)
    factories.group_return(officer, org["HN-BD"], "voluntary", date(2023, 4, 1), (100, 50, 10, 5),
                           locked_by=supervisor)
    factories.group_return(officer, org["HN-BD"], "voluntary", date(2023, 6, 1), (120, 70, 20, 20))
    factories.group_return(officer, org["HN-BD"], "household", date(2023, 5, 1), (300, 90, 0, 0))
    factories.group_return(cg, org["HN-CG"], "voluntary", date(2023, 5, 1), (40, 10, 8, 4))
    db.session.commit()
    return made


def targets():
    return sorted((t.org_unit.code, str(t.metric), Decimal(t.value)) for t in db.session.scalars(sa.select(Target)))


def new(client, campaign, unit, metric, value):
    return client.post("/progress/targets/new", data={"campaign_id": campaign.id, "org_unit_id": unit.id,
                                                       "metric": metric, "value": value})


def test_the_two_metrics_are_set_through_the_form(world, org, client_as):
    client = in_english(client_as("admin"))
    form = client.get("/progress/targets/new").get_data(as_text=True)
    assert "People registered, all groups" in form and "New voluntary participants registered (%)" in form
    assert new(client, world["campaign"], org["HN"], "registered_all", "35000000").status_code == 302
    assert new(client, world["campaign"], org["HN"], "new_voluntary_pct", "100").status_code == 302
    assert new(client, world["campaign"], org["HN-BD"], "new_voluntary_pct", "97,5").status_code == 302
    assert targets() == [("HN", "new_voluntary_pct", 100), ("HN", "registered_all", 35_000_000),
                         ("HN-BD", "new_voluntary_pct", Decimal("97.5"))]
    listed = client.get("/progress/targets").get_data(as_text=True)
    assert 'data-metric="registered_all"' in listed and "35,000,000" in listed


@pytest.mark.parametrize("metric, value, message", [
    ("new_voluntary_pct", "100,5", "A percentage is at most 100."),
    ("new_voluntary_pct", "-1", "A target cannot be negative."),
    ("new_voluntary_pct", "99,999", "at most two decimals"),
    ("registered_all", "35000000,5", "enter a whole number"),
    ("registered_all", "35.000.000", "without thousands separators"),
    ("registered_all", "1" * 12, "Enter a number of at most 200.000.000."),
])
def test_bad_values_are_refused_beside_the_field(world, org, client_as, metric, value, message):
    client = in_english(client_as("admin"))
    response = new(client, world["campaign"], org["HN"], metric, value)
    assert response.status_code == 422 and message in error_beside(response.get_data(as_text=True), "value")
    assert targets() == []


def test_a_team_gets_neither(world, org, client_as):
    client = in_english(client_as("admin"))
    response = new(client, world["campaign"], org["HN-BD-T1"], "registered_all", "10")
    assert response.status_code == 422 and "only be the visits" in error_beside(response.get_data(as_text=True),
                                                                                  "metric")
    assert targets() == []


def test_the_database_refuses_a_percentage_above_100(world, org):
    values = {"campaign_id": world["campaign"].id, "org_unit_id": org["HN"].id, "created_at": sa.func.now(),
              "updated_at": sa.func.now()}
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as connection:
            connection.execute(sa.insert(Target.__table__).values(metric="new_voluntary_pct", value=101, **values))
    with db.engine.begin() as connection:
        connection.execute(sa.insert(Target.__table__).values(metric="registered_all", value=35_000_000, **values))


def upload(client, campaign, content, name="chi-tieu.csv"):
    return client.post("/progress/targets/import", data={"campaign_id": str(campaign.id),
                                                         "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_the_import_knows_them_by_code_and_by_name(world, client_as):
    client = in_english(client_as("admin"))
    bad = ("Mã đơn vị,Chỉ tiêu,Giá trị\n"
           "HN,Số người đăng ký, mọi nhóm đối tượng,10\n"  # unquoted comma: a fourth cell
           "HN,Người tham gia BHXH tự nguyện mới đã đăng ký (%),120\n"
           "HN-BD-T1,registered_all,5\n")
    response = upload(client, world["campaign"], bad.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "A percentage is at most 100." in page and "only be the visits" in page
    assert targets() == []
    good = ("Mã đơn vị,Chỉ tiêu,Giá trị\n"
            'HN,"Số người đăng ký, mọi nhóm đối tượng",400\n'
            "HN,Người tham gia BHXH tự nguyện mới đã đăng ký (%),\"80\"\n"
            "HN-BD,new_voluntary_pct,80\n"
            "HN-CG,New voluntary participants registered (%),80\n")
    response = upload(client, world["campaign"], good.encode())
    assert response.status_code == 200 and "Import complete" in response.get_data(as_text=True)
    assert targets() == [("HN", "new_voluntary_pct", 80), ("HN", "registered_all", 400),
                         ("HN-BD", "new_voluntary_pct", 80), ("HN-CG", "new_voluntary_pct", 80)]


def _set_targets(world):
    org, campaign = world["org"], world["campaign"]
    factories.target(campaign, org["HN"], "registered_all", 400)
    factories.target(campaign, org["HN"], "new_voluntary_pct", 80)
    factories.target(campaign, org["HN-BD"], "new_voluntary_pct", 80)
    factories.target(campaign, org["HN-CG"], "new_voluntary_pct", 80)
    db.session.commit()


def test_achieved_is_the_campaign_to_date_against_the_target(world, app):
    _set_targets(world)
    org, campaign = world["org"], world["campaign"]
    june = parse_period("2023-06", campaign, local_today())
    with app.test_request_context():
        report = unit_report(org["HN"], campaign, june, local_today(), rank="new_voluntary_pct")
    rows = {t["metric"]: t for t in report["targets"]}
    # 37 by employers + 170 outside as of 30/06; new voluntary to date: 5 + 20 + 4 of 10 + 20 + 8.
    assert (rows["registered_all"]["achieved"], rows["registered_all"]["target"]) == (207, 400)
    assert rows["new_voluntary_pct"]["achieved"] == pytest.approx(100 * 29 / 38, abs=0.01)
    assert rows["new_voluntary_pct"]["children_sum"] is None  # a percentage does not add up
    assert report["outside"]["new_voluntary_rate"] == pytest.approx(100.0)  # the period alone: June, 20 of 20
    children = {c["code"]: c for c in report["children"]}
    assert children["HN-BD"]["metrics"]["new_voluntary_pct"]["achieved"] == pytest.approx(83.3)  # 25 of 30
    assert children["HN-BD"]["metrics"]["new_voluntary_pct"]["status"] == "met"
    assert children["HN-CG"]["metrics"]["new_voluntary_pct"]["progress"] == 62.5  # 50% of 80%
    assert children["HN-CG"]["outside"]["registered_all"] == 10 + children["HN-CG"]["registered"]
    board = report["leaderboard"]["rows"]
    assert [(r["rank"], r["code"]) for r in board] == [(1, "HN-BD"), (2, "HN-CG")]


def test_the_dashboard_compares_them(world, app):
    _set_targets(world)
    leader = factories.user(world["org"]["HN"], Role.viewer)
    db.session.commit()
    client = in_english(sign_in(app.test_client(), leader))
    page = client.get(f"/progress/units/{world['org']['HN'].id}?period=2023-06").get_data(as_text=True)
    row = page.split('data-metric="registered_all"')[1].split("</tr>")[0]
    assert "People registered, all groups" in row and "207" in row and "400" in row
    row = page.split('data-metric="new_voluntary_pct"')[1].split("</tr>")[0]
    assert "76.3" in row and "80" in row
    child = page.split('<tr data-unit="HN-BD">')[1].split("</tr>")[0]
    assert 'data-figure="new_voluntary_rate">100.0%' in child


def _pdf_text(data):
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def _assert_the_groups_are_reported(text):
    for expected in ("Đã đăng ký, mọi nhóm đối tượng", "BHXH tự nguyện", "BHYT hộ gia đình",
                     "Người tham gia BHXH tự nguyện mới đã đăng ký", "BHXH quận Ba Đình", "BHXH quận Cầu Giấy"):
        assert expected in text, expected
    # Narrow cells break their text anywhere: compare with no spaces at all. Hà Nội: 80 voluntary, 90
    # household, 207 in all against 400; new voluntary 100,0% in June, 76,3% to date against 80%.
    squashed = "".join(text.split())
    assert "HNBHXHHàNội" + "80" + "90" + "0" + "0" + "207" + "400" + "100,0" + "76,3" + "80" in squashed
    assert "HN-BDBHXHquậnBaĐình" + "70" + "90" + "0" + "0" + "192" + "—" + "100,0" + "83,3" + "80" in squashed


def test_the_leadership_report_shows_them(world, client_as):
    _set_targets(world)
    response = client_as("viewer").get(f"/progress/units/{world['org']['HN'].id}/report?period=2023-06")
    assert response.status_code == 200
    _assert_the_groups_are_reported(_pdf_text(response.data))


def test_the_report_command_shows_them(world, app, tmp_path):
    _set_targets(world)
    out = tmp_path / "report.pdf"
    result = app.test_cli_runner().invoke(args=["progress", "report", "--unit", "HN", "--period", "2023-06",
                                                "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    _assert_the_groups_are_reported(_pdf_text(out.read_bytes()))


def test_a_review_judges_only_the_employer_channels_targets(org):
    from fieldops.progress.models import Metric
    from fieldops.reviews.evaluation import _targets

    figures = {"coverage_registered": 30, "coverage_insured": 40, "employers_full": 1, "visits": 6}
    wanted = {Metric.visits: 5, Metric.registered_all: 1000, Metric.new_voluntary_pct: 90}
    assert _targets(org["HN-BD"], wanted, figures, [40, 30, 2, 1, 6]) == [
        {"metric": "visits", "target": 5, "achieved": 6, "met": True}]
