"""Targets: created, changed, deleted and imported by admins and HR in their own
area; bad input gets a clear message per field or per row, and nothing of it
is saved."""
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from fieldops.audit.models import AuditEvent
from fieldops.extensions import db
from fieldops.progress.models import Target
from tests import factories
from tests.conftest import csrf_token_from
from tests.visit_helpers import error_beside, in_english


@pytest.fixture
def campaign(org):
    made = factories.campaign()
    db.session.commit()
    return made


def targets():
    return sorted((t.org_unit.code, str(t.metric), Decimal(t.value)) for t in db.session.scalars(sa.select(Target)))


def audit(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def new(client, campaign, unit, metric, value):
    return client.post("/progress/targets/new", data={"campaign_id": campaign.id, "org_unit_id": unit.id,
                                                       "metric": metric, "value": value})


@pytest.mark.parametrize("role", ["admin", "hr"])
def test_admin_and_hr_set_targets_in_their_area(campaign, org, client_as, role):
    client = in_english(client_as(role))
    response = new(client, campaign, org["HN-BD"], "registered_employer", "1200")
    assert response.status_code == 302
    assert new(client, campaign, org["HN-BD"], "coverage_pct", "97,5").status_code == 302
    assert new(client, campaign, org["HN-BD-T1"], "visits", "40").status_code == 302
    assert targets() == [("HN-BD", "coverage_pct", Decimal("97.5")), ("HN-BD", "registered_employer", 1200),
                         ("HN-BD-T1", "visits", 40)]
    assert len(audit("target.create")) == 3
    page = client.get("/progress/targets").get_data(as_text=True)
    assert 'data-unit="HN-BD"' in page and "1,200" in page
    assert "children: 1,200 (1)" in page.split('data-unit="HN"')[1].split("</tr>")[0]


@pytest.mark.parametrize("metric, value, message", [
    ("registered_employer", "-5", "A target cannot be negative."),
    ("registered_employer", "abc", "Enter a number, such as 12500."),
    ("registered_employer", "12.500", "without thousands separators"),
    ("registered_employer", "10,5", "enter a whole number"),
    ("registered_employer", "", "Enter the target value."),
    ("coverage_pct", "120", "A percentage is at most 100."),
    ("coverage_pct", "97,555", "at most two decimals"),
    ("visits", "999999999999", "at most"),
])
def test_bad_values_are_refused_beside_the_field(campaign, org, client_as, metric, value, message):
    client = in_english(client_as("admin"))
    response = new(client, campaign, org["HN-BD"], metric, value)
    assert response.status_code == 422
    assert message in (error_beside(response.get_data(as_text=True), "value") or "")
    assert targets() == [] and audit("target.create") == []


def test_a_team_only_gets_a_visits_target_and_a_unit_only_one_per_metric(campaign, org, client_as):
    client = in_english(client_as("admin"))
    response = new(client, campaign, org["HN-BD-T1"], "registered_employer", "10")
    assert response.status_code == 422 and "only be the visits" in error_beside(response.get_data(as_text=True), "metric")
    assert new(client, campaign, org["HN-BD"], "visits", "10").status_code == 302
    again = new(client, campaign, org["HN-BD"], "visits", "12")
    assert again.status_code == 422 and "already has a target" in again.get_data(as_text=True)
    assert targets() == [("HN-BD", "visits", 10)]


def test_a_unit_outside_the_area_answers_404(campaign, org, client_as):
    assert new(client_as("admin"), campaign, org["HT-TP"], "visits", "10").status_code == 404
    target = factories.target(campaign, org["HT-TP"], "visits", 5)
    db.session.commit()
    client = client_as("hr")
    assert client.get(f"/progress/targets/{target.id}").status_code == 404
    assert client.post(f"/progress/targets/{target.id}", data={"value": "7"}).status_code == 404
    assert client.post(f"/progress/targets/{target.id}/delete").status_code == 404
    assert targets() == [("HT-TP", "visits", 5)]


def test_change_and_delete_are_audited(campaign, org, client_as):
    target = factories.target(campaign, org["HN"], "registered_employer", 100)
    db.session.commit()
    client = in_english(client_as("admin"))
    bad = client.post(f"/progress/targets/{target.id}", data={"value": "-1"})
    assert bad.status_code == 422 and targets() == [("HN", "registered_employer", 100)]
    assert client.post(f"/progress/targets/{target.id}", data={"value": "150"}).status_code == 302
    event = audit("target.edit")[0]
    assert (event.before["value"], event.after["value"]) == ("100.00", "150")
    assert client.post(f"/progress/targets/{target.id}/delete").status_code == 302
    assert targets() == [] and audit("target.delete")[0].before["metric"] == "registered_employer"


def test_target_forms_need_the_csrf_token(campaign, org, client_as, app):
    client = client_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True  # after signing in
    try:
        _post_with_and_without_token(client, campaign, org)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _post_with_and_without_token(client, campaign, org):
    assert new(client, campaign, org["HN-BD"], "visits", "10").status_code == 400
    page = client.get("/progress/targets/new").get_data(as_text=True)
    response = client.post("/progress/targets/new", data={
        "csrf_token": csrf_token_from(page), "campaign_id": campaign.id, "org_unit_id": org["HN-BD"].id,
        "metric": "visits", "value": "10"})
    assert response.status_code == 302 and targets() == [("HN-BD", "visits", 10)]


# --- import -----------------------------------------------------------------------------


def upload(client, campaign, content, name="chi-tieu.csv", dry_run=False):
    data = {"campaign_id": str(campaign.id), "file": (io.BytesIO(content), name)}
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/progress/targets/import", data=data, content_type="multipart/form-data")


def report_rows(page):
    table = page.split('id="import-errors"')[1].split("</table>")[0]
    return [tuple(cells) for cells in re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>.*?</td><td>([^<]*)</td></tr>", table)]


GOOD = ("Mã đơn vị,Tên đơn vị,Chỉ tiêu,Giá trị\n"
        "HN,BHXH Hà Nội,Số người đăng ký,5000\n"
        "HN-BD,BHXH quận Ba Đình,coverage_pct,\"97,5\"\n"
        "HN-BD-T1,Tổ Ba Đình 1,Số lượt làm việc,40\n")


def test_a_good_file_is_imported_and_a_second_import_updates(campaign, org, client_as):
    client = in_english(client_as("admin"))
    dry = upload(client, campaign, GOOD.encode(), dry_run=True)
    assert dry.status_code == 200 and "Targets created: 3" in dry.get_data(as_text=True) and targets() == []
    response = upload(client, campaign, GOOD.encode())
    assert response.status_code == 200 and "Import complete" in response.get_data(as_text=True)
    assert targets() == [("HN", "registered_employer", 5000), ("HN-BD", "coverage_pct", Decimal("97.5")),
                         ("HN-BD-T1", "visits", 40)]
    book = Workbook()
    sheet = book.active
    sheet.append(["unit_code", "metric", "value"])
    sheet.append(["hn", "People registered (employer channel)", 5200])
    sheet.append(["HN-BD", "Tỷ lệ bao phủ (%)", 97.5])
    buffer = io.BytesIO()
    book.save(buffer)
    again = upload(client, campaign, buffer.getvalue(), name="targets.xlsx")
    assert "Targets created: 0, changed: 1, unchanged: 1." in again.get_data(as_text=True)
    assert ("HN", "registered_employer", 5200) in targets()
    event = audit("target.import")[-1]
    assert event.after["updated"] == 1 and event.after["changes"][0]["after"] == "5200"


def test_a_bad_file_changes_nothing_and_says_why_row_by_row(campaign, org, client_as):
    factories.target(campaign, org["HN"], "visits", 10)
    db.session.commit()
    content = ("unit_code,metric,value\n"
               "HN-BD,registered_employer,-5\n"  # 2: negative
               "HN-BD,visits,nhiều\n"  # 3: not a number
               "XX-99,visits,10\n"  # 4: unknown unit
               "HT-TP,visits,10\n"  # 5: outside the area
               "HN-BD,coverage_pct,101\n"  # 6: percent over 100
               "HN-CG,visits,10\n"  # 7: fine…
               "HN-CG,Visits made,12\n"  # 8: …but twice
               "HN-BD,speed,3\n"  # 9: unknown metric
               "HN-BD-T1,employers_full,2\n"  # 10: not for a team
               "HN,visits,20\n")  # 11: fine
    client = in_english(client_as("admin"))
    response = upload(client, campaign, content.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "nothing was imported" in page
    rows = report_rows(page)
    assert [r[0] for r in rows] == ["2", "3", "4", "5", "6", "8", "9", "10"]
    messages = dict((r[0], r[2]) for r in rows)
    assert "cannot be negative" in messages["2"]
    assert "Enter a number" in messages["3"]
    assert "Unknown unit code XX-99" in messages["4"]
    assert "HT-TP is outside your area" in messages["5"]
    assert "at most 100" in messages["6"]
    assert "row 7" in messages["8"]
    assert "Unknown metric" in messages["9"]
    assert "only be the visits" in messages["10"]
    assert targets() == [("HN", "visits", 10)] and audit("target.import") == []


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    ("Mã đơn vị,Giá trị\nHN,5\n".encode(), "Missing columns"),
    ("unit_code,metric,value\n".encode(), "no data rows"),
    ("Mã đơn vị,Chỉ tiêu,Giá trị\nHN,visits,10\n".encode("utf-16"), None),
])
def test_unreadable_files_are_refused(campaign, org, client_as, content, message):
    response = upload(in_english(client_as("admin")), campaign, content)
    if message is None:  # Excel's "Unicode text" reads too
        assert response.status_code == 200 and targets() == [("HN", "visits", 10)]
    else:
        assert response.status_code == 422 and message in response.get_data(as_text=True) and targets() == []


def test_targets_import_from_the_command_line(campaign, org, users, app, tmp_path):
    national = factories.user(org["VN"], "admin", username="admin.vn")
    national.preferred_language = "en"  # the command speaks its user's language
    db.session.commit()
    good = tmp_path / "chi-tieu.csv"
    good.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["progress", "targets-import", str(good), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert targets() == []
    done = runner.invoke(args=["progress", "targets-import", str(good), "--as", national.username])
    assert done.exit_code == 0, done.output
    assert len(targets()) == 3
    bad = tmp_path / "xau.csv"
    bad.write_text("unit_code,metric,value\nHN,visits,-1\n", encoding="utf-8")
    refused = runner.invoke(args=["progress", "targets-import", str(bad)])
    assert refused.exit_code == 1 and "Row 2" in refused.output and len(targets()) == 3


def test_a_percentage_target_reads_as_a_percentage_wherever_it_is_shown(campaign, org, client_as):
    """The targets page and the dashboard's targets write a coverage target with its sign
    and the one rounding of percentages, as the goal cards do."""
    client = client_as("admin")
    assert new(client, campaign, org["HN-BD"], "coverage_pct", "97,5").status_code == 302
    page = client.get(f"/progress/targets?campaign={campaign.id}").get_data(as_text=True)
    cell = page.split('data-unit="HN-BD"', 1)[1].split('data-metric="coverage_pct">', 1)[1].split("</td>", 1)[0]
    assert "97,5%" in cell
    dashboard = client.get(f"/progress/units/{org['HN-BD'].id}?campaign={campaign.id}").get_data(as_text=True)
    row = dashboard.split('<tr data-metric="coverage_pct">', 1)[1].split("</tr>", 1)[0]
    assert "97,5%" in row and re.search(r'data-figure="gap">[0-9.,]+%<', row)
