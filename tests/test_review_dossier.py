"""The commendation dossier: its PDF (names, titles and figures with their
diacritics, A4, page count, the bundled font only, the code on every page that
verifies), the verification page before and after a record changes, the print
queue, regenerating, and the command line."""
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from fieldops.extensions import db
from fieldops.reviews import nomination_operations, operations
from fieldops.reviews.models import Dossier, DossierStatus
from tests import factories
from tests.review_helpers import audit_actions, flashes, in_english, period_with, rv  # noqa: F401

SCRIPT = '<script>alert(1)</script> <b>đậm</b> 👍 ≥ 100%'


@pytest.fixture
def dossier_world(rv):
    """The Hà Nội interim review, closed, with two officers and a team nominated."""
    titles = factories.award_titles()
    hr = rv["hr"]
    period = period_with(rv, [("registrations_assisted_at_least", "individual", 20),
                              ("coverage_at_least", "collective", 50)])
    operations.close_period(hr, period)
    first = factories.nomination(hr, period, rv["team_officer"], titles["Chiến sĩ thi đua cơ sở"],
                                 narrative="Đồng chí Trần Thị Ngọc Hà đã hướng dẫn toàn bộ người lao động.\n\n"
                                           "Đơn vị Ánh Dương đạt 100% người lao động có tài khoản VssID.")
    second = factories.nomination(hr, period, rv["officer"], titles["Lao động tiên tiến"], narrative=SCRIPT)
    team = factories.nomination(hr, period, rv["org"]["HN-BD-T1"], titles["Tập thể lao động xuất sắc"],
                                narrative="Tổ đã hoàn thành kế hoạch.")
    nomination_operations.endorse(hr, first, "Phạm Minh Tuấn – Trưởng phòng", "")
    nomination_operations.decide(hr, first, True, 7, 0, 1, "<i>nhất trí</i>")
    db.session.commit()
    return rv | {"period": period, "titles": titles, "nominations": (first, second, team)}


def _generate(client, period, unit):
    response = client.post(f"/reviews/{period.id}/dossiers", data={"unit_id": unit.id})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return db.session.scalars(sa.select(Dossier).order_by(Dossier.id.desc())).first()


def _vietnamese(app):
    """What the dossier prints for some of its labels: PDFs are rendered in Vietnamese."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from fieldops.progress.format import figure, pct
    from fieldops.reviews.labels import figure_labels

    with app.test_request_context(), force_locale("vi"):
        labels = figure_labels()
        return {"registrations": str(labels["registrations"]), "visits": str(labels["visits"]),
                "coverage": str(labels["coverage"]) + _(
                    "%(pct)s (%(registered)s of %(insured)s insured, %(employers)s employers)", pct=pct(100.0),
                    registered=figure(50), insured=figure(50), employers=figure(1)),
                "approved": _("Approved")}


def squash(text):
    """Text without its white space: PDF extraction breaks lines inside table cells."""
    return re.sub(r"\s+", "", text)


def _pdf(client, dossier):
    response = client.get(f"/reviews/dossiers/{dossier.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def _page_number(text):
    """What the page prints above its footer (the document's title, the code, its address)."""
    lines = text.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("Mã xác minh")) - 2].strip()


def _fonts(reader):
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return fonts


