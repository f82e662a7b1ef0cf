"""Import of employers, labour departments and declared insured headcounts from
CSV and XLSX: good files, re-import, dry run, and bad input of every kind, each
checked for the report (row, column) and for nothing saved."""
import csv
import io
import time
import unicodedata

import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import Language, Role
from fieldops.core.import_layout import MAX_ERRORS
from fieldops.core.exporting import Convention, Sheet, write_csv, write_xlsx
from fieldops.core.spreadsheet import neutralise
from fieldops.employers import import_writer
from fieldops.employers.importing import import_employers
from fieldops.employers.models import WHOLE_EMPLOYER, Employer, LabourDepartment
from fieldops.employers.queries import search_page
from fieldops.extensions import db
from tests import factories

VI = ["Mã đơn vị", "Tên đơn vị", "Mã số thuế", "Mã cơ quan BHXH", "Bộ phận", "Số lao động tham gia"]
EN = ["unit_code", "name", "tax_code", "district_code", "department", "insured"]
TONES = "\u0300\u0301\u0303\u0309\u0323"


def found(actor, q):
    """What the employer search shows `actor` for `q`, as the page asks for it."""
    from flask import current_app

    with current_app.test_request_context("/employers/"):
        return search_page(actor, q).items


def csv_bytes(rows, header=VI, encoding="utf-8", delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=VI, formulas=False):
    """Cells starting with "=" are text (as Excel stores '=…), unless `formulas`."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if not formulas:
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def to_cp1258(text):
    """What Excel on a Vietnamese Windows writes: vowel marks precomposed, tone marks combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))
        out.append(base + "".join(c for c in decomposed if c in TONES))
    return "".join(out).encode("cp1258")


def run(actor, data, filename="nhap.csv", dry_run=False, progress=None):
    """Import as the real callers do: commit on success, roll back otherwise."""
    with force_locale("en"):
        result = import_employers(actor, io.BytesIO(data), filename, dry_run=dry_run, progress=progress)
    if result.ok and not dry_run:
        db.session.commit()
    else:
        db.session.rollback()
    return result


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def only_error(result):
    assert not result.ok and result.error_count == 1, result.errors
    return result.errors[0]


def assert_nothing_saved():
    assert count(Employer) == 0 and count(LabourDepartment) == 0
    assert count(AuditEvent) == 0 or not db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "employer.import")
    ).first()


@pytest.fixture
def admin(users):
    """The Hà Nội admin, reading English so the messages can be checked as written."""
    for per_role in users.values():
        for user in per_role.values():
            user.preferred_language = Language.en
    db.session.commit()
    return users["HN"]["admin"]


@pytest.fixture
def national_admin(org, admin):
    user = factories.user(org["VN"], Role.admin, username="admin.vn")
    user.preferred_language = Language.en
    db.session.commit()
    return user


GOOD = [
    ["TA0001", "Công ty TNHH Hoàng Long", "0101234567", "HN-BD", "Văn phòng", "12"],
    ["TA0001", "Công ty TNHH Hoàng Long", "0101234567", "HN-BD", "Phân xưởng may", "130"],
    ["ta0002", "Trường Mầm non Ánh Dương", "", "hn-cg", "", "0"],
]


def test_vietnamese_csv_imports_employers_departments_and_headcounts(admin):
    result = run(admin, csv_bytes(GOOD))
    assert result.ok and result.rows == 3
    assert result.counts["employers_created"] == 2 and result.counts["departments_created"] == 3
    first = factories.get_employer("TA0001")
    assert first.name == "Công ty TNHH Hoàng Long" and first.tax_code == "0101234567"
    assert first.district.code == "HN-BD"
    assert {(d.name, d.insured_declared) for d in first.departments} == {("Văn phòng", 12), ("Phân xưởng may", 130)}
    second = factories.get_employer("TA0002")
    assert second.district.code == "HN-CG" and second.tax_code == ""
    assert [(d.name, d.insured_declared) for d in second.departments] == [(WHOLE_EMPLOYER, 0)]
    # Found by search as any employer typed in by hand.
    (hoang_long,) = found(admin, "hoang long")
    assert hoang_long.unit_code == "TA0001"
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "employer.import")).one()
    assert event.actor_id == admin.id and event.after["file"] == "nhap.csv"
    assert event.after["employers_created"] == 2 and event.after["departments_created"] == 3
    assert count(AuditEvent) == 1  # one event for the import, not one per row


