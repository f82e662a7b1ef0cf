"""The dossier on paper: a closed review prints only what was frozen when it
closed, and regenerating gives the same document; every page carries its code's
full address and QR code; anyone holding the paper checks it without an account
and sees only what the paper prints; every document is in the official layout."""
import io
import re
import time

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from fieldops.extensions import db
from fieldops.reviews import nomination_operations, operations
from fieldops.reviews.models import Dossier
from fieldops.reviews.paper import VerifyAttempt
from tests import factories
from tests.review_helpers import at, counts, error_beside, flashes, in_english, period_with, rv  # noqa: F401

PUBLIC_URL = "https://fieldops.example.vn"
SCRIPT = '<script>alert(1)</script>'


@pytest.fixture
def paper(rv, app):
    """The Hà Nội interim review, closed; Ngọc Hà approved, officer.hn endorsed with a
    justification, the team proposed; Ba Đình's signer and the council's meeting recorded."""
    from datetime import date

    from fieldops.reviews.award_operations import record_council
    from fieldops.reviews.paper import set_signer

    app.config["FIELDOPS_PUBLIC_URL"] = PUBLIC_URL
    titles = factories.award_titles()
    hr = rv["hr"]
    period = period_with(rv, [("registrations_assisted_at_least", "individual", 20)])
    operations.close_period(hr, period)
    first = factories.nomination(hr, period, rv["team_officer"], titles["Chiến sĩ thi đua cơ sở"],
                                 narrative="Đồng chí đã hướng dẫn toàn bộ người lao động của Ánh Dương.")
    second = factories.nomination(hr, period, rv["officer"], titles["Lao động tiên tiến"],
                                  narrative="Báo cáo riêng của cán bộ: không in ra ngoài hồ sơ.")
    team = factories.nomination(hr, period, rv["org"]["HN-BD-T1"], titles["Tập thể lao động xuất sắc"])
    nomination_operations.endorse(hr, first, "Phạm Minh Tuấn", "")
    nomination_operations.decide(hr, first, True, 7, 0, 1, "Ghi chú nội bộ của hội đồng")
    nomination_operations.endorse(hr, second, "Phạm Minh Tuấn", "", justification="Địa bàn khó khăn, " + SCRIPT)
    admin = rv["users"]["HN"]["admin"]
    set_signer(admin, rv["org"]["HN-BD"], "Giám đốc", "Nguyễn Văn Ký", "- Như trên;\n- BHXH Hà Nội;\n- Lưu: VT.")
    set_signer(admin, rv["org"]["HN-BD-T1"], "Tổ trưởng", "Lê Văn Tổ", "")
    record_council(hr, period, at(date(2023, 7, 20), 2), "Phòng họp tầng 3, BHXH Hà Nội", "Đỗ Chủ Tịch",
                   "Vũ Thư Ký", "Đỗ Chủ Tịch – Chủ tịch\nVũ Thư Ký – Thư ký\nNgô Ủy Viên – Ủy viên")
    db.session.commit()
    yield rv | {"period": period, "titles": titles, "nominations": (first, second, team)}
    app.config["FIELDOPS_PUBLIC_URL"] = "http://localhost:5000"


def _generate(client, period, unit):
    response = client.post(f"/reviews/{period.id}/dossiers", data={"unit_id": unit.id})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return db.session.scalars(sa.select(Dossier).order_by(Dossier.id.desc())).first()


def _pdf_pages(client, dossier):
    response = client.get(f"/reviews/dossiers/{dossier.id}.pdf")
    assert response.status_code == 200
    return response, [page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages]


def squash(text):
    return re.sub(r"\s+", "", text)


