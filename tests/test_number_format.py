"""One number format per language (fieldops/core/numbers.py): Vietnamese 1.234.567
and 78,3%; English 1,234,567 and 78.3%; in pages, charts and PDFs alike. A printed
document is Vietnamese, so its numbers are too, whoever prints it."""
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from fieldops.auth.models import Role
from fieldops.core.numbers import exact, figure, pct
from fieldops.extensions import db
from fieldops.progress.charts import line_chart
from tests import factories
from tests.conftest import sign_in
from tests.visit_helpers import in_english


@pytest.mark.parametrize("language, shown", [
    ("vi", ["1.234.567", "78,3%", "99,9%", "100,0%", "62,5", "—", "97,25", "-1.200"]),
    ("en", ["1,234,567", "78.3%", "99.9%", "100.0%", "62.5", "—", "97.25", "-1,200"]),
])
def test_one_format_per_language(app, language, shown):
    with app.test_request_context(), force_locale(language):
        assert [figure(1234567), pct(78.26), pct(99.96), pct(100.0), figure(62.5), pct(None),
                exact(Decimal("97.25")), exact("-1200")] == shown


def test_outside_a_request_numbers_are_vietnamese(app):
    with app.app_context():
        assert (figure(1234567), pct(Decimal("78.26"))) == ("1.234.567", "78,3%")


@pytest.fixture
def world(org, users):
    factories.campaign()
    employer = factories.employer(org["HN-BD"], name="Công ty TNHH Hồng Hà", departments=[("Văn phòng", 1234)])
    factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 6, 1),
                    figures={"Văn phòng": (1234, 967, 500, 10)})  # coverage 78,36…%
    leader = factories.user(org["HN"], Role.viewer)
    db.session.commit()
    return {"employer": employer, "org": org, "leader": leader, "users": users}


def _client(app, user, language):
    client = sign_in(app.test_client(), user)
    return in_english(client) if language == "en" else client


NUMBERS = {"vi": ("1.234", "78,4%", "78.4%"), "en": ("1,234", "78.4%", "78,4%")}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_page_writes_numbers_in_its_language(app, world, language):
    thousands, percent, other = NUMBERS[language]
    page = _client(app, world["users"]["HN"]["officer"], language).get(
        f"/employers/{world['employer'].id}").get_data(as_text=True)
    assert thousands in page and percent in page and other not in page


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_chart_labels_and_its_table_write_numbers_in_their_language(app, world, language):
    thousands, percent, other = NUMBERS[language]
    page = _client(app, world["leader"], language).get(
        f"/progress/units/{world['org']['HN'].id}?period=2023-06").get_data(as_text=True)
    chart = re.search(r'<figure class="pg-chart" id="chart-coverage">(.*?)</figure>', page, re.S).group(1)
    svg, table = chart.split("</svg>", 1)
    assert re.search(rf">{re.escape(percent)}</text>", svg), "the point's label"
    assert percent in svg.split("<desc>")[1].split("</desc>")[0], "the chart's description"
    assert thousands in table and percent in table and other not in chart
    with app.test_request_context(), force_locale(language):
        labels = line_chart([("T6", 78.36)], title="x", y_max=100)
    assert f">{percent}</text>" in labels and f"T6: {percent}" in labels


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_printed_report_writes_vietnamese_numbers_whoever_prints_it(app, world, language):
    response = _client(app, world["leader"], language).get(
        f"/progress/units/{world['org']['HN'].id}/report?period=2023-06")
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "1.234" in text and "78,4%" in text
    assert "1,234" not in text and "78.4%" not in text


@pytest.mark.parametrize("language, label", [("vi", "Tỷ lệ bao phủ"), ("en", "Coverage")])
def test_a_coverage_cell_shows_its_percentage_and_a_bar_named_by_it(app, world, language, label):
    percent = NUMBERS[language][1]
    empty = factories.employer(world["org"]["HN-BD"], name="Công ty Không Người", departments=[("Kho", 0)])
    db.session.commit()
    client = _client(app, world["users"]["HN"]["officer"], language)
    for employer, shown, width in ((world["employer"], percent, "78%"), (empty, "—", "0%")):
        page = client.get(f"/employers/{employer.id}").get_data(as_text=True)
        cells = re.findall(r'<td class="coverage-cell">(.*?)</td>', page, re.S)
        assert len(cells) == 2, "the department's row and the employer's total"
        for cell in cells:
            assert cell.startswith(f"{shown} <span class=\"coverage")
            assert f'aria-label="{label} {shown}"' in cell and f'width="{width}"' in cell