def test_xlsx_with_english_headers_in_any_case_and_spacing(admin):
    header = [" UNIT CODE", "Name", "Tax_Code ", "district code", "DEPARTMENT", "Insured", "Address", "sector"]
    rows = [
        ["TA0001", "Công ty Cổ phần Sông Hồng", "0101234567", "HN-BD", "Kho", 7, "Số 1 Kim Mã", "Thương mại"],
        ["TA0001", "Công ty Cổ phần Sông Hồng", "0101234567", "HN-BD", "Bán hàng", 12.0, "Số 1 Kim Mã", "Thương mại"],
    ]
    result = run(admin, xlsx_bytes(rows, header), "danh-sach.xlsx")
    assert result.ok, result.errors
    employer = factories.get_employer("TA0001")
    assert (employer.address, employer.sector) == ("Số 1 Kim Mã", "Thương mại")
    assert {(d.name, d.insured_declared) for d in employer.departments} == {("Kho", 7), ("Bán hàng", 12)}


def test_vietnamese_headers_without_accents_semicolons_and_a_bom(admin):
    header = ["MA DON VI", "ten don vi", "Ma so thue", "Mã  cơ quan  BHXH", "bo phan", "so lao dong tham gia"]
    data = b"\xef\xbb\xbf" + csv_bytes(GOOD[:1], header, delimiter=";")
    assert run(admin, data).ok
    assert factories.get_employer("TA0001").departments[0].insured_declared == 12


def test_decomposed_unicode_is_stored_composed(admin):
    name = unicodedata.normalize("NFD", "Công ty Nguyễn Huệ")
    assert run(admin, csv_bytes([["TA0001", name, "", "HN-BD", "", "1"]])).ok
    assert factories.get_employer("TA0001").name == unicodedata.normalize("NFC", "Công ty Nguyễn Huệ")


def test_reimport_updates_by_unit_code(admin, org):
    employer = factories.employer(org["HN-BD"], unit_code="TA0001", name="Tên cũ",
                                  departments=[("Văn phòng", 3), ("Phân xưởng", 40)])
    db.session.commit()
    rows = [
        ["TA0001", "Tên mới", "0109999999", "HN-CG", "VĂN PHÒNG", "5"],
        ["TA0001", "Tên mới", "0109999999", "HN-CG", "Kho", "9"],
    ]
    result = run(admin, csv_bytes(rows))
    assert result.ok, result.errors
    c = result.counts
    assert (c["employers_created"], c["employers_updated"]) == (0, 1)
    assert (c["departments_created"], c["departments_updated"], c["departments_removed"]) == (1, 1, 1)
    updated = db.session.get(Employer, employer.id)
    assert (updated.name, updated.tax_code, updated.district.code) == ("Tên mới", "0109999999", "HN-CG")
    assert updated.address == "Số 1, Kim Mã, Ba Đình, Hà Nội"  # no address column: kept as it was
    assert {(d.name, d.insured_declared) for d in updated.departments} == {("VĂN PHÒNG", 5), ("Kho", 9)}
    (renamed,) = found(admin, "ten moi")
    assert renamed.id == employer.id
    # The same file again changes nothing.
    again = run(admin, csv_bytes(rows))
    assert again.counts["employers_unchanged"] == 1 and again.counts["departments_unchanged"] == 2
    assert count(Employer) == 1 and count(LabourDepartment) == 2