def test_a_closed_reviews_dossier_prints_only_what_was_frozen(paper, client_as):
    from fieldops.reviews.dossier import build_snapshot, render
    from fieldops.timeutil import to_local

    client = in_english(client_as("hr"))
    unit = paper["org"]["HN-BD"]
    # A unit nobody is set to sign for: HR is told.
    response = client.post(f"/reviews/{paper['period'].id}/dossiers", data={"unit_id": paper["org"]["HN-CG"].id})
    assert any("No one is set to sign the documents of BHXH quận Cầu Giấy" in f
               for f in flashes(client.get(response.location).get_data(as_text=True)))
    dossier = _generate(client, paper["period"], unit)
    _response, first_pages = _pdf_pages(client, dossier)
    text = squash("".join(first_pages))
    assert "06/2023138" in text  # Ngọc Hà's month: 1 visit, 38 registrations
    # After closing, the records change: a line of a verified visit is corrected (5 fewer
    # registrations), the employer behind it is renamed, a waiting visit is verified.
    from fieldops.visits.operations import verify_visit

    visit = paper["visits"]["a_june"]
    db.session.execute(sa.text("UPDATE visit_line SET newly_registered = newly_registered - 5 WHERE id = "
                               "(SELECT MAX(id) FROM visit_line WHERE visit_id = :v AND newly_registered >= 5)"),
                       {"v": visit.id})
    paper["a"].name = "Công ty Ánh Dương (đổi tên)"
    verify_visit(paper["supervisor"], paper["visits"]["b_waiting"])
    db.session.commit()
    # Regenerating: the same document under the same code.
    response = client.post(f"/reviews/dossiers/{dossier.id}/regenerate")
    assert response.status_code == 302 and db.session.scalar(
        sa.select(sa.func.count(Dossier.id)).where(Dossier.org_unit_id == unit.id)) == 1
    # What regenerating prints, laid out again from today's records: the same text, page by page.
    snapshot = build_snapshot(paper["period"], unit)
    assert snapshot == dossier.snapshot
    pdf, _pages = render(snapshot, dossier.verification_code, to_local(dossier.generated_at).date())
    assert [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages] == first_pages
    assert "đổi tên" not in "".join(first_pages)
    # The verification page lists what changed in the records since.
    html = client.get(f"/verify/{dossier.verification_code}").get_data(as_text=True)
    assert 'id="verify-result" data-agrees="0"' in html
    changed = set(re.findall(r'<li data-figure="(\w+)">([^<]*)</li>', html))
    assert {("registrations", "Trần Thị Ngọc Hà: Registrations assisted"),
            ("months", "Trần Thị Ngọc Hà: Verified visits per month"),
            ("top_employers", "Trần Thị Ngọc Hà: Employers behind the figures")} <= changed


def test_every_page_carries_its_address_and_qr_code_and_every_document_the_official_layout(paper, client_as):
    import pypdfium2
    import zxingcpp

    client = in_english(client_as("hr"))
    dossier = _generate(client, paper["period"], paper["org"]["HN-BD"])
    response, pages = _pdf_pages(client, dossier)
    url = f"{PUBLIC_URL}/verify/{dossier.verification_code}"
    assert all(f"Kiểm tra tại: {url}" in page for page in pages)
    document = pypdfium2.PdfDocument(response.data)
    for number in range(len(document)):
        image = document[number].render(scale=150 / 72).to_pil()
        assert [code.text for code in zxingcpp.read_barcodes(image)] == [url], number
    # The file name, in Vietnamese.
    assert response.headers["Content-Disposition"] == 'attachment; filename="ho-so-so-ket-HN-BD-2023.pdf"'
    # Each document starts with the issuing body and the national motto, and ends with a named signature.
    text = "\n".join(pages)
    documents = text.split("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")[1:]
    assert len(documents) == 1 + 1 + 3 + 1  # the letter, the list, three reports, the minutes
    letter, listing, *reports, minutes = [squash(d) for d in documents]
    assert all("Độclập-Tựdo-Hạnhphúc" in d and "ngày" in d for d in (letter, listing, *reports, minutes))
    # Numbered: the letter, the list and the minutes (the number is written in when the paper is registered).
    assert [m for m in re.findall(r"Số:\s*(/\S+)", text)] == ["/TTr-HN-BD", "/DS-HN-BD", "/BB-HĐTĐKT"]
    assert "TỜTRÌNH" in letter and "Nơinhận:" in letter and "-BHXHHàNội;" in letter
    assert "GIÁMĐỐC" in letter and "NguyễnVănKý" in letter
    assert "DANHSÁCHĐỀNGHỊ" in listing and "NGƯỜILẬPBIỂU" in listing and "NguyễnVănKý" in listing
    assert "BÁOCÁOTHÀNHTÍCH" in reports[0]
    assert any("PhạmMinhTuấn" in r and "TrầnThịNgọcHà" in r for r in reports)
    assert any("LêVănTổ" in r for r in reports)  # the team's head, from its settings
    assert "BIÊNBẢN" in minutes and "09giờ00,ngày20tháng07năm2023" in minutes
    assert "PhònghọptầngBHXHHàNội".replace("tầng", "tầng3,") in minutes
    assert "NgôỦyViên" in minutes and "ĐỗChủTịch" in minutes and "VũThưKý" in minutes
    # The justification is printed in the list, as text.
    assert "<script>alert(1)</script>" in text and squash("Địa bàn khó khăn") in listing
    # Every column headed.
    preview = client.get(f"/reviews/dossiers/{dossier.id}/preview").get_data(as_text=True)
    assert "<th></th>" not in preview and "<script>alert(1)</script>" not in preview


