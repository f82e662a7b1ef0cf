"""Every export opens right in Excel, whatever the language (issue 20): CSV is one
table a file, UTF-8 with a BOM, ";" and "," decimals in Vietnamese ("," and "."
in English); several tables come as a ZIP of CSV files or an XLSX whose sheets
have short whole names, sized columns, a frozen bold header and numbers stored
as numbers with their format. Formula-like text stays inert, and another
province's unit answers 404."""
import io
import re
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from fieldops.core.exporting import (HEADER_WIDTH, WIDTH_MAX, WIDTH_MIN, Convention, Percent, Sheet, csv_zip,
                                     file_stem, percent, sheet_name, xlsx_bytes)
from fieldops.extensions import db
from fieldops.org.operations import create_org_unit
from tests import factories
from tests.conftest import sign_in
from tests.export_files import DELIMITERS, csv_rows, zip_tables
from tests.progress_helpers import build_world
from tests.visit_helpers import in_english

RISKY_EMPLOYER = '=HYPERLINK("http://x","Công ty Đà Nẵng")'
RISKY_TEAM = "@Tổ Ứng dụng"
PERIOD = "period=2023-Q3"
# name: (url under the unit HN-BD, what comes back)
ROUTES = {
    "progress-all-xlsx": ("/progress/units/{unit}/export?{period}&format=xlsx", "xlsx"),
    "progress-all-zip": ("/progress/units/{unit}/export?{period}&format=zip", "zip"),
    "progress-all-csv": ("/progress/units/{unit}/export?{period}&format=csv", "zip"),  # several tables: the ZIP
    "progress-one-csv": ("/progress/units/{unit}/export?{period}&table=children&format=csv", "csv"),
    "progress-one-xlsx": ("/progress/units/{unit}/export?{period}&table=children&format=xlsx", "xlsx"),
    "worklist-csv": ("/progress/units/{unit}/worklist?format=csv", "csv"),
    "worklist-xlsx": ("/progress/units/{unit}/worklist?format=xlsx", "xlsx"),
    "followups-csv": ("/followups/export?kind=escalation&proposals=1&format=csv", "csv"),
    "followups-xlsx": ("/followups/export?kind=escalation&proposals=1&format=xlsx", "xlsx"),
    "returns-template": ("/returns/import/template?format=csv", "csv"),
}
MIMETYPES = {"csv": "text/csv", "zip": "application/zip",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
VI_SHEETS = {"Tổng hợp", "Các bước sử dụng ứng dụng", "Chỉ tiêu", "Đơn vị trực thuộc", "Ngoài đơn vị, theo nhóm",
             "Ngoài đơn vị, theo đơn vị", "Bảng xếp hạng thi đua", "Cán bộ", "Tỷ lệ bao phủ theo tháng", "Vướng mắc",
             "Truyền thông, vận động"}
FORMULA = re.compile(r"^[=+\-@\t\r]")


@pytest.fixture
def world(org, users):
    made = build_world(org, users)
    create_org_unit(None, code="HN-BD-X", name=RISKY_TEAM, parent=org["HN-BD"])
    risky = factories.employer(org["HN-BD"], name=RISKY_EMPLOYER, departments=[("Toàn đơn vị", 3)])
    visit = factories.visit(users["HN"]["officer"], risky, figures={"Toàn đơn vị": (3, 0, 0, 0)},
                            obstacles=[("app_error", 3, "")])
    factories.followup(users["HN"]["officer"], risky, kind="escalation", visit=visit, obstacle=visit.obstacles[0],
                       due_date=date(2030, 1, 31))
    db.session.commit()
    return made


def _client(app, user, lang):
    client = sign_in(app.test_client(), user)
    return in_english(client) if lang == "en" else client


def _url(name, org):
    return ROUTES[name][0].format(unit=org["HN-BD"].id, period=PERIOD)


def _tables(data, kind, lang):
    """{table: rows of text} as a spreadsheet program would show them."""
    if kind == "csv":
        return {"csv": csv_rows(data, lang)}
    if kind == "zip":
        return zip_tables(data, lang)
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets}


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", ROUTES)
def test_every_export_opens_right_with_its_languages_conventions(app, world, users, name, lang):
    kind = ROUTES[name][1]
    response = _client(app, users["HN"]["supervisor"], lang).get(_url(name, world["org"]))
    assert response.status_code == 200 and response.mimetype == MIMETYPES[kind]
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].rstrip('"').endswith("." + kind)
    tables = _tables(response.data, kind, lang)
    cells = [cell for rows in tables.values() for row in rows for cell in row]
    # Cells split where they should: a header of several columns in every table.
    assert all(len(rows[0]) > 1 for rows in tables.values())
    # Vietnamese letters intact, whatever the language of the headers.
    text = " ".join(cells)
    assert any(word in text for word in ("Ba Đình", "Đà Nẵng", "Tổ Ứng dụng", "Số người đang sử dụng ứng dụng")), text[:300]
    # Formula-like text stays text: shown with a leading ', never run.
    assert not [c for c in cells if FORMULA.match(c) and not re.fullmatch(r"-\d+([.,]\d+)?", c)]
    if name.startswith(("worklist", "followups")):
        assert "'" + RISKY_EMPLOYER in cells
    if name.startswith("progress"):
        assert "'" + RISKY_TEAM in cells
    if kind != "xlsx":
        wrong_mark = r"\d+\.\d+" if lang == "vi" else r"\d+,\d+"
        assert not [c for c in cells if re.fullmatch(wrong_mark, c)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_several_tables_come_as_a_zip_of_csv_files_one_table_each(app, world, users, lang):
    response = _client(app, users["HN"]["viewer"], lang).get(
        f"/progress/units/{world['org']['HN'].id}/export?{PERIOD}&format=zip")
    assert response.headers["Content-Disposition"] == 'attachment; filename="tien-do-HN-2023-Q3.zip"'
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        raw = {n: archive.read(n) for n in names}
    # Numbered in the page's order, readable, plain ASCII.
    assert names[0] == ("01-tong-hop.csv" if lang == "vi" else "01-summary.csv")
    assert all(re.fullmatch(r"\d\d-[a-z0-9-]+\.csv", n) for n in names) and len(names) >= 5
    assert all(data.startswith("\ufeff".encode()) for data in raw.values())
    tables = zip_tables(response.data, lang)
    for rows in tables.values():
        # One table a file: its header, then rows no wider than it (a note under it is one cell).
        assert all(len(row) <= len(rows[0]) for row in rows[1:])
    summary = {row[0]: row[1] for row in tables[names[0]][1:]}
    registered, coverage = ("Đã đăng ký", "Tỷ lệ bao phủ (%)") if lang == "vi" else ("Registered", "Coverage (%)")
    assert summary[registered] == "55"
    # 55 ÷ 73 = 75,3%: the number Excel with the language's regional settings reads as 75.3.
    assert summary[coverage] == ("75,3" if lang == "vi" else "75.3")
    delimiter = DELIMITERS[lang]
    assert raw[names[0]].decode("utf-8-sig").splitlines()[0].count(delimiter) == 2


def test_the_xlsx_has_short_whole_sheet_names_sized_columns_a_frozen_header_and_typed_numbers(app, world, users):
    response = _client(app, users["HN"]["viewer"], "vi").get(
        f"/progress/units/{world['org']['HN'].id}/export?{PERIOD}&format=xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:3] == ["Tổng hợp", "Chỉ tiêu", "Đơn vị trực thuộc"]
    assert set(book.sheetnames) <= VI_SHEETS and len(book.sheetnames) >= 5
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        header = next(sheet.iter_rows(max_row=1))
        assert all(cell.font.b for cell in header), sheet.title
        for cell in header:
            width = sheet.column_dimensions[cell.column_letter].width
            assert WIDTH_MIN <= width <= WIDTH_MAX, (sheet.title, cell.value, width)
    summary = {row[0].value: row[1] for row in book["Tổng hợp"].iter_rows(min_row=2) if row[0].value}
    registered, coverage, as_of = summary["Đã đăng ký"], summary["Tỷ lệ bao phủ (%)"], summary["Số liệu tại ngày"]
    assert (registered.value, registered.data_type, registered.number_format) == (55, "n", "#,##0")
    assert coverage.data_type == "n" and coverage.value == pytest.approx(0.753) and coverage.number_format == "0.0%"
    assert as_of.is_date and as_of.value == datetime(2023, 9, 30) and as_of.number_format == "dd/mm/yyyy"
    units = book["Đơn vị trực thuộc"]
    header = [c.value for c in next(units.iter_rows(max_row=1))]
    ba_dinh = next(row for row in units.iter_rows(min_row=2) if row[0].value == "HN-BD")
    insured = ba_dinh[header.index("Tham gia BHXH")]
    assert (insured.value, insured.number_format) == (53, "#,##0")
    share = ba_dinh[header.index("Tỷ lệ bao phủ (%)")]
    assert share.value == pytest.approx(0.943) and share.number_format == "0.0%"
    # The names column is as wide as its longest name, the header no wider than its words need.
    assert units.column_dimensions["B"].width == len(max(("Đơn vị", "BHXH quận Ba Đình", "BHXH quận Cầu Giấy"),
                                                         key=len)) + 2


def test_the_follow_ups_xlsx_has_dates_as_dates_and_whole_numbers_as_numbers(app, world, users):
    response = _client(app, users["HN"]["supervisor"], "en").get(_url("followups-xlsx", world["org"]))
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet.title == "Follow-ups" and sheet.freeze_panes == "A2"
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    row = next(sheet.iter_rows(min_row=2))
    due, people, number = row[header.index("Due date")], row[header.index("People affected")], row[0]
    assert due.is_date and due.value == datetime(2030, 1, 31) and due.number_format == "dd/mm/yyyy"
    assert (people.value, people.data_type, people.number_format) == (3, "n", "#,##0")
    assert (header[0], number.data_type, number.number_format) == ("Number", "n", "0")  # 1234, not 1,234


def test_the_worklist_xlsx_stores_coverage_as_a_fraction(app, world, users):
    response = _client(app, users["HN"]["supervisor"], "en").get(_url("worklist-xlsx", world["org"]))
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "'" + RISKY_EMPLOYER)
    coverage = row[header.index("Coverage (%)")]
    assert (coverage.value, coverage.number_format) == (0, "0.0%")
    assert (row[header.index("Insured")].value, row[header.index("Insured")].number_format) == (3, "#,##0")


@pytest.mark.parametrize("name", ROUTES)
def test_another_provinces_exports_are_out_of_reach(app, world, users, name):
    response = _client(app, users["HT"]["supervisor"], "vi").get(_url(name, world["org"]))
    if "{unit}" in ROUTES[name][0]:
        assert response.status_code == 404
    else:  # the user's own area: nothing of Hà Nội in it
        assert response.status_code == 200
        text = " ".join(c for rows in _tables(response.data, ROUTES[name][1], "vi").values() for r in rows for c in r)
        assert "HN-BD" not in text and "Đà Nẵng" not in text


# --- the writers themselves -----------------------------------------------------------------------------


def test_a_sheet_name_is_short_whole_words_and_unique():
    long = "Ngoài đơn vị sử dụng lao động, theo nhóm đối tượng"
    assert sheet_name(long) == "Ngoài đơn vị sử dụng lao động"
    assert sheet_name(long, ["Ngoài đơn vị sử dụng lao động"]) == "Ngoài đơn vị sử dụng lao động 2"
    assert sheet_name("Tổng hợp", ["TỔNG HỢP"]) == "Tổng hợp 2"  # Excel compares names case-blind
    assert sheet_name("a/b: [c]?*") == "ab c"
    assert sheet_name("x" * 40) == "x" * 31
    assert sheet_name("") == "Sheet"


@pytest.mark.parametrize("lang, expected", [
    ("vi", ["1234567", "62,5", "3,25", "", "31/01/2030", "'=1+1", "Đà Nẵng; ven biển"]),
    ("en", ["1234567", "62.5", "3.25", "", "2030-01-31", "'=1+1", "Đà Nẵng; ven biển"]),
])
def test_the_csv_convention_of_each_language(lang, expected):
    values = [1234567, percent(62.54), 3.25, None, date(2030, 1, 31), "=1+1", "Đà Nẵng; ven biển"]
    assert Convention(lang).row(values) == expected
    data = csv_zip([Sheet("Ngoài đơn vị, theo nhóm", ["a", "b"], [values[:2]]), Sheet("Tổng hợp", ["c"], [])],
                   Convention(lang))
    tables = zip_tables(data, lang)
    assert list(tables) == ["01-ngoai-don-vi-theo-nhom.csv", "02-tong-hop.csv"]
    assert tables["01-ngoai-don-vi-theo-nhom.csv"] == [["a", "b"], expected[:2]]


def test_columns_are_sized_within_bounds_and_formulas_stay_text():
    rows = [["x" * 300, 12345678, Percent(99.9), "=SUM(A1)"], ["Ngắn"]]  # the second: a note, no widening
    long_header = "Số người sử dụng ứng dụng (khối đơn vị sử dụng lao động)"
    book = load_workbook(io.BytesIO(xlsx_bytes([Sheet("Một", ["Tên", "Số", "Tỷ lệ (%)", "Ghi chú", long_header],
                                                      rows + [[None, None, None, None, 37]])])))
    sheet = book["Một"]
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDE"]
    # The longest cell or header plus a margin of 2; a long text stops at the bound; a long header wraps.
    assert widths == [WIDTH_MAX, len("12,345,678") + 2, len("Tỷ lệ (%)") + 2, len("=SUM(A1)") + 2, HEADER_WIDTH + 2]
    assert sheet["E1"].alignment.wrap_text and sheet["E1"].font.b
    first = next(sheet.iter_rows(min_row=2))
    assert first[3].value == "'=SUM(A1)" and first[3].data_type == "s"
    assert first[2].value == pytest.approx(0.999) and first[2].number_format == "0.0%"


def test_a_table_file_name_is_readable_ascii():
    assert file_stem("Đơn vị trực thuộc") == "don-vi-truc-thuoc"
    assert file_stem("“…”") == "table"
