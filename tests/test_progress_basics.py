import re
from datetime import date

import pytest

from fieldops.progress.charts import category_bars, line_chart, target_bars
from fieldops.progress.periods import PeriodError, parse_period


class Campaign:
    counts_from, starts_on, ends_on = date(2023, 1, 1), date(2023, 5, 5), date(2023, 12, 31)


TODAY = date(2023, 10, 20)


@pytest.mark.parametrize(
    "text, kind, start, end",
    [
        ("2023-09", "month", date(2023, 9, 1), date(2023, 9, 30)),
        ("2023-02", "month", date(2023, 2, 1), date(2023, 2, 28)),
        ("2023-Q3", "quarter", date(2023, 7, 1), date(2023, 9, 30)),
        ("2023-q4", "quarter", date(2023, 10, 1), date(2023, 12, 31)),
        ("2023", "year", date(2023, 1, 1), date(2023, 12, 31)),
        ("campaign", "campaign", date(2023, 1, 1), date(2023, 12, 31)),
        ("2023-09-15", "day", date(2023, 1, 1), date(2023, 9, 15)),
    ],
)
def test_periods(app, text, kind, start, end):
    period = parse_period(text, Campaign, TODAY)
    assert (period.kind, period.start, period.end) == (kind, start, end)


def test_running_period_is_taken_as_of_today(app):
    assert parse_period("2023-Q4", Campaign, TODAY).as_of(TODAY) == TODAY
    assert parse_period("2023-Q3", Campaign, TODAY).month_ends(TODAY) == [
        date(2023, 7, 31), date(2023, 8, 31), date(2023, 9, 30)]
    assert parse_period("2023-10", Campaign, TODAY).month_ends(TODAY) == [TODAY]


@pytest.mark.parametrize(
    "text, message",
    [
        ("2023-13", "is not a real date or month"),
        ("2023-02-30", "is not a real date or month"),
        ("2022-12", "outside the campaign"),
        ("2024", "outside the campaign"),
        ("2022-12-31", "outside the campaign"),
        ("2023-11", "has not started yet"),
        ("next week", "is not a period"),
        ("<script>", "is not a period"),
        ("9" * 5000, "is not a period"),
    ],
)
def test_bad_periods_are_refused_clearly(app, text, message):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"), pytest.raises(PeriodError, match=message):
        parse_period(text, Campaign, TODAY)


def test_line_chart_is_svg_with_its_numbers_as_text():
    svg = line_chart([("T1", 50.0), ("T2", 62.5), ("T3", None)], title="Độ bao phủ <theo tháng>", y_max=100)
    assert svg.startswith("<svg") and "Độ bao phủ &lt;theo tháng&gt;" in svg
    assert "T2: 62,5%" in svg and "T3: —" in svg  # as every table prints it
    assert "<script" not in svg


@pytest.mark.parametrize("values", [[1, 2], [3, 7, 5], [46, 11], [2589, 1200, None], [9, 12345]])
def test_a_count_charts_axis_ticks_are_whole_numbers(values):
    svg = line_chart([(f"T{i}", v) for i, v in enumerate(values)], title="Lượt", unit="", expected=[v and v + 1 for v in values])
    ticks = re.findall(r'text-anchor="end"[^>]*>([^<]+)</text>', svg)
    assert len(ticks) == 5 and ticks[-1] == "0"
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*", t) for t in ticks), ticks
    top = int(ticks[0].replace(".", ""))
    assert max(v for v in values if v) + 1 <= top < 2 * (max(v for v in values if v) + 1) + 4


def test_a_percentage_charts_ticks_may_keep_decimals():
    svg = line_chart([("T1", 10.0)], title="Độ bao phủ", y_max=50)
    assert "12,5%" in re.findall(r'text-anchor="end"[^>]*>([^<]+)</text>', svg)


def test_bar_charts_escape_labels():
    svg = target_bars([("<b>HN-BD</b>", 100, 80), ("HN-CG", None, 20)], title="Mục tiêu")
    assert "&lt;b&gt;HN-BD&lt;/b&gt;: 80 / 100" in svg
    assert "HN-CG: 20 / —" in svg
    assert "OTP: 1.234" in category_bars([("OTP", 1234)], title="Vướng mắc")