def test_an_admin_sets_who_signs_a_units_documents(paper, client_as):
    client = in_english(client_as("admin"))
    url = f"/reviews/signers/{paper['org']['HN-CG'].id}"
    assert client.get(url).status_code == 200
    before = counts()
    page = client.post(url, data={"title": "Giám đốc", "full_name": "  "})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "full_name") == (
        "Give the signer's full name.")
    page = client.post(url, data={"title": "Giám đốc", "full_name": "x" * 121})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "full_name")
    assert counts() == before
    assert client.post(url, data={"title": SCRIPT, "full_name": "Hồ Văn Cầu"}).status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "Hồ Văn Cầu" in html and SCRIPT not in html
    assert in_english(client_as("admin", "HT")).get(url).status_code == 404


def test_anyone_holding_the_paper_sees_only_what_it_prints(paper, client):
    dossier = factories.dossier_row(paper["hr"], paper["period"], paper["org"]["HN-BD"])
    db.session.commit()
    client = in_english(client)
    form = client.get("/verify")
    assert form.status_code == 200 and 'id="verify-code-form"' in form.get_data(as_text=True)
    typed = client.get("/verify", query_string={"code": " " + dossier.verification_code.lower()[:5] + "-"
                                                + dossier.verification_code.lower()[5:]})
    assert typed.status_code == 302 and typed.location.endswith(f"/verify/{dossier.verification_code}")
    page = client.get(typed.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="verify-result" data-agrees="1"' in html
    # What the paper prints: the unit, the review, each nominee's name, title and figures, the justification.
    for printed in ("Trần Thị Ngọc Hà", "Chiến sĩ thi đua cơ sở", "Tổ Ba Đình 1", paper["officer"].full_name,
                    "Registrations assisted", "HN-BD", "Địa bàn khó khăn"):
        assert printed in html, printed
    assert "<script>alert(1)</script>" not in html
    # Nothing else of the snapshot: no report, endorser, council note, people who generated it, hash, ids.
    for secret in ("Báo cáo riêng của cán bộ", "Phạm Minh Tuấn", "Ghi chú nội bộ", paper["hr"].full_name,
                   dossier.snapshot_sha256, "verify-technical", "nomination_id", "subject_id", "Ánh Dương"):
        assert secret not in html, secret


def test_wrong_codes_are_answered_alike_and_guessing_is_throttled(paper, client, app):
    dossier = factories.dossier_row(paper["hr"], paper["period"], paper["org"]["HN-BD"])
    db.session.commit()
    client = in_english(client)
    odd = ["AAAAAAAAAA", "kw5y-ujja", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "' OR 1=1 --", "ĐĐĐĐ", "a/b/c",
           "x" * 5000, "%00"]
    for code in odd:
        page = client.get(f"/verify/{code}")
        html = page.get_data(as_text=True)
        assert page.status_code == 404 and 'id="verify-unknown"' in html, code
        assert "<script>alert" not in html
    # Past the limit, every code from that address is refused, the right one too.
    app.config["VERIFY_FAILURE_LIMIT"] = 20
    started = time.monotonic()
    statuses = [client.get(f"/verify/WRONG{n:05d}").status_code for n in range(300)]
    elapsed = time.monotonic() - started
    assert statuses.count(404) == 20 - len(odd) and statuses.count(429) == 300 - (20 - len(odd))
    throttled = client.get(f"/verify/{dossier.verification_code}")
    assert throttled.status_code == 429 and 'id="verify-throttled"' in throttled.get_data(as_text=True)
    # The database keeps one row per counted guess, not one per request.
    assert db.session.scalar(sa.select(sa.func.count(VerifyAttempt.id))) == 20
    # Another address is not held up.
    other = client.get(f"/verify/{dossier.verification_code}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
    assert elapsed < 30, elapsed
