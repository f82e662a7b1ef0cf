"""Importing group returns from CSV or XLSX: all or nothing, each row checked as
the form checks it, every problem reported by row and column."""
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from fieldops.audit.models import AuditEvent
from fieldops.extensions import db
from fieldops.returns.models import GroupReturn, ReturnState
from fieldops.timeutil import local_today
from tests import factories
from tests.visit_helpers import in_english

HEADER = ("Mã quận huyện,Nhóm,Tháng,Số người tham gia,Số người đã đăng ký,Số người tham gia mới,"
          "Số người mới đã đăng ký\n")
GOOD = (HEADER
        + "HN-BD,voluntary,2023-06,100,40,10,8\n"
        + "HN-BD,BHYT hộ gia đình,06/2023,500,200,20,10\n"
        + "hn-cg,students,2023-07,300,150,0,0\n")


@pytest.fixture
def campaign():
    made = factories.campaign()
    db.session.commit()
    return made


def upload(client, content, name="bao-cao.csv", dry_run=False):
    data = {"file": (io.BytesIO(content), name)}
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/returns/import", data=data, content_type="multipart/form-data")


def report_rows(page):
    table = page.split('id="import-errors"')[1].split("</table>")[0]
    return re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>.*?</td><td>([^<]*)</td></tr>", table)


def returns():
    rows = db.session.scalars(sa.select(GroupReturn).order_by(GroupReturn.id)).all()
    return [(r.district.code, str(r.participant_group), r.month, tuple(r.figures.values())) for r in rows]


def filed_events():
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "group_return.file").order_by(AuditEvent.id)).all()


def test_a_good_file_is_checked_then_imported(client_as, org, users, campaign):
    client = in_english(client_as("admin"))
    dry = upload(client, GOOD.encode(), dry_run=True)
    assert dry.status_code == 200
    assert "Returns filed: 3; already filed with the same figures: 0." in dry.get_data(as_text=True)
    assert returns() == []
    response = upload(client, GOOD.encode())
    assert response.status_code == 200 and "Import complete" in response.get_data(as_text=True)
    # No column of those using the app: not known.
    assert returns() == [("HN-BD", "voluntary", date(2023, 6, 1), (100, 40, None, 10, 8)),
                         ("HN-BD", "household", date(2023, 6, 1), (500, 200, None, 20, 10)),
                         ("HN-CG", "students", date(2023, 7, 1), (300, 150, None, 0, 0))]
    made = db.session.scalars(sa.select(GroupReturn)).first()
    assert made.state == ReturnState.filed and made.filed_by_id == users["HN"]["admin"].id
    events = filed_events()
    assert len(events) == 3 and events[0].after["file"] == "bao-cao.csv"
    # The same file again changes nothing.
    again = upload(client, GOOD.encode())
    assert "Returns filed: 0; already filed with the same figures: 3." in again.get_data(as_text=True)
    assert len(returns()) == 3 and len(filed_events()) == 3