def test_reimport_keeps_departments_with_visit_history(admin, org, users):
    employer = factories.employer(org["HN-BD"], unit_code="TA0001", departments=[("Văn phòng", 3), ("Kho", 2)])
    factories.visit(users["HN"]["officer"], employer, figures={"Văn phòng": (10, 4, 2)})
    db.session.commit()
    result = run(admin, csv_bytes([["TA0001", "Công ty", "", "HN-BD", "Bán hàng", "4"]]))
    assert result.ok, result.errors
    assert (result.counts["departments_kept"], result.counts["departments_removed"]) == (1, 1)
    names = {d.name for d in db.session.get(Employer, employer.id).departments}
    assert names == {"Văn phòng", "Bán hàng"}


def test_visit_lines_count_as_department_history():
    columns = {(c.table.name, c.name) for c in import_writer.department_history_columns()}
    assert ("visit_line", "labour_department_id") in columns


def test_dry_run_reports_and_writes_nothing(admin, org):
    factories.employer(org["HN-BD"], unit_code="TA0001", name="Tên cũ")
    db.session.commit()
    before = count(AuditEvent)
    result = run(admin, csv_bytes(GOOD), dry_run=True)
    assert result.ok and result.dry_run
    assert result.counts["employers_created"] == 1 and result.counts["employers_updated"] == 1
    assert result.counts["departments_created"] == 3 and result.counts["departments_removed"] == 1
    assert count(Employer) == 1 and factories.get_employer("TA0001").name == "Tên cũ"
    assert count(LabourDepartment) == 1 and count(AuditEvent) == before


def test_progress_is_reported(admin):
    seen = []
    assert run(admin, csv_bytes(GOOD), progress=lambda stage, rows: seen.append((stage, rows))).ok
    assert seen == [("checked", 3), ("written", 3)]


# --- bad files ---------------------------------------------------------------


def test_wrong_headers_name_every_missing_column(admin):
    error = only_error(run(admin, csv_bytes([["1", "2"]], header=["foo", "bar"])))
    assert error.row == 1 and "Missing columns" in error.message
    for name in VI + EN:
        assert name in error.message
    assert_nothing_saved()


def test_missing_columns_are_named(admin):
    header = ["Mã đơn vị", "Tên đơn vị", "Mã số thuế", "Bộ phận"]
    error = only_error(run(admin, csv_bytes([["TA1", "A", "", ""]], header=header)))
    assert "Mã cơ quan BHXH (district_code)" in error.message
    assert "Số lao động tham gia (insured)" in error.message
    assert "Tên đơn vị" not in error.message
    assert_nothing_saved()


def test_a_column_twice_is_refused(admin):
    error = only_error(run(admin, csv_bytes([GOOD[0] + ["x"]], header=VI + ["name"])))
    assert "appears more than once" in error.message and "name" in error.message


@pytest.mark.parametrize("data", [b"", b"\r\n  \r\n", xlsx_bytes([], header=[])])
def test_empty_file(admin, data):
    assert only_error(run(admin, data)).message == "The file is empty."
    assert_nothing_saved()


@pytest.mark.parametrize("maker", [csv_bytes, xlsx_bytes])
def test_header_only(admin, maker):
    error = only_error(run(admin, maker([])))
    assert error.row == 1 and error.message == "The file has a header row but no data rows."


def test_not_a_spreadsheet(admin):
    assert "Excel workbook" in only_error(run(admin, b"PK\x03\x04garbage", "a.xlsx")).message
    assert ".xls" in only_error(run(admin, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "a.xls")).message
    assert_nothing_saved()


def test_windows_1258_file_is_decoded_correctly(admin):
    name = "Công ty TNHH Thương mại Dịch vụ Nguyễn Huệ"
    data = to_cp1258(",".join(VI) + "\r\n" + f"TA0001,{name},,HN-BD,Phòng Kế toán,5\r\n")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert run(admin, data).ok
    employer = factories.get_employer("TA0001")
    assert employer.name == name and employer.departments[0].name == "Phòng Kế toán"


def test_windows_1252_file_that_reads_the_same_is_decoded_correctly(admin):
    name = "Công ty Hà Lê"  # every letter has the same byte in 1252 and 1258
    assert run(admin, csv_bytes([["TA0001", name, "", "HN-BD", "", "5"]], EN, encoding="cp1252")).ok
    assert factories.get_employer("TA0001").name == name


