"""The campaign's own question: people using the app (the funnel's last step),
all groups, against targets that are "at least" or "more than" their value,
shown first on every dashboard and in every export."""
import io
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import Role
from fieldops.extensions import db
from fieldops.progress.models import Target
from tests import factories
from tests.conftest import sign_in
from tests.export_files import zip_tables
from tests.progress_helpers import Naive, build_world
from tests.visit_helpers import in_english


@pytest.fixture
def world(org, users):
    made = build_world(org, users)
    elsewhere = factories.user(org["HN-CG"], Role.supervisor)
    # Outside employers: one return that says how many use the app, one filed before it was asked.
    factories.group_return(users["HN"]["supervisor"], org["HN-BD"], "voluntary", date(2023, 6, 1),
                           (100, 40, 10, 8, 25))
    factories.group_return(elsewhere, org["HN-CG"], "household", date(2023, 6, 1), (50, 20, 5, 5, None))
    db.session.commit()
    return made


def figure(page, name):
    match = re.search(rf'data-figure="{name}">([^<]*)<', page)
    return match.group(1) if match else None


def goal(page, metric):
    match = re.search(rf'<article class="pg-goal[^"]*" data-goal="{metric}" data-status="(\w+)">(.*?)</article>',
                      page, re.S)
    return match and (match.group(1), match.group(2))


def viewer(app, org):
    leader = factories.user(org["VN"], Role.viewer)
    db.session.commit()
    return in_english(sign_in(app.test_client(), leader))


def test_the_funnel_and_people_using_the_app_all_groups(world, app):
    page = viewer(app, world["org"]).get("/progress/?period=2023").get_data(as_text=True)
    naive = Naive().stock(world["org"]["VN"], date(2023, 12, 31))
    assert naive["active"] == 37  # Văn phòng 30 + Kho 5 + Sông Hồng 2 (its returned visit does not count)
    assert figure(page, "active") == "37"
    assert figure(page, "active_all") == "62"  # 37 at employers + 25 on the one return that says it
    funnel = page.split('id="progress-funnel"', 1)[1].split("</section>", 1)[0]
    assert "Installed and using the app" in funnel and "18 not using it" in funnel  # 55 registered − 37
    assert "1 return does not say how many use the app" in page


def test_a_return_filed_before_the_question_is_unknown_never_zero(world, app):
    from fieldops.returns import figures

    outside = figures.outside_employers(world["org"]["HN"], date(2023, 1, 1), date(2023, 12, 31))
    assert (outside.using, outside.using_unknown) == (25, 1)


@pytest.mark.parametrize("comparison, value, status", [
    ("more_than", 62, "behind"),  # "over 62": 62 is not enough, and by 31/12 the schedule expects all of it
    ("at_least", 62, "met"),
    ("more_than", 61, "met"),
])
def test_the_headline_card_and_one_status_everywhere(world, app, comparison, value, status):
    org, campaign = world["org"], world["campaign"]
    for unit in (org["VN"], org["HN"]):
        made = factories.target(campaign, unit, "active_all", value)
        made.comparison = comparison
    factories.target(campaign, org["VN"], "registered_employer", 50)
    db.session.commit()
    client = viewer(app, org)
    page = client.get("/progress/?period=2023").get_data(as_text=True)
    # The headline card comes first, before the summary tiles.
    assert page.index('data-goal="active_all"') < page.index('data-goal="registered_employer"') \
        < page.index('id="progress-summary"')
    shown, card = goal(page, "active_all")
    assert shown == status and "62" in card and f"{value}" in card
    assert ("more than" if comparison == "more_than" else "at least") in card
    if status == "met":
        assert "still missing" not in card
    else:
        assert "still missing 1" in card
    row = page.split('data-metric="active_all"', 1)[1].split("</tr>", 1)[0]
    assert f"pg-status-{status}" in row
    hn = page.split('data-unit="HN"', 1)[1].split("</tr>", 1)[0]
    board = client.get("/progress/?period=2023&rank=active_all").get_data(as_text=True)
    assert f"pg-status-{status}" in board.split('id="progress-leaderboard"', 1)[1].split("</li>", 1)[0]
    assert f"pg-status-{status}" in hn


