"""The shared PDF layout: A4, bundled font only, Vietnamese intact, page numbers from page 2."""
import io
from datetime import date

import pytest
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader

from fieldops.core.pdf import check_plain, render_pdf

SAMPLE = """{% extends "pdf/base.html" %}
{% block body %}
{% include "pdf/_motto.html" %}
<h1>Báo cáo thử nghiệm</h1>
<p>Người được đề nghị: {{ name }}</p>
{% for i in range(pages * 45) %}<p class="plain">Dòng {{ i }}: ư ạ ộ ữ Đặng Thị Ngọc Ánh</p>{% endfor %}
{% endblock %}"""


@pytest.fixture
def sample_template(app):
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({"pdf/_sample.html": SAMPLE}), original])
    yield "pdf/_sample.html"
    app.jinja_env.loader = original


def _render(template, **values):
    header = {"agency_parent": "Bảo hiểm xã hội Việt Nam", "agency_name": "Bảo hiểm xã hội tỉnh Hà Tĩnh",
              "doc_number": "12/TTr-BHXH", "place": "Hà Tĩnh", "date": date(2023, 7, 15)}
    return PdfReader(io.BytesIO(render_pdf(template, header=header, verification_code="AB12-CD34", **values)))


def test_pdf_is_a4_with_vietnamese_text_and_the_motto(sample_template):
    reader = _render(sample_template, name="Nguyễn Thị Ngọc Ánh", pages=1)
    first = reader.pages[0]
    assert (round(float(first.mediabox.width)), round(float(first.mediabox.height))) == (595, 842)
    text = first.extract_text()
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Nguyễn Thị Ngọc Ánh",
                     "Hà Tĩnh, ngày 15 tháng 07 năm 2023", "Số: 12/TTr-BHXH", "ư ạ ộ ữ"):
        assert expected in text


def test_only_the_bundled_font_is_embedded(sample_template):
    reader = _render(sample_template, name="Ánh", pages=2)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    # WeasyPrint names an embedded font after its @font-face family; a system font
    # standing in for a missing glyph would appear under its own name.
    assert fonts and all(f.startswith("FieldOps-Serif") for f in fonts), fonts


def test_page_numbers_start_on_page_two_and_the_code_is_on_every_page(sample_template):
    reader = _render(sample_template, name="Ánh", pages=3)
    assert len(reader.pages) >= 3
    for number, page in enumerate(reader.pages, start=1):
        lines = [line.strip() for line in page.extract_text().splitlines()]
        assert any("Mã xác minh: AB12-CD34" in line for line in lines)
        assert (str(number) in lines) == (number > 1), (number, lines[:3])


def test_pdfs_render_from_plain_values_only():
    check_plain({"rows": [{"name": "Ánh", "on": date(2023, 1, 1), "n": 3}]})

    class Row:
        pass

    with pytest.raises(TypeError, match="plain values"):
        check_plain({"rows": [Row()]})


def _numbered(body):
    return f"<style>@page {{ @top-center {{ content: counter(page); }} }}</style>{body}"


def test_a_document_in_parts_numbers_its_pages_on_from_part_to_part():
    from fieldops.core.pdf import write_pdf_parts

    parts = [_numbered("<p>a</p><p style='page-break-before: always'>b</p>"),
             _numbered("<p>c</p><p style='page-break-before: always'>d</p>"), _numbered("<p>e</p>")]
    for processes in (1, 2):
        pdf, pages = write_pdf_parts(parts, processes)
        texts = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
        assert pages == 5 and texts == ["a 1", "b 2", "c 3", "d 4", "e 5"]


def test_a_part_that_cannot_be_laid_out_fails_the_document(monkeypatch, tmp_path):
    import tempfile

    from fieldops.core import pdf

    layout = pdf._layout

    def failing(html):
        if "broken" in html:
            raise ValueError("a part that cannot be laid out")
        return layout(html)

    monkeypatch.setattr(pdf, "_layout", failing)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(RuntimeError, match="could not be laid out"):
        pdf.write_pdf_parts([_numbered("<p>a</p>"), _numbered("<p>broken</p>"), _numbered("<p>c</p>")], 2)
    assert list(tmp_path.iterdir()) == []  # the parts' temporary files are gone
