"""The import pages (issues 20 and 22): a file larger than a request should handle
is imported by the job worker, its progress and then the same report as a request
gives shown where the report stands; the report stands under the form, above the
column guide, each problem with its row, column and the value found; every import
offers a template, XLSX and CSV, made from the columns it reads, that imports as it is."""
import csv
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from fieldops.extensions import db
from fieldops.jobs import worker
from fieldops.jobs.models import Job, JobFile, JobState
from fieldops.progress.models import Target
from fieldops.returns.models import GroupReturn
from tests import factories
from tests.visit_helpers import in_english

RETURNS_HEADER = ("Mã quận huyện,Nhóm,Tháng,Số người tham gia,Số người đã đăng ký,Số người tham gia mới,"
                  "Số người mới đã đăng ký\n")
GROUPS = ("voluntary", "household", "students", "other")


def returns_csv(months=6, bad=None):
    """A return per group and month of 2023 for HN-BD; `bad`: a row put last."""
    rows = [f"HN-BD,{g},2023-{m:02d},100,40,10,8\n" for m in range(1, months + 1) for g in GROUPS]
    return (RETURNS_HEADER + "".join(rows) + (bad or "")).encode()


def targets_csv():
    name = "Bảo hiểm xã hội " * 10  # for the reader only: a file larger than a request's
    rows = [f"HN-BD,visits,40,{name}\n", f"HN,Số người đăng ký,5000,{name}\n", f"HN-CG,visits,12,{name}\n"]
    return ("Mã đơn vị,Chỉ tiêu,Giá trị,Tên đơn vị\n" + "".join(rows)).encode()


# (role, import page, template, count of its rows, file maker)
IMPORTS = {
    "returns": ("supervisor", "/returns/import", "/returns/import/template", GroupReturn),
    "targets": ("admin", "/progress/targets/import", "/progress/targets/import/template", Target),
    "employers": ("admin", "/employers/import", "/employers/import/template", None),
}


@pytest.fixture
def campaign(org):
    made = factories.campaign()
    db.session.commit()
    return made


@pytest.fixture
def small_inline_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_INLINE_MAX_BYTES", 300)
    monkeypatch.setitem(app.config, "EMPLOYER_IMPORT_INLINE_MAX_BYTES", 300)


def send(client, url, content, name="tep.csv", dry_run=False, headers=None, **fields):
    data = {"file": (io.BytesIO(content), name), **fields}
    if dry_run:
        data["dry_run"] = "y"
    return client.post(url, data=data, content_type="multipart/form-data", headers=headers)


def count(model):
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def report(page):
    """What the report's place shows."""
    return page.split('id="import-report"')[1].split(">", 1)[1].split("</section>")[0]


def error_rows(page):
    table = page.split('id="import-errors"')[1].split("</table>")[0]
    return re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>(.*?)</td><td>([^<]*)</td></tr>", table)


def run_worker(app):
    job = worker.run_once(app)
    db.session.expire_all()
    return job


# --- large files go to the job worker --------------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_large_returns_file_is_queued_and_the_worker_gives_the_requests_report(
        app, org, users, campaign, client_as, monkeypatch, dry_run):
    client = in_english(client_as("supervisor"))
    content = returns_csv()
    inline = send(client, "/returns/import", content, dry_run=True)  # within the request's size: answered at once
    assert inline.status_code == 200 and count(Job) == 0
    monkeypatch.setitem(app.config, "IMPORT_INLINE_MAX_BYTES", 300)
    queued = send(client, "/returns/import", content, dry_run=dry_run)
    assert queued.status_code == 303 and "/returns/import/jobs/" in queued.location
    job = db.session.scalars(sa.select(Job)).one()
    assert job.kind == "returns.import" and job.state == JobState.queued and count(GroupReturn) == 0
    waiting = client.get(queued.location).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in waiting and "tep.csv" in waiting and "Waiting for the worker" in waiting
    assert waiting.index('id="import-report"') < waiting.index('id="import-columns"')
    assert run_worker(app).state == JobState.done
    assert count(GroupReturn) == (0 if dry_run else 24) and count(JobFile) == 0
    done = client.get(queued.location).get_data(as_text=True)
    assert "every 2s" not in done
    if dry_run:
        assert report(done) == report(inline.get_data(as_text=True))
    else:
        assert "Import complete" in done and "Returns filed: 24; already filed with the same figures: 0." in done