def test_windows_1252_file_that_would_be_garbled_is_refused(admin):
    data = csv_bytes([["TA0001", "Café São Paulo", "", "HN-BD", "", "5"]], EN, encoding="cp1252")
    error = only_error(run(admin, data))
    assert "UTF-8" in error.message and error.row == 2
    assert_nothing_saved()


def test_vietnamese_saved_as_windows_1252_is_refused(admin):
    # Excel writes "?" for every letter that 1252 lacks: "Hà Nội" becomes "Hà N?i".
    data = ("\r\n".join([",".join(EN), "TA0001,Công ty Hà Nội,,HN-BD,,5"]) + "\r\n").encode("cp1252", "replace")
    assert b"N?i" in data
    error = only_error(run(admin, data))
    assert (error.row, error.column) == (2, "name") and "CSV UTF-8" in error.message
    assert_nothing_saved()


def test_undecodable_bytes_are_refused(admin):
    data = csv_bytes([["TA0001", "x", "", "HN-BD", "", "5"]]) + b"\x81\x8d\x90\n"
    assert "UTF-8" in only_error(run(admin, data)).message
    assert_nothing_saved()


def test_duplicate_unit_code_and_department(admin):
    rows = [GOOD[0], GOOD[1], ["TA0001", "Công ty TNHH Hoàng Long", "0101234567", "HN-BD", " văn  PHÒNG ", "1"]]
    error = only_error(run(admin, csv_bytes(rows)))
    assert (error.row, error.column) == (4, "Bộ phận") and "row 2" in error.message
    assert_nothing_saved()


def test_same_employer_twice_as_a_whole(admin):
    rows = [["TA0002", "Trường", "", "HN-CG", "", "1"], ["TA0002", "Trường", "", "HN-CG", WHOLE_EMPLOYER, "1"]]
    error = only_error(run(admin, csv_bytes(rows)))
    assert (error.row, error.column) == (3, "Bộ phận") and "row 2" in error.message


def test_whole_employer_and_departments_do_not_mix(admin):
    rows = [["TA0002", "Trường", "", "HN-CG", "", "1"], ["TA0002", "Trường", "", "HN-CG", "Bếp", "1"]]
    error = only_error(run(admin, csv_bytes(rows)))
    assert (error.row, error.column) == (3, "Bộ phận") and "either as a whole" in error.message


@pytest.mark.parametrize("position, column, value", [
    (1, "Tên đơn vị", "Công ty Khác"),
    (2, "Mã số thuế", "0100000000"),
    (3, "Mã cơ quan BHXH", "HN-CG"),
])
def test_conflicting_employer_fields_across_rows(admin, position, column, value):
    second = list(GOOD[1])
    second[position] = value
    error = only_error(run(admin, csv_bytes([GOOD[0], second])))
    assert (error.row, error.column) == (3, column) and "row 2" in error.message and "TA0001" in error.message
    assert_nothing_saved()


@pytest.mark.parametrize("code, message", [
    ("XX-99", "Unknown district code XX-99."),
    ("HN", "HN is not a district unit."),
    ("HN-BD-T1", "HN-BD-T1 is not a district unit."),
    ("HT-TP", "District HT-TP is outside your area."),
])
def test_bad_district_codes(admin, code, message):
    error = only_error(run(admin, csv_bytes([["TA0001", "Công ty", "", code, "", "1"]])))
    assert (error.row, error.column, error.message) == (2, "Mã cơ quan BHXH", message)
    assert_nothing_saved()


def test_district_of_another_province_fails_the_whole_file(admin):
    rows = GOOD + [["TA0003", "Công ty Hà Tĩnh", "", "HT-TP", "", "3"]]
    error = only_error(run(admin, csv_bytes(rows)))
    assert error.row == 5 and "outside your area" in error.message
    assert_nothing_saved()