def test_the_change_since_the_previous_period(world, app):
    org, campaign = world["org"], world["campaign"]
    factories.target(campaign, org["VN"], "active_employer", 40)
    db.session.commit()
    page = viewer(app, org).get("/progress/?period=2023-09").get_data(as_text=True)
    _status, card = goal(page, "active_employer")
    # 30/09: 35 + 2 using the app; 31/08: 20 + 1 (the June visit) + 2 → +14.
    assert "37" in card and "+14 since the previous period" in card
    tile = page.split('data-change="active"', 1)[1].split("</small>", 1)[0]
    assert "+14 since 31/08/2023" in tile


def test_the_report_names_the_funnel_in_english(world, app, tmp_path):
    org, campaign = world["org"], world["campaign"]
    factories.target(campaign, org["VN"], "active_all", 35_000_000).comparison = "more_than"
    factories.target(campaign, org["VN"], "active_employer", 30)
    db.session.commit()
    out = tmp_path / "report.zip"
    result = app.test_cli_runner().invoke(args=["progress", "report", "--unit", "VN", "--period", "2023",
                                                "--format", "zip", "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    tables = zip_tables(out.read_bytes(), "en")
    summary = {r[0]: r[1] for r in tables["01-summary.csv"][1:]}
    rows = tables["02-targets.csv"]
    assert summary["People using the app (employer channel)"] == "37"
    assert summary["People using the app, all groups"] == "62"
    targets = [r for r in rows if r and r[0] in ("People using the app (employer channel)",
                                                   "People using the app, all groups") and len(r) > 3]
    assert {r[0] for r in targets} == {"People using the app (employer channel)", "People using the app, all groups"}
    headline = next(r for r in targets if r[0] == "People using the app, all groups")
    assert headline[1] == "more than" and headline[2] == "35000000"


def test_a_target_says_more_than_and_is_audited(world, client_as):
    org, campaign = world["org"], world["campaign"]
    client = in_english(client_as("admin"))
    response = client.post("/progress/targets/new", data={
        "campaign_id": campaign.id, "org_unit_id": org["HN"].id, "metric": "active_all", "value": "35000000",
        "comparison": "more_than"})
    assert response.status_code == 302
    target = db.session.scalars(sa.select(Target)).one()
    assert (str(target.metric), target.comparison, Decimal(target.value)) == ("active_all", "more_than", 35_000_000)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "target.create")).one()
    assert event.after["comparison"] == "more_than"
    page = client.get(f"/progress/targets?campaign={campaign.id}").get_data(as_text=True)
    assert "&gt; 35,000,000" in page  # an English page: English numbers
    edited = client.post(f"/progress/targets/{target.id}", data={"value": "35000000", "comparison": "at_least"})
    assert edited.status_code == 302 and db.session.get(Target, target.id).comparison == "at_least"


@pytest.mark.parametrize("metric, value, comparison, message", [
    ("active_all", "200000001", "more_than", "at most 200.000.000"),
    ("active_all", "-1", "more_than", "cannot be negative"),
    ("active_employer", "12,5", "at_least", "whole number"),
    ("coverage_pct", "100,5", "at_least", "at most 100"),
    ("active_all", "1000", "roughly", "Not a valid choice"),
    ("active_all", "<script>alert(1)</script>", "at_least", "Enter a number"),
])
def test_bad_targets_are_refused_beside_the_field(world, client_as, metric, value, comparison, message):
    client = in_english(client_as("admin"))
    response = client.post("/progress/targets/new", data={
        "campaign_id": world["campaign"].id, "org_unit_id": world["org"]["HN"].id, "metric": metric,
        "value": value, "comparison": comparison})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Target)).all() == []


