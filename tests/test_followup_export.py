"""The Customer Care Center's escalations: the list, and its export to XLSX and
CSV from the web and from the command line, with formula-like text made inert."""
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from fieldops.extensions import db
from tests import factories
from tests.conftest import sign_in
from tests.export_files import csv_rows
from tests.followup_helpers import fu, in_english  # noqa: F401

DANGEROUS_NAME = '=HYPERLINK("http://evil.example","Bấm vào đây")'


@pytest.fixture
def escalations(fu):
    """Two escalations in Hà Nội, one with formula-like text everywhere; one in Hà
    Tĩnh; and a revisit, which is no escalation."""
    risky = factories.employer(fu["org"]["HN-BD"], name=DANGEROUS_NAME)
    risky_visit = factories.visit(fu["officer"], risky, obstacles=[("app_error", 7, "")])
    ht_visit = factories.visit(fu["users"]["HT"]["officer"], fu["ht_employer"],
                               obstacles=[("no_own_phone_number", 2, "")])
    made = {
        "plain": factories.followup(fu["officer"], fu["employer"], kind="escalation", visit=fu["visit"],
                                    obstacle=fu["visit"].obstacles[0], state="approved", decider=fu["supervisor"],
                                    now=datetime(2023, 6, 2, 2, 0), today=date(2023, 6, 2),
                                    due_date=date(2023, 6, 30)),
        "risky": factories.followup(fu["officer"], risky, kind="escalation", visit=risky_visit,
                                    obstacle=risky_visit.obstacles[0], note="+84 912 345 678 @ kế toán"),
        "ht": factories.followup(fu["users"]["HT"]["officer"], fu["ht_employer"], kind="escalation",
                                 visit=ht_visit, obstacle=ht_visit.obstacles[0]),
        "revisit": factories.followup(fu["officer"], fu["employer"], note="-không phải chuyển CSKH"),
    }
    db.session.commit()
    return made


def _client(app, user):
    return in_english(sign_in(app.test_client(), user))


def test_the_escalations_list_shows_state_category_employer_people_and_age(app, fu, escalations):
    page = _client(app, fu["users"]["HN"]["viewer"]).get("/followups/escalations").get_data(as_text=True)
    assert "No smartphone" in page and "App error" in page and "No phone number of their own" not in page
    assert "Công ty TNHH May mặc Hồng Hà" in page and "Overdue" in page
    age = (datetime.utcnow() - datetime(2023, 6, 2, 2, 0)).days
    assert f'<td class="num">{age}</td>' in page
    assert f"/followups/{escalations['revisit'].id}\"" not in page


def _csv(data: bytes, lang="en"):
    return csv_rows(data, lang)


def test_csv_export_from_the_web_is_scoped_and_neutralised(app, fu, escalations):
    # Proposals asked for too: by default only approved escalations (tests/test_care_center.py).
    response = _client(app, fu["supervisor"]).get("/followups/export?kind=escalation&format=csv&proposals=1")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response.data)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Number", "Kind", "State"]
    assert sorted(int(r[0]) for r in body) == sorted([escalations["plain"].id, escalations["risky"].id])
    risky = next(r for r in body if int(r[0]) == escalations["risky"].id)
    by_name = dict(zip(header, risky))
    assert by_name["Employer"] == "'" + DANGEROUS_NAME
    assert by_name["Note"] == "'+84 912 345 678 @ kế toán"
    assert (by_name["Obstacle category"], by_name["People affected"]) == ("App error", "7")
    plain = dict(zip(header, next(r for r in body if int(r[0]) == escalations["plain"].id)))
    assert (plain["State"], plain["Overdue"], plain["Due date"]) == ("Approved", "yes", "2023-06-30")


def test_xlsx_export_from_the_web(app, fu, escalations):
    response = _client(app, fu["users"]["HT"]["supervisor"]).get(
        "/followups/export?kind=escalation&format=xlsx&proposals=1")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [escalations["ht"].id]  # Hà Tĩnh sees Hà Tĩnh only


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["followups", "export", *args])


def test_cli_exports_escalations_as_xlsx_with_formulas_neutralised(app, fu, escalations, tmp_path):
    out = tmp_path / "escalations.xlsx"
    result = _cli(app, "--kind", "escalation", "--with-proposals", "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "3 follow-ups written" in result.output
    sheet = load_workbook(out).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert "'" + DANGEROUS_NAME in texts and DANGEROUS_NAME not in texts
    assert "'+84 912 345 678 @ kế toán" in texts


def test_cli_exports_csv_for_one_unit_and_any_kind(app, fu, escalations, tmp_path):
    out = tmp_path / "hn.csv"
    result = _cli(app, "--kind", "all", "--format", "csv", "--out", str(out), "--unit", "hn")
    assert result.exit_code == 0, result.output
    body = _csv(out.read_bytes(), "vi")[1:]
    assert sorted(int(r[0]) for r in body) == sorted(
        escalations[k].id for k in ("plain", "risky", "revisit"))
    revisit = next(r for r in body if int(r[0]) == escalations["revisit"].id)
    assert "'-không phải chuyển CSKH" in revisit


@pytest.mark.parametrize("args", [["--format", "pdf", "--out", "x"], ["--format", "csv"],
                                  ["--format", "csv", "--out", "x", "--unit", "NOWHERE"]])
def test_cli_refuses_bad_options(app, fu, args):
    assert _cli(app, *args).exit_code != 0