def test_a_national_admin_imports_into_any_province(national_admin):
    assert run(national_admin, csv_bytes([["TA0003", "Công ty Hà Tĩnh", "", "HT-TP", "", "3"]])).ok


def test_unit_code_of_an_employer_outside_the_area(admin, org):
    factories.employer(org["HT-TP"], unit_code="TA0001")
    db.session.commit()
    error = only_error(run(admin, csv_bytes([GOOD[0]])))
    assert (error.row, error.column) == (2, "Mã đơn vị") and "outside your area" in error.message
    assert count(LabourDepartment) == 1


@pytest.mark.parametrize("value, message", [
    ("-1", "Must not be negative."),
    ("2.5", "Enter a whole number, without decimals or thousands separators."),
    ("1.000", "Enter a whole number, without decimals or thousands separators."),
    ("12 người", "Enter a whole number."),
    ("abc", "Enter a whole number."),
    ("", "Enter the number of insured workers (0 if there are none)."),
    ("1000001", "At most 1.000.000."),
    ("9" * 5000, "At most 1.000.000."),
])
def test_bad_insured_counts(admin, value, message):
    error = only_error(run(admin, csv_bytes([["TA0001", "Công ty", "", "HN-BD", "", value]])))
    assert (error.row, error.column, error.message) == (2, "Số lao động tham gia", message)
    assert_nothing_saved()


@pytest.mark.parametrize("value, message", [
    (2.5, "Enter a whole number, without decimals or thousands separators."),
    (-3, "Must not be negative."),
    (10**12, "At most 1.000.000."),
    (True, "Enter a whole number."),
    ("=A1*2", "holds a formula"),
])
def test_bad_insured_counts_in_xlsx(admin, value, message):
    data = xlsx_bytes([["TA0001", "Công ty", "", "HN-BD", "", value]], formulas=True)
    error = only_error(run(admin, data, "a.xlsx"))
    assert (error.row, error.column) == (2, "Số lao động tham gia") and message in error.message


@pytest.mark.parametrize("position, value, message", [
    (0, "", "must not be empty"),
    (0, "TA 01/2", "Use letters, digits and dashes only."),
    (0, "T" * 21, "At most 20 characters (this cell has 21)."),
    (1, "", "must not be empty"),
    (1, "C" * 256, "At most 255 characters (this cell has 256)."),
    (2, "MST-12a", "Use digits and dashes only."),
    (3, "", "must not be empty"),
    (4, "B" * 161, "At most 160 characters (this cell has 161)."),
    (1, "Công ty\x07", "control character"),
])
def test_bad_text_cells(admin, position, value, message):
    row = ["TA0001", "Công ty", "", "HN-BD", "", "1"]
    row[position] = value
    error = only_error(run(admin, csv_bytes([row])))
    assert (error.row, error.column) == (2, VI[position]) and message in error.message
    assert_nothing_saved()


def test_tax_code_that_lost_its_leading_zero_in_excel(admin):
    error = only_error(run(admin, xlsx_bytes([["TA0001", "Công ty", 101234567, "HN-BD", "", 1]]), "a.xlsx"))
    assert (error.row, error.column) == (2, "Mã số thuế") and "leading zero" in error.message


def test_every_bad_row_is_listed(admin):
    rows = [["TA0001", "", "", "HN-BD", "", "-1"], GOOD[2], ["TA0003", "Công ty", "", "XX", "Kho", "x"]]
    result = run(admin, csv_bytes(rows))
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "Tên đơn vị"), (2, "Số lao động tham gia"), (4, "Mã cơ quan BHXH"), (4, "Số lao động tham gia"),
    ]
    assert_nothing_saved()


def test_the_report_is_capped_but_every_problem_counted(admin):
    rows = [[f"TA{n:05d}", "Công ty", "", "HN-BD", "", "-1"] for n in range(MAX_ERRORS + 5)]
    result = run(admin, csv_bytes(rows))
    assert result.error_count == MAX_ERRORS + 5 and len(result.errors) == MAX_ERRORS


# --- formulas ------------------------------------------------------------------