def test_the_dossier_pdf(dossier_world, client_as):
    client = in_english(client_as("hr"))
    dossier = _generate(client, dossier_world["period"], dossier_world["org"]["HN"])
    reader = _pdf(client, dossier)
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    # Names, titles and figures, Vietnamese intact.
    for expected in ("TỜ TRÌNH", "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG", "BÁO CÁO THÀNH TÍCH", "BIÊN BẢN",
                     "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "Trần Thị Ngọc Hà", dossier_world["officer"].full_name, "Tổ Ba Đình 1",
                     "Chiến sĩ thi đua cơ sở", "Lao động tiên tiến", "Tập thể lao động xuất sắc",
                     "Công ty Ánh Dương", "Phạm Minh Tuấn – Trưởng phòng",
                     "Đơn vị Ánh Dương đạt 100% người lao động có tài khoản VssID."):
        assert squash(expected) in squash(text), expected
    # The figures, with the labels the dossier prints (Vietnamese, as far as the catalogue goes).
    vi = _vietnamese(client.application)
    report = squash(next(p for p in pages if "Ngọc Hà" in p and "Đề nghị tặng Chiến sĩ thi đua" in p))
    assert squash(vi["registrations"]) + "38" in report and squash(vi["visits"]) + "1" in report
    assert squash(vi["coverage"]) in report
    assert "06/2023138" in report  # the month of the visits behind the figures: 1 visit, 38 registrations
    minutes = squash(pages[-1])
    assert "BIÊNBẢN" in minutes and "TrầnThịNgọcHàChiếnsĩthiđuacơsở701" + squash(vi["approved"]) in minutes
    # HTML in a report is printed as text, never as markup; what the font lacks shows as "?".
    assert "<script>alert(1)</script> <b>đậm</b> ? ? 100%" in text
    assert "<i>nhấttrí</i>" in minutes
    # A4 everywhere; one proposal letter, one list, a report per nominee, the minutes.
    assert all((round(float(p.mediabox.width)), round(float(p.mediabox.height))) == (595, 842) for p in reader.pages)
    assert len(reader.pages) == dossier.pages >= 6
    assert sum("BÁO CÁO THÀNH TÍCH" in p for p in pages) == 3
    assert pages[0].count("TỜ TRÌNH") == 1 and "DANH SÁCH ĐỀ NGHỊ" in pages[1]
    # Only the bundled font.
    fonts = _fonts(reader)
    assert fonts and all(f.startswith("FieldOps-Serif") for f in fonts), fonts
    # The code on every page is the dossier's, and it verifies.
    codes = {m for p in pages for m in re.findall(r"Mã xác minh: (\w+)", p)}
    assert codes == {dossier.verification_code}
    assert all(f"Mã xác minh: {dossier.verification_code}" in p for p in pages)
    check = client.get(f"/verify/{dossier.verification_code.lower()}")
    html = check.get_data(as_text=True)
    assert check.status_code == 200 and 'id="verify-result" data-agrees="1"' in html
    assert "Trần Thị Ngọc Hà" in html and dossier.snapshot_sha256 in html
    assert "&lt;script&gt;" not in html or "<script>alert" not in html
    assert audit_actions("dossier", dossier.id) == ["dossier.generate"]


def test_verification_says_which_figure_no_longer_agrees(dossier_world, client_as):
    client = in_english(client_as("hr"))
    dossier = _generate(client, dossier_world["period"], dossier_world["org"]["HN-BD"])
    # A verified visit is corrected in the records (an audit found 5 registrations too many).
    visit = dossier_world["visits"]["a_june"]
    db.session.execute(sa.text("UPDATE visit_line SET newly_registered = newly_registered - 5 WHERE id = "
                               "(SELECT MAX(id) FROM visit_line WHERE visit_id = :v AND newly_registered >= 5)"),
                       {"v": visit.id})
    db.session.commit()
    html = client.get(f"/verify/{dossier.verification_code}").get_data(as_text=True)
    assert 'id="verify-result" data-agrees="0"' in html
    changed = re.findall(r'<li data-figure="(\w+)">([^<]*)</li>', html)
    assert ("registrations", "Trần Thị Ngọc Hà: Registrations assisted") in changed
    # The month table and the employers behind the figure changed with it; nothing else did.
    assert ("months", "Trần Thị Ngọc Hà: Verified visits per month") in changed
    assert {key for key, _name in changed} == {"registrations", "months", "top_employers"}
    assert re.search(r'data-figure="registrations" data-agrees="0">\s*<td>Registrations assisted</td>\s*'
                     r'<td class="num">38</td><td class="num">33</td>', html)
    assert 'data-figure="visits" data-agrees="1"' in html