def test_an_xlsx_file_with_english_headers_and_dates_is_imported(client_as, org, campaign):
    book = Workbook()
    sheet = book.active
    sheet.append(["district_code", "group", "month", "participants", "registered", "new_participants",
                  "new_registered", "note"])
    sheet.append(["HN-BD", "Other state-supported groups", date(2023, 9, 1), 80, 20.0, 5, 5, "ghi chú"])
    buffer = io.BytesIO()
    book.save(buffer)
    client = in_english(client_as("admin"))
    response = upload(client, buffer.getvalue(), name="returns.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Columns not used: note" in page
    assert returns() == [("HN-BD", "other", date(2023, 9, 1), (80, 20, None, 5, 5))]


def test_a_bad_file_changes_nothing_and_says_why_row_by_row(client_as, org, users, campaign):
    factories.group_return(users["HN"]["officer"], org["HN-BD"], "students", date(2023, 5, 1))
    factories.group_return(users["HN"]["officer"], org["HN-BD"], "other", date(2023, 5, 1),
                           locked_by=users["HN"]["supervisor"])
    db.session.commit()
    ahead = local_today().replace(day=1)
    ahead = date(ahead.year + (ahead.month == 12), ahead.month % 12 + 1, 1)
    content = (HEADER
               + "HN-BD,voluntary,2023-06,-5,0,0,0\n"  # 2: negative
               + "HN-BD,household,2023-06,12.5,0,0,0\n"  # 3: fractional
               + "HN-BD,students,2023-06,nhiều,0,0,0\n"  # 4: not a number
               + "HN-BD,other,2023-06,10,11,0,0\n"  # 5: registered over participants
               + f"HN-BD,voluntary,{ahead:%Y-%m},10,5,0,0\n"  # 6: a month to come
               + "HN-BD,voluntary,2022-12,10,5,0,0\n"  # 7: before the campaign
               + "XX-99,voluntary,2023-06,10,5,0,0\n"  # 8: unknown district
               + "HN-BD,pensioners,2023-06,10,5,0,0\n"  # 9: unknown group
               + "HT-TP,voluntary,2023-06,10,5,0,0\n"  # 10: outside the area
               + "HN-BD,voluntary,2023-08,10,5,0,0\n"  # 11: fine…
               + "hn-bd,BHXH tự nguyện,08/2023,10,5,0,0\n"  # 12: …but twice
               + "HN-BD,students,2023-05,999,5,0,0\n"  # 13: filed already, other figures
               + "HN-BD,other,2023-05,999,5,0,0\n"  # 14: locked
               + "HN-BD-T1,voluntary,2023-06,10,5,0,0\n"  # 15: a team, not a district
               + "HN-BD,voluntary,2023-13,10,5,0,0\n"  # 16: no such month
               + "HN-BD,household,2023-07,10,5,11,0\n"  # 17: new over participants
               + "HN-BD,household,2023-08,10,5,3,4\n"  # 18: new registered over new
               + "HN-BD,students,2023-09,,5,0,0\n"  # 19: empty count
               + ",,,10,5,0,0\n")  # 20: no district, group, month
    client = in_english(client_as("supervisor"))
    response = upload(client, content.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "nothing was imported" in page
    messages = {}
    for row, column, message in report_rows(page):
        messages.setdefault(row, []).append((column, message))

    def said(row, column, text):
        return any(c == column and text in m for c, m in messages.get(row, []))

    assert said("2", "Số người tham gia", "Enter 0 or more.")
    assert said("3", "Số người tham gia", "Enter a whole number, without decimals.")
    assert said("4", "Số người tham gia", "Enter a whole number, such as 12.")
    assert said("5", "Số người đã đăng ký", "Cannot be more than the participants at month end.")
    assert said("6", "Tháng", "A month still to come cannot be reported on.")
    assert said("7", "Tháng", "This month is before the campaign counts results.")
    assert said("8", "Mã quận huyện", "Unknown district code XX-99.")
    assert said("9", "Nhóm", "Unknown group “pensioners”.")
    assert said("10", "Mã quận huyện", "District HT-TP is outside your area.")
    assert "11" not in messages
    assert said("12", "Tháng", "Row 11 has a return for this district, group and month already.")
    assert said("13", "Tháng", "has been filed already with other figures")
    assert said("14", "Tháng", "is locked: a supervisor may correct it, with a reason.")
    assert said("15", "Mã quận huyện", "HN-BD-T1 is not a district")
    assert said("16", "Tháng", "Enter a month such as 2023-09.")
    assert said("17", "Số người tham gia mới", "New participants are among the participants at month end")
    assert said("18", "Số người mới đã đăng ký", "Cannot be more than the new participants.")
    assert said("19", "Số người tham gia", "Enter a number.")
    assert said("20", "Mã quận huyện", "Enter the district code.") and said("20", "Nhóm", "Enter the group.")
    assert said("20", "Tháng", "Choose the month.")
    assert len(returns()) == 2 and len(filed_events()) == 2


def test_an_officer_imports_only_for_their_own_district(client_as, org, campaign):
    client = in_english(client_as("officer"))
    response = upload(client, (HEADER + "HN-BD,voluntary,2023-06,100,40,10,8\n"
                               + "HN-CG,voluntary,2023-06,100,40,10,8\n").encode())
    assert response.status_code == 422
    [(row, column, message)] = report_rows(response.get_data(as_text=True))
    assert (row, column) == ("3", "Mã quận huyện") and "HN-CG is outside your area" in message
    assert returns() == []


def test_formulas_are_refused_and_never_echoed_as_markup(client_as, org, campaign):
    book = Workbook()
    sheet = book.active
    sheet.append(["district_code", "group", "month", "participants", "registered", "new_participants",
                  "new_registered"])
    sheet.append(["HN-BD", "voluntary", "2023-06", "=10*10", 40, 10, 8])
    buffer = io.BytesIO()
    book.save(buffer)
    client = in_english(client_as("supervisor"))
    response = upload(client, buffer.getvalue(), name="returns.xlsx")
    assert response.status_code == 422
    assert "holds a formula" in response.get_data(as_text=True)
    csv = (HEADER + '"=HYPERLINK(""http://evil"",""<b>x</b>"")",voluntary,2023-06,=1+1,40,10,8\n').encode()
    response = upload(client, csv)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<b>x</b>" not in page
    assert "Unknown district code =HYPERLINK" in page and "Enter a whole number, such as 12." in page
    assert returns() == []


@pytest.mark.parametrize("content, name, message", [
    (b"", "a.csv", "The file is empty."),
    (b"district_code,group\n", "a.txt", "Only CSV and XLSX files can be imported."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "a.csv", "old Excel file"),
    (b"PK\x03\x04 not really a workbook", "a.xlsx", "could not be read as an Excel workbook"),
    (b"district_code,group,month,participants\nHN-BD,voluntary,2023-06,1\n", "a.csv", "Missing columns:"),
    (HEADER.encode(), "a.csv", "The file has a header row but no data rows."),
    (b"x" * (16 * 1024 * 1024 + 1), "a.csv", "The file is too large"),  # the command line's limit too
])
def test_files_that_cannot_be_imported_say_why(client_as, org, campaign, content, name, message):
    client = in_english(client_as("supervisor"))
    response = upload(client, content, name=name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert returns() == []


def test_the_template_holds_the_columns_and_an_example_that_imports(client_as, org, campaign):
    client = client_as("supervisor")
    response = client.get("/returns/import/template?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    # Cells split by ";" as Excel with Vietnamese regional settings splits them (the import reads either).
    assert lines[0] == HEADER.strip().replace(",", ";") + ";Số người đang sử dụng ứng dụng"
    # The supervisor of HN-BD: their district, the campaign's last month (it ended in 2023).
    assert lines[1:] == ["HN-BD;BHXH tự nguyện;12/2023;100;60;10;8;50"]


def test_the_command_imports_as_the_user_named(app, org, users, campaign, tmp_path):
    path = tmp_path / "returns.csv"
    path.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["returns", "import", str(path), "--user", "supervisor.hn"])
    assert refused.exit_code == 1 and "HN-CG" in refused.output
    assert returns() == []
    done = runner.invoke(args=["returns", "import", str(path), "--user", "admin.hn"])
    assert done.exit_code == 0, done.output
    assert len(returns()) == 3
    unknown = runner.invoke(args=["returns", "import", str(path), "--user", "viewer.hn"])
    assert unknown.exit_code != 0