FORMULA_LIKE = ["=HYPERLINK(\"http://x\",\"y\")", "+84 24 3823 4567", "-", "@Kho"]


@pytest.mark.parametrize("maker, filename", [(csv_bytes, "a.csv"), (xlsx_bytes, "a.xlsx")])
def test_formula_like_cells_are_stored_verbatim_and_neutralised_on_export(admin, maker, filename):
    header = VI + ["Địa chỉ", "Ngành nghề"]
    name, address, sector, department = FORMULA_LIKE
    rows = [["TA0001", name, "", "HN-BD", department, "3", address, sector]]
    assert run(admin, maker(rows, header), filename).ok
    employer = factories.get_employer("TA0001")
    assert (employer.name, employer.address, employer.sector) == (name, address, sector)
    assert employer.departments[0].name == department

    export = [[employer.unit_code, employer.name, employer.address, employer.sector, d.name, d.insured_declared]
              for d in employer.departments]
    sheet = Sheet("Employers", ["unit_code", "name", "address", "sector", "department", "insured"], export)
    text = io.StringIO()
    write_csv(text, sheet, Convention("vi"))
    exported = list(csv.reader(io.StringIO(text.getvalue().lstrip("\ufeff")), delimiter=";"))[1]
    assert exported == ["TA0001"] + ["'" + v for v in (name, address, sector, department)] + ["3"]

    binary = io.BytesIO()
    write_xlsx(binary, [sheet])
    binary.seek(0)
    sheet = openpyxl.load_workbook(binary).active
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert [c.value for c in cells] == exported[:-1] + [3]
    assert all(c.data_type != "f" for c in cells)


def test_neutralise():
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(value) == "'" + value
    for value in ("Công ty", "", "1-2", None, -5, 3.5, "'=already"):
        assert neutralise(value) == value


# --- scale -----------------------------------------------------------------------


def test_one_bad_row_in_sixty_thousand_imports_nothing(admin):
    out = io.StringIO()
    out.write(",".join(EN) + "\n")
    for n in range(1, 60_001):
        insured = "-7" if n == 50_000 else "5"
        out.write(f"TB{n:06d},Công ty số {n},,HN-BD,,{insured}\n")
    started = time.perf_counter()
    result = run(admin, out.getvalue().encode())
    assert time.perf_counter() - started < 15
    error = only_error(result)
    assert (error.row, error.column, error.message) == (50_001, "insured", "Must not be negative.")
    assert result.rows == 60_000
    assert_nothing_saved()


# --- command line ----------------------------------------------------------------


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=["employers", "import", *map(str, args)])


def test_cli_imports_as_the_first_national_admin(app, national_admin, tmp_path):
    path = tmp_path / "don-vi.csv"
    path.write_bytes(csv_bytes(GOOD))
    outcome = invoke(app, path)
    assert outcome.exit_code == 0, outcome.output
    assert "Employers created: 2" in outcome.stdout and "Import complete." in outcome.stdout
    assert "3 rows checked" in outcome.stderr and "3 rows written" in outcome.stderr
    assert count(Employer) == 2 and count(LabourDepartment) == 3
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "employer.import")).one()
    assert event.actor_id == national_admin.id and event.after["file"] == "don-vi.csv"


def test_cli_reports_every_problem_and_exits_non_zero(app, admin, tmp_path):
    path = tmp_path / "don-vi.xlsx"
    path.write_bytes(xlsx_bytes(GOOD + [["TA0003", "Công ty", "", "HT-TP", "", -2]]))
    outcome = invoke(app, path, "--as", "admin.hn")
    assert outcome.exit_code == 1
    # Each problem names its row, its column and the value found there.
    assert "Row 5, Mã cơ quan BHXH “HT-TP”: District HT-TP is outside your area." in outcome.stdout
    assert "Row 5, Số lao động tham gia “-2”: Must not be negative." in outcome.stdout
    assert "2 problems found; nothing was imported." in outcome.stderr
    assert_nothing_saved()


