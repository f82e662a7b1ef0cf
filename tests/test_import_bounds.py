"""Every file a user sends has a cost bound (issue 22): a workbook that unpacks
to far more than its size is refused from its directory, fast and small; too
many rows, columns or too long a cell are refused while the rows stream; the
same from the web and the command line."""
import io
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from fieldops.core import spreadsheet
from fieldops.core.spreadsheet import Table, TableError
from fieldops.extensions import db
from tests import factories

BOMB = "Bảng tính quá lớn, không thể nhập"


def _workbook_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bomb(unpacked_mb=200):
    """A real workbook whose shared strings unpack to `unpacked_mb` MB (a few hundred KB sent)."""
    source = zipfile.ZipFile(io.BytesIO(_workbook_bytes([["Mã đơn vị", "Tên đơn vị"], ["A1", "x"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b"<si><t>" + b"A" * 1000 + b"</t></si>"
            for _ in range(unpacked_mb * 1024 * 1024 // len(chunk)):
                part.write(chunk)
            part.write(b"</sst>")
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb_bytes():
    return bomb()


@pytest.fixture
def request_context(app):
    """Messages are in the language of a request (Vietnamese when no one is signed in)."""
    with app.test_request_context():
        yield


def _read_all(content, name="x.xlsx"):
    return list(Table(io.BytesIO(content), name).rows())


def test_a_workbook_bomb_is_refused_fast_and_small(bomb_bytes, request_context):
    from flask_babel import gettext

    assert len(bomb_bytes) < 2 * 1024 * 1024
    gettext("The file is empty.")  # the catalogue is loaded once per process: not the refusal's cost
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(TableError, match="zip bomb"):
        _read_all(bomb_bytes)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 2.0 and peak < 20 * 1024 * 1024, (elapsed, peak)


def test_a_bomb_sent_to_the_returns_import_is_refused_and_answers_at_once(client_as, bomb_bytes):
    factories.campaign()
    db.session.commit()
    started = time.perf_counter()
    response = client_as("supervisor").post(
        "/returns/import", data={"file": (io.BytesIO(bomb_bytes), "bao-cao.xlsx"), "dry_run": "y"},
        content_type="multipart/form-data")
    assert time.perf_counter() - started < 5
    assert response.status_code == 422 and BOMB in response.get_data(as_text=True)


def test_a_bomb_given_to_the_command_line_is_refused(app, users, tmp_path, bomb_bytes):
    path = tmp_path / "don-vi.xlsx"
    path.write_bytes(bomb_bytes)
    outcome = app.test_cli_runner().invoke(args=["employers", "import", str(path), "--as", "admin.hn", "--dry-run"])
    assert outcome.exit_code == 1 and BOMB in outcome.output


def test_one_part_far_larger_than_it_is_sent_is_refused(request_context):
    small = bomb(unpacked_mb=5)  # within every total, but 5 MB from a few KB
    with pytest.raises(TableError, match="zip bomb"):
        _read_all(small)


def test_an_ordinary_workbook_still_reads(request_context):
    rows = _read_all(_workbook_bytes([["a", "b"]] + [[f"r{i}", i] for i in range(1000)]))
    assert len(rows) == 1001


def test_too_many_columns_are_refused_as_the_rows_stream(request_context):
    with pytest.raises(TableError, match="100 cột") as refused:
        _read_all(_workbook_bytes([["a"], ["x"] * 101]))
    assert refused.value.row == 2
    with pytest.raises(TableError, match="100 cột"):
        _read_all(("a\n" + ",".join(["x"] * 101) + "\n").encode(), "x.csv")


def test_an_overlong_cell_is_refused(request_context):
    with pytest.raises(TableError, match="5000 ký tự"):
        _read_all(("a,b\nx," + "y" * 5001 + "\n").encode(), "x.csv")


def test_too_many_rows_are_refused_while_reading(monkeypatch, request_context):
    monkeypatch.setattr(spreadsheet, "MAX_ROWS_READ", 50)
    content = ("a,b\n" + ",\n" * 60 + "x,1\n" * 100).encode()  # blank rows count too
    rows = Table(io.BytesIO(content), "x.csv").rows()
    with pytest.raises(TableError, match="50 dòng"):
        for number, _ in rows:
            assert number <= 50


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(monkeypatch, request_context):
    monkeypatch.setattr(spreadsheet, "MAX_FILE_BYTES", 1000)
    with pytest.raises(TableError, match="tối đa 0 MB"):
        Table(io.BytesIO(b"a,b\n" * 1000), "x.csv")


# --- a large employer file goes to the job worker ------------------------------------


@pytest.fixture
def small_inline_limit(app):
    app.config["EMPLOYER_IMPORT_INLINE_MAX_BYTES"] = 200
    yield
    app.config["EMPLOYER_IMPORT_INLINE_MAX_BYTES"] = 1024 * 1024


def _employer_csv(rows):
    header = "unit_code,name,tax_code,district_code,department,insured\n"
    return (header + "".join(",".join(r) + "\n" for r in rows)).encode()


def _send_employers(client, content, dry_run=False):
    data = {"file": (io.BytesIO(content), "don-vi.csv")}
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/employers/import", data=data, content_type="multipart/form-data")


def test_a_large_employer_file_is_imported_by_the_job_worker(app, users, client_as, small_inline_limit):
    import sqlalchemy as sa

    from fieldops.employers.models import Employer
    from fieldops.jobs import worker
    from fieldops.jobs.models import Job, JobFile, JobState

    admin = client_as("admin")
    rows = [[f"TJ{i:04d}", f"Công ty Số {i}", "", "HN-BD", "", "10"] for i in range(40)]
    response = _send_employers(admin, _employer_csv(rows))
    assert response.status_code == 303 and "/jobs/" in response.location
    job = db.session.scalars(sa.select(Job)).one()
    assert db.session.scalar(sa.select(sa.func.count(Employer.id))) == 0  # nothing yet
    page = admin.get(response.location).get_data(as_text=True)
    assert "don-vi.csv" in page and 'hx-trigger="every 2s"' in page
    worker.run_once(app)
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == JobState.done, db.session.get(Job, job.id).result
    assert db.session.scalar(sa.select(sa.func.count(Employer.id))) == 40
    assert db.session.scalar(sa.select(sa.func.count(JobFile.id))) == 0  # the file is not kept
    assert f"/employers/import/jobs/{job.id}" in admin.get(response.location).get_data(as_text=True)
    report = admin.get(f"/employers/import/jobs/{job.id}").get_data(as_text=True)
    assert "40 dòng" in report and "don-vi.csv" in report
    assert client_as("admin", "HT").get(f"/employers/import/jobs/{job.id}").status_code == 404


def test_a_large_file_with_a_bad_row_imports_nothing_and_the_report_says_why(app, users, client_as,
                                                                             small_inline_limit):
    import sqlalchemy as sa

    from fieldops.employers.models import Employer
    from fieldops.jobs import worker
    from fieldops.jobs.models import Job

    admin = client_as("admin")
    rows = [[f"TK{i:04d}", f"Công ty Số {i}", "", "HN-BD", "", "10"] for i in range(30)] + \
           [["TK9999", "Công ty Âm", "", "HN-BD", "", "-5"]]
    _send_employers(admin, _employer_csv(rows))
    worker.run_once(app)
    job = db.session.scalars(sa.select(Job)).one()
    assert db.session.scalar(sa.select(sa.func.count(Employer.id))) == 0
    report = admin.get(f"/employers/import/jobs/{job.id}").get_data(as_text=True)
    assert ">32<" in report and "Không được là số âm." in report
