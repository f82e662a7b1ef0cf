"""What outreach counts, against an independent count: per unit and period on the
dashboard, in the exports, the printed report and `flask progress report`; the
plan against what was held; the review criterion over verified activities and
the achievement report's list."""
from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from fieldops.auth.models import Role
from fieldops.extensions import db
from fieldops.outreach.figures import unit_outreach
from fieldops.outreach.models import OutreachPlanLine
from fieldops.reviews import standings
from fieldops.reviews.criteria import annotate
from fieldops.reviews.dossier import build_snapshot
from fieldops.reviews.models import NomineeKind
from tests import factories
from tests.export_files import zip_tables
from tests.outreach_helpers import activity
from tests.review_helpers import in_english

# (district, recorder, kind, groups, first day, state, people, registrations)
SPECS = [
    ("HN-BD", "officer", "school_session", ("students",), date(2023, 4, 10), "verified", 300, 60),
    ("HN-BD", "officer", "commune_meeting", ("household", "voluntary"), date(2023, 5, 3), "verified", 120, 12),
    ("HN-BD", "officer2", "training", ("compulsory",), date(2023, 5, 20), "held", 40, 18),
    ("HN-BD", "supervisor", "radio", ("voluntary",), date(2023, 6, 30), "held", 5000, 0),
    ("HN-BD", "officer", "school_session", ("students",), date(2023, 6, 1), "planned", None, None),
    ("HN-BD", "officer", "conference", ("compulsory",), date(2023, 6, 2), "cancelled", None, None),
    ("HN-CG", "cg", "registration_drive", ("voluntary", "household"), date(2023, 5, 15), "verified", 200, 90),
    ("HN-CG", "cg", "school_session", ("students",), date(2023, 8, 1), "verified", 250, 40),
    ("HT-TP", "ht", "tv", ("other", "household"), date(2023, 6, 10), "verified", 9000, 30),
]
HELD = ("held", "verified")


@pytest.fixture
def world(org, users):
    campaign = factories.campaign()
    people = {"officer": users["HN"]["officer"], "supervisor": users["HN"]["supervisor"],
              "officer2": factories.user(org["HN-BD"], Role.officer, username="officer.hn2"),
              "cg": factories.user(org["HN-CG"], Role.officer, username="officer.cg"),
              "ht": users["HT"]["officer"]}
    checkers = {"HN-BD": users["HN"]["supervisor"], "HN-CG": factories.user(org["HN-CG"], Role.supervisor),
                "HT-TP": users["HT"]["supervisor"]}
    made = []
    for district, who, kind, groups, day, state, people_reached, registrations in SPECS:
        made.append(activity(
            people[who], org[district], kind=kind, groups=groups, starts_on=day,
            held=(people_reached, registrations) if state in HELD else None,
            verified_by=checkers[district] if state == "verified" else None,
            cancelled="Trùng lịch" if state == "cancelled" else None))
    db.session.commit()
    return {"campaign": campaign, "org": org, "users": users, "people": people, "activities": made}


def expected(districts, start, end, officers=None):
    """The independent count: over SPECS, by hand."""
    rows = [s for s in SPECS if s[0] in districts and start <= s[4] <= end and (officers is None or s[1] in officers)]
    held = [s for s in rows if s[5] in HELD]
    by_group = {}
    for s in held:
        for g in s[3]:
            by_group[g] = by_group.get(g, 0) + 1
    return {"held": len(held), "verified": sum(1 for s in held if s[5] == "verified"),
            "people": sum(s[6] for s in held), "registrations": sum(s[7] for s in held),
            "planned": sum(1 for s in rows if s[5] == "planned"),
            "cancelled": sum(1 for s in rows if s[5] == "cancelled"), "by_group": by_group}