def test_the_officers_page_shows_the_funnel_of_the_employers_visited(world, client_as):
    page = in_english(client_as("officer")).get("/progress/me?period=2023").get_data(as_text=True)
    funnel = page.split('id="progress-funnel"', 1)[1].split("</section>", 1)[0]
    # Ánh Dương 50 / 50 / 35 and Sông Hồng 20 / 5 / 2 as of 31/12/2023.
    assert "70" in funnel and "55" in funnel and "37" in funnel and "18 not using it" in funnel
    june = in_english(client_as("officer")).get("/progress/me?period=2023-06").get_data(as_text=True)
    # In June only Ánh Dương was visited (15/06): Văn phòng 40 / 30 / 20 then, Kho still 10 / 2 / 1 from March.
    june_funnel = june.split('id="progress-funnel"', 1)[1].split("</section>", 1)[0]
    assert "18 not registered" in june_funnel and "<strong>21</strong>" in june_funnel


def test_the_employer_page_shows_who_registered_but_does_not_use_the_app(world, client_as):
    page = in_english(client_as("viewer")).get(f"/progress/employers/{world['a'].id}?period=2023").get_data(
        as_text=True)
    total = page.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    assert "35" in total and "70.0%" in total and ">15<" in total  # 50 registered, 35 using the app


def test_the_xlsx_export_has_the_funnel_with_numbers(world, app):
    from openpyxl import load_workbook

    client = viewer(app, world["org"])
    response = client.get(f"/progress/units/{world['org']['VN'].id}/export?period=2023&format=xlsx")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Funnel"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Step", "People")
    assert [r[1] for r in rows[1:]] == [70, 55, 37] and rows[3][2] == 18


def test_a_team_with_no_officers_says_so_instead_of_behind(world, app):
    org = world["org"]
    factories.target(world["campaign"], org["HN-BD-T1"], "visits", 40)
    db.session.commit()
    page = viewer(app, org).get(f"/progress/units/{org['HN-BD'].id}?period=2023").get_data(as_text=True)
    row = page.split('data-unit="HN-BD-T1"', 1)[1].split("</tr>", 1)[0]
    assert "pg-status-no_officers" in row and "No officers" in row and "pg-status-behind" not in row


def test_charts_print_numbers_as_the_tables_do(world, app):
    page = viewer(app, world["org"]).get("/progress/?period=2023").get_data(as_text=True)
    chart = page.split('id="chart-coverage"', 1)[1].split("</svg>", 1)[0]
    assert "78.6%" in chart and "78,6%" not in chart  # an English page, like its tables


def test_a_campaign_set_up_later_counts_the_departments_reviewed_in_it(world, users):
    from fieldops.campaign_setup.operations import create_campaign, update_campaign
    from fieldops.progress import figures as fig
    from tests.progress_helpers import as_dict

    admin = factories.user(world["org"]["VN"], Role.admin)
    made = create_campaign(admin, {"name": "Nửa cuối 2023", "code": "2023H2", "decision_number": None,
                                   "decision_date": None, "starts_on": date(2023, 7, 1), "ends_on": date(2023, 12, 31),
                                   "counts_from": date(2023, 7, 1), "participant_groups": ["compulsory"],
                                   "state": "active"})
    vn, end = world["org"]["VN"], date(2023, 12, 31)
    # Only Ánh Dương's two departments were visited after 01/07 (20/09): Sông Hồng's July visit was returned.
    assert as_dict(fig.reviewed_by_child(vn, made.id, end)[0]) == Naive().reviewed(vn, date(2023, 7, 1), end)
    assert fig.reviewed_by_child(vn, made.id, end)[0].departments_reviewed == 2
    values = {name: getattr(made, name) for name in ("name", "code", "decision_number", "decision_date", "starts_on",
                                                     "ends_on", "participant_groups", "state")}
    update_campaign(admin, made, values | {"counts_from": date(2023, 1, 1)})
    assert as_dict(fig.reviewed_by_child(vn, made.id, end)[0]) == Naive().reviewed(vn, date(2023, 1, 1), end)
    assert fig.reviewed_by_child(vn, made.id, end)[0].departments_reviewed == 3