def test_a_large_file_with_bad_rows_imports_nothing_and_lists_them_as_a_request_does(
        app, org, users, campaign, client_as, monkeypatch):
    client = in_english(client_as("supervisor"))
    content = returns_csv(bad="HN-BD,voluntary,2023-11,10,<b>twenty</b>,0,0\nHN-CG,students,2023-11,10,5,0,0\n")
    inline = send(client, "/returns/import", content)
    assert inline.status_code == 422
    monkeypatch.setitem(app.config, "IMPORT_INLINE_MAX_BYTES", 300)
    queued = send(client, "/returns/import", content)
    run_worker(app)
    done = client.get(queued.location).get_data(as_text=True)
    assert count(GroupReturn) == 0
    assert error_rows(done) == error_rows(inline.get_data(as_text=True))
    assert ("26", "Số người đã đăng ký", "<code>&lt;b&gt;twenty&lt;/b&gt;</code>",) == error_rows(done)[0][:3]
    assert error_rows(done)[1][:3] == ("27", "Mã quận huyện", "<code>HN-CG</code>")


def test_a_large_targets_file_is_imported_by_the_worker_into_the_campaign_chosen(
        app, org, users, campaign, client_as, small_inline_limit):
    client = in_english(client_as("admin"))
    queued = send(client, "/progress/targets/import", targets_csv(), campaign_id=campaign.id)
    assert queued.status_code == 303 and "/progress/targets/import/jobs/" in queued.location
    assert 'hx-trigger="every 2s"' in client.get(queued.location).get_data(as_text=True)
    assert count(Target) == 0
    run_worker(app)
    page = client.get(queued.location).get_data(as_text=True)
    assert "Targets created: 3, changed: 0, unchanged: 0." in page
    assert {t.campaign_id for t in db.session.scalars(sa.select(Target))} == {campaign.id} and count(Target) == 3


def test_a_large_employer_file_is_followed_on_its_import_page(app, users, client_as, small_inline_limit):
    from fieldops.employers.models import Employer

    client = in_english(client_as("admin"))
    content = ("unit_code,name,tax_code,district_code,department,insured\n"
               + "".join(f"TP{i:03d},Công ty {i},,HN-BD,,{i}\n" for i in range(30))).encode()
    queued = send(client, "/employers/import", content)
    assert "/employers/import/jobs/" in queued.location
    run_worker(app)
    assert count(Employer) == 30
    assert "30 rows" in report(client.get(queued.location).get_data(as_text=True))


@pytest.mark.parametrize("content, name, message", [
    (b"Nhom,Thang\n" + b"x,y\n" * 200, "tep.csv", "Missing columns:"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000, "tep.csv", "old Excel file"),
    (b"PK\x03\x04" + b"\0" * 1000, "tep.xlsx", "could not be read as an Excel workbook"),
])
def test_a_large_file_that_cannot_be_imported_is_refused_at_once(
        app, org, users, campaign, client_as, small_inline_limit, content, name, message):
    client = in_english(client_as("supervisor"))
    response = send(client, "/returns/import", content, name=name)
    assert response.status_code == 422 and message in report(response.get_data(as_text=True))
    assert count(Job) == 0 and count(JobFile) == 0 and count(GroupReturn) == 0


def test_a_bomb_above_the_requests_size_is_refused_before_it_is_queued(app, org, users, campaign, client_as,
                                                                       small_inline_limit):
    from tests.test_import_bounds import BOMB, bomb

    response = send(client_as("admin"), "/progress/targets/import", bomb(unpacked_mb=30), name="chi-tieu.xlsx",
                    campaign_id=campaign.id)
    assert response.status_code == 422 and BOMB in response.get_data(as_text=True)
    assert count(Job) == 0