@pytest.mark.parametrize("unit, districts, start, end, officers", [
    ("VN", ("HN-BD", "HN-CG", "HT-TP"), date(2023, 1, 1), date(2023, 12, 31), None),
    ("HN", ("HN-BD", "HN-CG"), date(2023, 1, 1), date(2023, 12, 31), None),
    ("HN", ("HN-BD", "HN-CG"), date(2023, 4, 1), date(2023, 6, 30), None),
    ("HN-BD", ("HN-BD",), date(2023, 5, 1), date(2023, 5, 31), None),
    ("HT", ("HT-TP",), date(2023, 7, 1), date(2023, 9, 30), None),
])
def test_figures_agree_with_an_independent_count(world, unit, districts, start, end, officers):
    with force_locale("en"):
        got = unit_outreach(world["org"][unit], start, end)
    want = expected(districts, start, end, officers)
    total = got["total"]
    assert (total["held"], total["verified"], total["people"], total["registrations"]) == (
        want["held"], want["verified"], want["people"], want["registrations"])
    assert (got["planned_open"], got["cancelled"]) == (want["planned"], want["cancelled"])
    assert {r["group"]: r["held"] for r in got["by_group"]} == want["by_group"]
    assert sum(r["held"] for r in got["by_kind"]) == want["held"]
    assert total["per_100"] == (round(100.0 * want["registrations"] / want["people"], 1) if want["people"] else None)


def test_dashboard_export_and_command_show_outreach_beside_the_funnel(world, client_as, app):
    hn = world["org"]["HN"]
    viewer = in_english(client_as("viewer"))
    page = viewer.get(f"/progress/units/{hn.id}?period=2023").get_data(as_text=True)
    want = expected(("HN-BD", "HN-CG"), date(2023, 1, 1), date(2023, 12, 31))
    section = page[page.index('id="progress-outreach"'):]
    assert f'data-figure="outreach_held">{want["held"]}<' in section
    assert f'data-figure="outreach_people">{want["people"]:,}<' in section
    assert f'data-figure="outreach_registrations">{want["registrations"]}<' in section
    assert 'id="chart-outreach"' in section and "never added to them" in section
    # Registrations on the spot are not added to the funnel: the registered figure is the employers' alone.
    assert 'data-figure="registered">0<' in page
    tables = {name: rows[1:] for name, rows in
              zip_tables(viewer.get(f"/progress/units/{hn.id}/export?period=2023&format=zip").data, "en").items()}
    summary = {row[0]: row[1:] for row in tables["01-summary.csv"]}
    assert summary["Outreach activities held"][0] == str(want["held"])
    assert summary["People reached by outreach"][0] == str(want["people"])
    by_kind = {row[0]: row[1:] for row in tables[next(n for n in tables if n.endswith("-outreach.csv"))] if row}
    assert by_kind["School session"][:4] == ["2", "2", "550", "100"]
    assert by_kind["All activities"][:4] == [str(want["held"]), str(want["verified"]), str(want["people"]),
                                             str(want["registrations"])]
    runner = app.test_cli_runner()
    out = app.instance_path + "/outreach-report.zip"
    result = runner.invoke(args=["progress", "report", "--unit", "HN", "--period", "2023", "--format", "zip",
                                 "--out", out, "--lang", "en"])
    assert result.exit_code == 0, result.output
    with open(out, "rb") as f:
        summary = {row[0]: row[1:] for row in zip_tables(f.read(), "en")["01-summary.csv"]}
    assert summary["Outreach activities held"][0] == str(want["held"])
    assert summary["People reached by outreach"][0] == str(want["people"])


def test_the_printed_report_has_the_outreach_table(world, app):
    from fieldops.progress.periods import parse_period
    from fieldops.progress.report import report_html

    campaign = world["campaign"]
    with app.test_request_context():
        html = report_html(world["org"]["HN"], campaign, parse_period("2023", campaign, date(2024, 1, 31)),
                           date(2024, 1, 31))
    assert "Truyền thông, vận động" in html and "Tuyên truyền tại trường học" in html