def test_regenerating_a_closed_review_gives_the_same_figures(dossier_world, client_as):
    from fieldops.visits.operations import verify_visit

    client = in_english(client_as("hr"))
    unit = dossier_world["org"]["HN-BD-T1"]
    first = _generate(client, dossier_world["period"], unit)
    # After closing, a back-dated visit is verified: the closed review does not move.
    verify_visit(dossier_world["supervisor"], dossier_world["visits"]["b_waiting"])
    db.session.commit()
    response = client.post(f"/reviews/dossiers/{first.id}/regenerate")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Dossier.id))) == 1
    assert "stay valid" in " ".join(flashes(client.get(response.location).get_data(as_text=True)))
    # The code already printed still resolves, to its own snapshot.
    assert client.get(f"/verify/{first.verification_code}").status_code == 200
    # A nominee's award decided since is a change: a new version, with its own code.
    second_nomination = dossier_world["nominations"][2]
    from fieldops.reviews import nomination_operations as ops

    ops.endorse(dossier_world["hr"], second_nomination, "Phạm Minh Tuấn", "", justification="Tổ mới thành lập.")
    db.session.commit()
    client.post(f"/reviews/dossiers/{first.id}/regenerate")
    second = db.session.scalars(sa.select(Dossier).order_by(Dossier.id.desc())).first()
    assert second.id != first.id and second.version == 2 and second.verification_code != first.verification_code


def test_print_queue_statuses_download_and_preview(dossier_world, client_as):
    client = in_english(client_as("hr"))
    dossier = factories.dossier_row(dossier_world["hr"], dossier_world["period"], dossier_world["org"]["HN-BD"])
    db.session.commit()
    html = client.get("/reviews/dossiers").get_data(as_text=True)
    assert f'data-dossier="{dossier.id}"' in html and 'data-status="draft"' in html
    # htmx asks for the list only.
    fragment = client.get("/reviews/dossiers?status=draft", headers={"HX-Request": "true", "HX-Target": "dossier-list"})
    assert "<html" not in fragment.get_data(as_text=True) and f'data-dossier="{dossier.id}"' in fragment.get_data(as_text=True)
    assert f'data-dossier="{dossier.id}"' not in client.get("/reviews/dossiers?status=printed").get_data(as_text=True)
    url = f"/reviews/dossiers/{dossier.id}/mark"
    assert client.post(url, data={"status": "printed"}).status_code == 303  # a draft is made final first
    assert client.post(url, data={"status": "final"}).status_code == 302
    assert client.post(url, data={"status": "printed"}).status_code == 302
    db.session.refresh(dossier)
    assert dossier.status == DossierStatus.printed and dossier.printed_at is not None
    response = client.post(url, data={"status": "printed"})
    assert "This cannot be done in the current state." in flashes(client.get(response.location).get_data(as_text=True))
    assert audit_actions("dossier", dossier.id) == ["dossier.final", "dossier.printed"]
    download = client.get(f"/reviews/dossiers/{dossier.id}.pdf")
    assert download.headers["Content-Disposition"] == 'attachment; filename="ho-so-so-ket-HN-BD-2023.pdf"'
    preview = client.get(f"/reviews/dossiers/{dossier.id}/preview")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and preview.mimetype == "text/html"
    assert "BÁO CÁO THÀNH TÍCH" in text.upper() and "Trần Thị Ngọc Hà" in text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert f"Mã xác minh: {dossier.verification_code}" in text


def test_the_verification_detail_is_for_the_dossiers_area_only(dossier_world, client_as):
    dossier = factories.dossier_row(dossier_world["hr"], dossier_world["period"], dossier_world["org"]["HN-BD"])
    db.session.commit()
    mine = client_as("officer").get(f"/verify/{dossier.verification_code}")
    assert mine.status_code == 200 and 'id="verify-technical"' in mine.get_data(as_text=True)
    # Outside the dossier's area: what the paper prints, as for anyone holding it.
    other = client_as("hr", "HT").get(f"/verify/{dossier.verification_code}")
    assert other.status_code == 200 and 'id="verify-technical"' not in other.get_data(as_text=True)
    assert client_as("hr").get("/verify/AAAAAAAAAA").status_code == 404
    assert client_as("hr").get("/verify/" + "x" * 300).status_code == 404


