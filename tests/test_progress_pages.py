"""Progress pages: the dashboard and its drill-down, periods refused clearly,
scope (404), the officer's and the employer's pages, the worklist, the
exports (XLSX, CSV, neutralised cells), the printed report and the command line."""
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.org.operations import create_org_unit
from fieldops.timeutil import local_today
from fieldops.auth.models import Role
from tests import factories
from tests.conftest import sign_in
from tests.export_files import all_rows, csv_rows
from tests.progress_helpers import build_world
from tests.visit_helpers import in_english


@pytest.fixture
def world(org, users):
    return build_world(org, users)


def figure(page, name):
    match = re.search(rf'data-figure="{name}">([^<]*)<', page)
    return match.group(1) if match else None


def test_the_dashboard_drills_down_from_the_nation(world, app):
    org = world["org"]
    leader = factories.user(org["VN"], Role.viewer)
    db.session.commit()
    client = in_english(sign_in(app.test_client(), leader))
    page = client.get("/progress/").get_data(as_text=True)
    assert figure(page, "registered") == "55" and figure(page, "coverage") == "78.6%"
    assert f'/progress/units/{org["HN"].id}?period=campaign' in page
    hn = client.get(f"/progress/units/{org['HN'].id}?period=2023-06").get_data(as_text=True)
    assert figure(hn, "registered") == "37" and figure(hn, "visits") == "1"
    assert f'/progress/units/{org["HN-BD"].id}?period=2023-06' in hn
    district = client.get(f"/progress/units/{org['HN-BD'].id}?period=2023-06").get_data(as_text=True)
    # A district: its teams, its officers, and the employers furthest from 100% (on to the employer).
    assert 'id="progress-officers"' in district and 'data-unit="HN-BD-T1"' in district
    assert f'/progress/officers/{world["users"]["HN"]["officer"].id}?period=2023-06' in district
    team = client.get(f"/progress/units/{org['HN-BD-T1'].id}").get_data(as_text=True)
    assert figure(team, "visits") == "0"
    charts = client.get(f"/progress/units/{org['VN'].id}?period=2023").get_data(as_text=True)
    for chart in ("chart-coverage", "chart-obstacles"):
        assert f'id="{chart}"' in charts
    assert "<svg" in charts and "<script" not in charts.split("<main", 1)[1].split("</main>")[0]


@pytest.mark.parametrize("reader, unit, trail", [
    ("nation", "HN-BD-T1", ["VN", "HN", "HN-BD", "HN-BD-T1"]), ("nation", "VN", ["VN"]),
    ("viewer", "HN-BD", ["HN", "HN-BD"]), ("supervisor", "HN-BD", ["HN-BD"]),
    ("supervisor", "HN-BD-T1", ["HN-BD", "HN-BD-T1"])])