def test_plan_against_held(world, client_as):
    bd = world["org"]["HN-BD"]
    officer = in_english(client_as("officer"))
    url = f"/outreach/plan?district_id={bd.id}&period_kind=quarter&period=2023-Q2"
    assert "Nothing planned" not in officer.get(url).get_data(as_text=True)  # held ones show, plan or not
    plan = {"district_id": bd.id, "period_kind": "quarter", "period": "2023-Q2", "n-school_session-students": "3",
            "n-commune_meeting-household": "1", "n-radio-voluntary": "0"}
    bad = officer.post("/outreach/plan", data=plan | {"n-training-compulsory": "-2", "n-tv-other": "abc",
                                                      "n-press-other": "1001"})
    assert bad.status_code == 422 and "Enter 0 or more." in bad.get_data(as_text=True)
    assert "Enter a whole number, such as 12." in bad.get_data(as_text=True)
    assert "At most 1000 activities of one kind for one group." in bad.get_data(as_text=True)
    assert 'id="n-tv-other-error"' in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(OutreachPlanLine.id))) == 0
    assert officer.post("/outreach/plan", data=plan).status_code == 302
    page = officer.get(url).get_data(as_text=True)
    table = page[page.index('id="outreach-plan-vs-held"'):]

    def row(kind, group):
        start = table.index(f'data-kind="{kind}" data-group="{group}"')
        cells = table[start:table.index("</tr>", start)]
        planned = cells.split('data-figure="planned">')[1].split("<")[0]
        held = cells.split('data-figure="held">')[1].split("<")[0]
        return planned, held

    assert row("school_session", "students") == ("3", "1")  # the planned one of 01/06 was not held
    assert row("commune_meeting", "household") == ("1", "1")
    assert row("radio", "voluntary") == ("0", "1")  # held without a plan
    # A month of a quarter planned whole is refused, nothing saved; the dashboard shows the plan.
    month = officer.post("/outreach/plan", data={"district_id": bd.id, "period_kind": "month", "period": "2023-05",
                                                 "n-press-other": "1"})
    assert month.status_code == 422 and "already plans this quarter as a whole" in month.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(OutreachPlanLine.id))) == 2
    dashboard = in_english(client_as("viewer")).get(f"/progress/units/{bd.id}?period=2023-Q2").get_data(as_text=True)
    plan_table = dashboard[dashboard.index('id="outreach-plan-vs-held"'):]
    school = plan_table[plan_table.index('data-kind="school_session"'):]
    assert 'data-figure="planned">3<' in school.split("</tr>")[0] and 'data-figure="held">1<' in school.split("</tr>")[0]
    # Another province's district: 404; a viewer reads but may not change it.
    assert client_as("officer", "HT").get(f"/outreach/plan?district_id={bd.id}").status_code == 404
    assert client_as("viewer").post("/outreach/plan", data=plan).status_code == 403


def test_the_criterion_counts_verified_activities_only(world, client_as, app):
    hr = world["users"]["HN"]["hr"]
    period = factories.review_period(hr, world["campaign"], world["org"]["HN"], cut_off=date(2023, 6, 30))
    db.session.commit()
    client = in_english(client_as("hr"))
    refused = client.post(f"/reviews/{period.id}/criteria", data={"rule": "outreach_verified_at_least",
                                                                   "applies_to": "both", "threshold": "1.5"})
    assert refused.status_code == 422 and not period.criteria
    assert client.post(f"/reviews/{period.id}/criteria", data={"rule": "outreach_verified_at_least",
                                                                "applies_to": "both", "threshold": "2"}
                       ).status_code == 302
    officer, team_officer = world["people"]["officer"], world["people"]["officer2"]
    with app.test_request_context(), force_locale("en"):
        mine = standings.standing_of(period, NomineeKind.individual, officer)
        team = standings.standing_of(period, NomineeKind.individual, team_officer)
        district = standings.standing_of(period, NomineeKind.collective, world["org"]["HN-BD"])
        cg = standings.standing_of(period, NomineeKind.collective, world["org"]["HN-CG"])
        reasons = [annotate(x["results"])[0]["reason"] for x in (mine, team, district, cg)]
    # Ba Đình's officer: two verified; the other officer's training is held, not verified; Cầu Giấy's
    # second is after the cut-off.
    assert [mine["figures"]["outreach_verified"], team["figures"]["outreach_verified"],
            district["figures"]["outreach_verified"], cg["figures"]["outreach_verified"]] == [2, 0, 2, 1]
    assert reasons == ["2 outreach activities held and verified; at least 2 required",
                       "Only 0 outreach activities held and verified; at least 2 required",
                       "2 outreach activities held and verified; at least 2 required",
                       "Only 1 outreach activities held and verified; at least 2 required"]
    page = client.get(f"/reviews/{period.id}/ranking").get_data(as_text=True)
    assert "Only 0 outreach activities held and verified; at least 2 required" in page
    # The achievement report lists the activities behind the figure.
    factories.nomination(hr, period, officer, next(iter(factories.award_titles().values())))
    snapshot = build_snapshot(period, world["org"]["HN"])
    nominee = snapshot["nominees"][0]
    assert [(a["date"], a["kind"], a["people"]) for a in nominee["outreach"]] == [
        ("2023-04-10", "school_session", 300), ("2023-05-03", "commune_meeting", 120)]