def test_the_command_line_renders_a_dossier(dossier_world, app, tmp_path):
    out = tmp_path / "ho-so.pdf"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["dossier", "render", "--review", "interim", "--unit", "HN-BD-T1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(str(out))
    dossier = db.session.scalars(sa.select(Dossier)).one()
    assert dossier.generated_by_id is None and f"verification code {dossier.verification_code}" in result.output
    assert "Tổ Ba Đình 1" in reader.pages[0].extract_text() and len(reader.pages) == dossier.pages
    assert dossier.snapshot["unit"]["code"] == "HN-BD-T1" and len(dossier.snapshot["nominees"]) == 2
    bad = runner.invoke(args=["dossier", "render", "--review", "interim", "--unit", "XX", "--out", str(out)])
    assert bad.exit_code != 0 and "no unit" in bad.output
    none = runner.invoke(args=["dossier", "render", "--review", "final", "--unit", "HN", "--out", str(out)])
    assert none.exit_code != 0 and "no final review" in none.output


def test_a_large_dossier_goes_through_the_worker(dossier_world, client_as, app):
    client = in_english(client_as("hr"))
    app.config["DOSSIER_INLINE_MAX"] = 1
    try:
        response = client.post(f"/reviews/{dossier_world['period'].id}/dossiers",
                               data={"unit_id": dossier_world["org"]["HN-BD"].id})
    finally:
        app.config["DOSSIER_INLINE_MAX"] = 25
    assert response.status_code == 302 and "/jobs/" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert 'data-state="queued"' in page and 'hx-trigger="every 2s"' in page
    assert db.session.scalar(sa.select(sa.func.count(Dossier.id))) == 0
    result = app.test_cli_runner().invoke(args=["jobs", "work", "--once"])
    assert result.exit_code == 0 and ": done" in result.output, result.output
    fragment = client.get(response.location, headers={"HX-Request": "true",
                                                      "HX-Target": "job-" + response.location.rsplit("/", 1)[1]})
    text = fragment.get_data(as_text=True)
    assert 'data-state="done"' in text and "hx-trigger" not in text and "<html" not in text
    dossier = db.session.scalars(sa.select(Dossier)).one()
    assert f"/reviews/dossiers/{dossier.id}.pdf" in text and dossier.nominees == 3


def test_a_dossier_has_a_bounded_number_of_nominees(dossier_world, client_as, app):
    client = in_english(client_as("hr"))
    app.config["DOSSIER_MAX_NOMINEES"] = 2
    try:
        response = client.post(f"/reviews/{dossier_world['period'].id}/dossiers",
                               data={"unit_id": dossier_world["org"]["HN"].id})
    finally:
        app.config["DOSSIER_MAX_NOMINEES"] = 250
    assert response.status_code == 303
    assert "A dossier holds at most 2 nominees: generate one for each unit below." in flashes(
        client.get(response.location).get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count(Dossier.id))) == 0


def test_a_long_dossier_laid_out_in_parts_prints_the_same_pages(dossier_world, client_as, app):
    """Past DOSSIER_SPLIT_MIN nominees, the dossier is laid out in parts by forked
    processes and joined: the same pages, numbered on from part to part, the code
    on every one."""
    from fieldops.reviews.dossier import render
    from fieldops.timeutil import to_local

    client = in_english(client_as("hr"))
    # Three parts (a report each) in two processes: the first also lays out the third.
    app.config.update(DOSSIER_SPLIT_MIN=1, DOSSIER_PART_NOMINEES=1, DOSSIER_RENDER_PROCESSES=2)
    try:
        dossier = _generate(client, dossier_world["period"], dossier_world["org"]["HN"])
        app.config["DOSSIER_SPLIT_MIN"] = 1000
        whole, whole_pages = render(dossier.snapshot, dossier.verification_code,
                                    to_local(dossier.generated_at).date())
    finally:
        for key in ("DOSSIER_SPLIT_MIN", "DOSSIER_PART_NOMINEES", "DOSSIER_RENDER_PROCESSES"):
            app.config.pop(key)
    pages = [page.extract_text() for page in _pdf(client, dossier).pages]
    assert len(pages) == dossier.pages == whole_pages >= 6
    assert pages == [page.extract_text() for page in PdfReader(io.BytesIO(whole)).pages]
    # No number on the first page; every other page its own (printed last but the
    # footer line), the pages of the later parts included.
    numbers = [_page_number(page) for page in pages]
    assert not numbers[0].isdigit() and numbers[1:] == [str(i) for i in range(2, len(pages) + 1)]
    assert all(f"Mã xác minh: {dossier.verification_code}" in page for page in pages)
    assert sum("BÁO CÁO THÀNH TÍCH" in page for page in pages) == 3 and "BIÊN BẢN" in pages[-1]