def test_the_way_down_starts_at_the_readers_unit(world, app, client_as, reader, unit, trail):
    org = world["org"]
    if reader == "nation":
        leader = factories.user(org["VN"], Role.viewer)
        db.session.commit()
        client = sign_in(app.test_client(), leader)
    else:
        client = client_as(reader)
    page = client.get(f"/progress/units/{org[unit].id}").get_data(as_text=True)
    nav = page.split('class="pg-crumbs"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r">([A-Z0-9-]+)</", nav) == trail
    assert f'<span aria-current="page">{unit}</span>' in nav


def test_the_period_switch_answers_with_the_part_of_the_page(world, client_as):
    client = client_as("viewer")
    unit = world["org"]["HN"].id
    response = client.get(f"/progress/units/{unit}?period=2023-Q3",
                          headers={"HX-Request": "true", "HX-Target": "progress-body"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and figure(body, "registered") == "55"


@pytest.mark.parametrize("text, message", [
    ("2023-13", "is not a real date or month"),
    ("2023-02-30", "is not a real date or month"),
    ("2022-12", "lies outside the campaign"),
    ("2022-12-31", "lies outside the campaign"),
    ("2024-01-05", "lies outside the campaign"),
    ("2024", "lies outside the campaign"),
    ("next month", "is not a period"),
])
def test_bad_periods_are_refused_clearly(world, client_as, text, message):
    client = in_english(client_as("viewer"))
    unit = world["org"]["HN"].id
    response = client.get(f"/progress/units/{unit}", query_string={"period": text})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page and 'id="period-error"' in page
    assert 'id="progress-summary"' not in page
    for url in (f"/progress/units/{unit}/export", f"/progress/units/{unit}/report"):
        assert client.get(url, query_string={"period": text}).status_code == 422


def test_an_as_of_date_in_the_future_is_refused(org, client_as):
    today = local_today()
    factories.campaign(counts_from=today - timedelta(days=100), starts_on=today - timedelta(days=50),
                       ends_on=today + timedelta(days=60))
    db.session.commit()
    client = in_english(client_as("viewer"))
    response = client.get(f"/progress/units/{org['HN'].id}", query_string={"period": (today + timedelta(days=3)).isoformat()})
    assert response.status_code == 422 and "is in the future" in response.get_data(as_text=True)


def test_without_a_campaign_the_dashboard_says_so(org, client_as):
    response = in_english(client_as("viewer")).get("/progress/")
    assert response.status_code == 200 and "No campaign has been set up yet" in response.get_data(as_text=True)


def test_outside_the_users_area_everything_answers_404(world, client_as):
    client = client_as("viewer", "HT")
    org, officer = world["org"], world["users"]["HN"]["officer"]
    for url in (f"/progress/units/{org['HN'].id}", f"/progress/units/{org['VN'].id}",
                f"/progress/units/{org['HN-BD'].id}/export", f"/progress/units/{org['HN-BD'].id}/report",
                f"/progress/units/{org['HN-BD'].id}/worklist", f"/progress/officers/{officer.id}",
                f"/progress/employers/{world['a'].id}", "/progress/units/999999", "/progress/units/99999999999"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/progress/units/{org['HT'].id}").status_code == 200


def test_officers_see_their_own_achievements_only(world, client_as, users):
    officer = users["HN"]["officer"]
    other = factories.user(world["org"]["HN-BD"])
    db.session.commit()
    client = in_english(client_as("officer"))
    page = client.get("/progress/me?period=2023-Q3").get_data(as_text=True)
    assert figure(page, "visits") == "1" and figure(page, "registrations") == "18"
    assert figure(page, "employers_full") == "1" and "Công ty Ánh Dương" in page
    assert client.get(f"/progress/officers/{officer.id}").status_code == 200
    assert client.get(f"/progress/officers/{other.id}").status_code == 404
    supervisor = client_as("supervisor")
    assert supervisor.get(f"/progress/officers/{other.id}").status_code == 200
    assert supervisor.get(f"/progress/officers/{users['HN']['supervisor'].id}").status_code == 404


def test_the_employer_page_shows_its_departments_as_of_the_day(world, client_as):
    client = in_english(client_as("viewer"))
    page = client.get(f"/progress/employers/{world['a'].id}?period=2023-06").get_data(as_text=True)
    table = page.split('id="employer-as-of"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td><td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>", table)
    assert rows == [("Kho", "10", "2"), ("Văn phòng", "40", "30")]
    assert f'/employers/{world["a"].id}"' in page  # on to the employer's own page


def _naive_worklist(root_path):
    rows = []
    for employer in db.session.scalars(sa.select(Employer)):
        if not employer.district.path.startswith(root_path):
            continue
        departments = db.session.scalars(sa.select(LabourDepartment).where(LabourDepartment.employer_id == employer.id))
        insured = registered = 0
        for d in departments:
            insured += d.insured
            registered += d.current_registered
        if insured - registered > 0:
            rows.append((insured - registered, employer.unit_code))
    return [code for _u, code in sorted(rows, key=lambda r: (-r[0], r[1]))]


def test_the_worklist_is_the_current_figures_most_unregistered_first(world, client_as):
    org = world["org"]
    for n in range(25):
        factories.employer(org["HN-CG"], departments=[("Toàn đơn vị", n)], unit_code=f"WL{n:03d}")
    db.session.commit()
    client = client_as("viewer")
    first = client.get(f"/progress/units/{org['HN'].id}/worklist").get_data(as_text=True)
    second = client.get(f"/progress/units/{org['HN'].id}/worklist?page=2").get_data(as_text=True)
    shown = re.findall(r'<small class="code">([A-Z0-9]+)</small>', first + second)
    assert shown == _naive_worklist(org["HN"].path)
    assert world["a"].unit_code not in shown  # at 100%
    assert "WL000" not in shown  # nobody insured, nobody to register
    rows = csv_rows(client.get(f"/progress/units/{org['HN'].id}/worklist?format=csv").data)
    assert [r[0] for r in rows[1:]] == shown


def test_exports_are_xlsx_and_csv_with_neutralised_cells(world, client_as):
    org = world["org"]
    create_org_unit(None, code="HN-X", name="=HYPERLINK(\"http://x\")", parent=org["HN"])
    factories.employer(org["HN-CG"], name="@SUM(A1)", departments=[("Toàn đơn vị", 3)])
    db.session.commit()
    client = client_as("viewer")
    response = client.get(f"/progress/units/{org['HN'].id}/export?period=2023-Q3")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) >= 5
    # Excel opens only names of at most 31 characters, each once.
    assert all(len(name) <= 31 for name in book.sheetnames) and len(set(book.sheetnames)) == len(book.sheetnames)
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert 55 in summary.values() and 73 in summary.values()  # 70 + the 3 of “@SUM(A1)”
    units = book.worksheets[[n for n in book.sheetnames].index(book.sheetnames[2])]
    names = [row[1] for row in units.iter_rows(values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in names
    table = client.get(f"/progress/units/{org['HN'].id}/export?period=2023-Q3&table=children&format=csv")
    rows = csv_rows(table.data)
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["HN-BD"][3] == "50" and by_code["HN-X"][1] == "'=HYPERLINK(\"http://x\")"
    worklist = client.get(f"/progress/units/{org['HN'].id}/worklist?format=xlsx")
    cells = [row[1] for row in load_workbook(io.BytesIO(worklist.data)).active.iter_rows(values_only=True)]
    assert "'@SUM(A1)" in cells


def _pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return reader, " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_printed_report_is_a4_in_the_bundled_font_with_names_and_figures(world, client_as):
    response = client_as("viewer").get(f"/progress/units/{world['org']['HN'].id}/report?period=2023-Q3")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader, text = _pdf_text(response.data)
    first = reader.pages[0]
    assert (round(float(first.mediabox.width)), round(float(first.mediabox.height))) == (595, 842)
    for expected in ("BHXH Hà Nội", "BHXH quận Ba Đình", "BHXH quận Cầu Giấy", "Độc lập - Tự do - Hạnh phúc"):
        assert expected in text, expected
    assert "30/09/2023" in text and "78,6" in text  # as of the last day of Q3; coverage 55 ÷ 70
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert fonts and all(f.startswith("FieldOps-Serif") for f in fonts), fonts


def test_the_report_from_the_command_line(world, app, tmp_path):
    runner = app.test_cli_runner()
    for fmt in ("pdf", "xlsx", "zip"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(args=["progress", "report", "--unit", "HN", "--period", "2023-Q3", "--format", fmt,
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 500
    assert "BHXH Hà Nội" in _pdf_text((tmp_path / "report.pdf").read_bytes())[1]
    assert any(r[:2] == ["HN-BD", "BHXH quận Ba Đình"] for r in all_rows((tmp_path / "report.zip").read_bytes()))
    one = runner.invoke(args=["progress", "report", "--unit", "HN", "--period", "2023-Q3", "--format", "csv",
                              "--table", "children", "--out", str(tmp_path / "units.csv")])
    assert one.exit_code == 0, one.output
    assert any(r[:2] == ["HN-BD", "BHXH quận Ba Đình"] for r in csv_rows((tmp_path / "units.csv").read_bytes()))
    several = runner.invoke(args=["progress", "report", "--unit", "HN", "--period", "2023-Q3", "--format", "csv",
                                  "--out", str(tmp_path / "all.csv")])
    assert several.exit_code != 0 and "--table" in several.output and not (tmp_path / "all.csv").exists()
    assert load_workbook(tmp_path / "report.xlsx").sheetnames
    bad = runner.invoke(args=["progress", "report", "--unit", "HN", "--period", "2023-13", "--format", "pdf",
                              "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0 and not (tmp_path / "x.pdf").exists()
    unknown = runner.invoke(args=["progress", "report", "--unit", "ZZ", "--period", "2023", "--format", "zip",
                                  "--out", str(tmp_path / "y.zip")])
    assert unknown.exit_code != 0 and "ZZ" in unknown.output