def test_an_import_job_outside_ones_area_or_of_another_kind_answers_404(app, org, users, campaign, client_as,
                                                                        small_inline_limit):
    from fieldops.jobs.operations import enqueue

    queued = send(client_as("supervisor"), "/returns/import", returns_csv())
    job_id = int(queued.location.rsplit("/", 1)[1])
    assert client_as("supervisor", "HT").get(f"/returns/import/jobs/{job_id}").status_code == 404
    assert client_as("admin").get(f"/progress/targets/import/jobs/{job_id}").status_code == 404
    assert client_as("admin").get(f"/employers/import/jobs/{job_id}").status_code == 404
    other = enqueue(users["HN"]["hr"], "test.noop", {}, org["HN-BD"].id)
    db.session.commit()
    assert client_as("supervisor").get(f"/returns/import/jobs/{other.id}").status_code == 404


def test_the_progress_is_polled_as_a_fragment_without_sending_the_session_back(app, org, users, campaign,
                                                                                client_as, small_inline_limit):
    client = client_as("supervisor")
    queued = send(client, "/returns/import", returns_csv())
    polled = client.get(queued.location, headers={"HX-Request": "true", "HX-Target": "import-report"})
    html = polled.get_data(as_text=True)
    assert polled.status_code == 200 and html.lstrip().startswith('<section id="import-report"')
    assert not [h for h in polled.headers.getlist("Set-Cookie") if app.config["SESSION_COOKIE_NAME"] in h]


def test_an_htmx_submit_of_a_large_file_shows_its_progress_in_place(app, org, users, campaign, client_as,
                                                                    small_inline_limit):
    response = send(client_as("supervisor"), "/returns/import", returns_csv(),
                    headers={"HX-Request": "true", "HX-Target": "import-work"})
    job = db.session.scalars(sa.select(Job)).one()
    assert response.status_code == 200 and response.headers["HX-Push-Url"] == f"/returns/import/jobs/{job.id}"
    html = response.get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in html.split('id="import-report"')[1].split(">", 1)[0]


# --- where the report stands, and what it says -------------------------------------------


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_the_report_stands_under_the_form_above_the_column_guide(org, users, campaign, client_as, name):
    role, url, _template, _model = IMPORTS[name]
    page = send(client_as(role), url, b"a,b\n1,2\n", campaign_id=campaign.id).get_data(as_text=True)
    assert 'id="import-errors"' in page
    assert page.index("</form>") < page.index('id="import-report"') < page.index('id="import-columns"')
    assert 'hx-target="#import-work"' in page and "js/imports.js" in page


def test_a_long_value_is_shortened_and_control_characters_written_out(org, users, campaign, client_as):
    client = in_english(client_as("supervisor"))
    content = RETURNS_HEADER.encode() + ("HN-BD,voluntary,2023-06," + "9" * 80 + ",40,10,8\n").encode() + \
        "HN-BD,nhóm\x01lạ,2023-06,1,1,0,0\n".encode()
    rows = error_rows(send(client, "/returns/import", content).get_data(as_text=True))
    values = {row: value for row, _column, value, _message in rows}
    assert values["2"] == "<code>" + "9" * 59 + "…</code>"
    assert values["3"] == "<code>nhóm\\x01lạ</code>"


# --- the templates ------------------------------------------------------------------------


def _guide(page):
    table = page.split('id="import-columns"')[1].split("</table>")[0]
    return re.findall(r"<tr><td>([^<]*)</td><td><code>([^<]*)</code>", table)


def _template_rows(response, file_format):
    if file_format == "xlsx":
        sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
        return [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_each_import_offers_a_template_of_its_columns_that_imports_as_it_is(
        org, users, campaign, client_as, name, file_format):
    role, url, template, model = IMPORTS[name]
    client = in_english(client_as(role))
    page = client.get(url).get_data(as_text=True)
    assert f'href="{template}?format={file_format}"' in page
    response = client.get(f"{template}?format={file_format}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = _template_rows(response, file_format)
    assert len(rows) == 2 and all(str(v or "").strip() for v in rows[1][:3])
    assert rows[0] == [vietnamese for vietnamese, _english in _guide(page)]  # every column of the guide, in order
    checked = send(client, url, response.data, name=f"mau.{file_format}", dry_run=True, campaign_id=campaign.id)
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "Check passed; nothing was written" in html, report(html)
    assert model is None or count(model) == 0