def test_cli_dry_run_writes_nothing(app, national_admin, tmp_path):
    path = tmp_path / "don-vi.csv"
    path.write_bytes(csv_bytes(GOOD))
    outcome = invoke(app, path, "--dry-run")
    assert outcome.exit_code == 0 and "Employers created: 2" in outcome.stdout
    assert "Dry run" in outcome.stdout
    assert_nothing_saved()


def test_cli_file_level_error(app, national_admin, tmp_path):
    path = tmp_path / "rong.csv"
    path.write_bytes(b"")
    outcome = invoke(app, path)
    assert outcome.exit_code == 1 and "File: The file is empty." in outcome.stdout


def test_cli_needs_an_active_admin(app, users, tmp_path):
    path = tmp_path / "don-vi.csv"
    path.write_bytes(csv_bytes(GOOD))
    assert invoke(app, path).exit_code == 2  # no national admin in this world
    assert invoke(app, path, "--as", "officer.hn").exit_code == 2
    assert_nothing_saved()


# --- web -------------------------------------------------------------------------


def upload(client, data, filename="don-vi.csv", **fields):
    return client.post("/employers/import", data={"file": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data")


def test_admin_imports_through_the_web(admin, client_as):
    client = client_as("admin")
    page = client.get("/employers/import")
    assert page.status_code == 200 and "Số lao động tham gia" in page.get_data(as_text=True)
    response = upload(client, xlsx_bytes(GOOD), "don-vi.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Import complete" in html
    assert count(Employer) == 2 and count(LabourDepartment) == 3


def test_web_report_lists_row_column_and_reason(admin, client_as):
    rows = GOOD + [["TA0003", "Công ty", "", "HN-BD", "", "2,5"]]
    response = upload(client_as("admin"), csv_bytes(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "1 problem found; nothing was imported" in html
    assert ("<td>5</td><td>Số lao động tham gia</td><td><code>2,5</code></td>"
            "<td>Enter a whole number, without decimals") in html
    assert_nothing_saved()


def test_web_upload_larger_than_the_in_memory_buffer(admin, client_as):
    rows = [[f"TC{n:05d}", f"Công ty Trách nhiệm hữu hạn Thương mại số {n}", "", "HN-BD", "", str(n % 50)]
            for n in range(8000)]
    data = csv_bytes(rows)
    assert len(data) > 500 * 1024  # werkzeug spools uploads above 500 KB to disk
    response = upload(client_as("admin"), data)
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    assert count(Employer) == 8000 and count(LabourDepartment) == 8000


def test_web_dry_run_writes_nothing(admin, client_as):
    response = upload(client_as("admin"), csv_bytes(GOOD), dry_run="y")
    assert response.status_code == 200 and "Check passed; nothing was written" in response.get_data(as_text=True)
    assert_nothing_saved()


@pytest.mark.parametrize("data, message", [
    ({}, "Choose a CSV or XLSX file."),
    ({"file": (io.BytesIO(b"x"), "don-vi.txt")}, "Only CSV and XLSX files can be imported."),
])
def test_web_upload_needs_a_csv_or_xlsx_file(admin, client_as, data, message):
    response = client_as("admin").post("/employers/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_only_admins_import(admin, client_as):
    officer = client_as("officer")
    assert officer.get("/employers/import").status_code == 403
    assert upload(officer, csv_bytes(GOOD)).status_code == 403
    assert_nothing_saved()
    assert "/employers/import" not in officer.get("/employers/").get_data(as_text=True)
    assert "/employers/import" in client_as("admin").get("/employers/").get_data(as_text=True)


def test_web_import_needs_the_csrf_token(app, admin, client_as, monkeypatch):
    from tests.conftest import csrf_token_from

    client = client_as("admin")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # after signing in
    assert upload(client, csv_bytes(GOOD)).status_code == 400
    assert_nothing_saved()
    token = csrf_token_from(client.get("/employers/import").get_data(as_text=True))
    assert upload(client, csv_bytes(GOOD), csrf_token=token).status_code == 200
    assert count(Employer) == 2
