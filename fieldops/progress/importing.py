"""Import of targets from CSV or XLSX, under the employer import's rules: the
whole file is checked first; any bad row means nothing is written, and the
report lists row, column and reason. Reading (encodings, XLSX, formulas) is the
employer import's (fieldops/core/spreadsheet.py `Table`).

Columns, with headers in Vietnamese or English: Mã đơn vị / unit_code (the org
unit's code), Chỉ tiêu / metric, Giá trị / value; Tên đơn vị / unit_name may be
there for the reader and is not used.
"""
from collections import Counter
from decimal import Decimal

import sqlalchemy as sa

from fieldops.core.import_layout import (
    Column, ImportResult, cell_text, checked_rows, formula_message, header_key,
)
from fieldops.core.spreadsheet import Formula
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import units_in_scope
from fieldops.progress.forms import metric_problem, parse_target_value
from fieldops.progress.models import Metric, Target
from fieldops.progress.operations import write_imported

MAX_ROWS = 20_000


COLUMNS = (
    Column("unit_code", "Mã đơn vị", True),
    Column("metric", "Chỉ tiêu", True),
    Column("value", "Giá trị", True),
    Column("unit_name", "Tên đơn vị", False),
)

# What a metric may be called in a file, either language (folded when compared).
METRIC_NAMES = {
    Metric.registered_employer: ["registered_employer", "People registered (employer channel)", "People registered",
                                 "Registered", "Số người đăng ký (khối doanh nghiệp)", "Số người đăng ký",
                                 "Người đăng ký"],
    Metric.coverage_pct: ["coverage_pct", "Coverage (%)", "Coverage", "Tỷ lệ bao phủ (%)", "Tỷ lệ bao phủ",
                          "Độ bao phủ"],
    Metric.employers_full: ["employers_full", "Employers at 100%", "Số đơn vị đạt 100%", "Đơn vị đạt 100%"],
    Metric.visits: ["visits", "Visits made", "Visits", "Số lượt làm việc", "Lượt làm việc", "Số lượt đến đơn vị"],
    Metric.registered_all: ["registered_all", "People registered, all groups", "Registered, all groups",
                            "Số người đăng ký, mọi nhóm đối tượng", "Đã đăng ký, mọi nhóm đối tượng"],
    Metric.new_voluntary_pct: ["new_voluntary_pct", "New voluntary participants registered (%)",
                               "New voluntary participants registered",
                               "Người tham gia BHXH tự nguyện mới đã đăng ký (%)",
                               "Người tham gia BHXH tự nguyện mới đã đăng ký", "Tỷ lệ BHXH tự nguyện mới đã đăng ký"],
    Metric.active_employer: ["active_employer", "People using the app (employer channel)", "Using the app",
                             "Số người sử dụng ứng dụng (khối doanh nghiệp)", "Số người sử dụng ứng dụng"],
    Metric.active_all: ["active_all", "People using the app, all groups", "Using the app, all groups",
                        "Số người sử dụng ứng dụng, mọi nhóm đối tượng", "Sử dụng ứng dụng, mọi nhóm đối tượng"],
}


_METRICS = {header_key(name): metric for metric, names in METRIC_NAMES.items() for name in names}


class Checker:
    def __init__(self, actor, layout, result):
        self.layout, self.result = layout, result
        self.units = {}  # code → OrgUnit or None, looked up once
        self.scope = set(db.session.scalars(units_in_scope(actor.org_unit)))
        self.seen = {}  # (unit id, metric) → first row
        self.cells = ()  # of the row being checked: the values its problems quote

    def _unit(self, code):
        if code not in self.units:
            self.units[code] = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code == code)).first()
        return self.units[code]

    def _error(self, number, name, message):
        value = self.layout.cell(self.cells, name) if name in self.layout.index else None
        self.result.add_error(number, self.layout.label(name), str(message), value)

    def check(self, number, cells):
        layout, before, self.cells = self.layout, self.result.error_count, cells
        code = cell_text(layout.cell(cells, "unit_code"))
        unit = None
        if code is None:
            self._error(number, "unit_code", formula_message())
        elif not code:
            self._error(number, "unit_code", _("Enter the unit code."))
        else:
            unit = self._unit(code.upper())
            if unit is None:
                self._error(number, "unit_code", _("Unknown unit code %(code)s.", code=code))
            elif unit.id not in self.scope:
                self._error(number, "unit_code", _("Unit %(code)s is outside your area.", code=unit.code))
                unit = None
        raw_metric = cell_text(layout.cell(cells, "metric"))
        metric = None
        if raw_metric is None:
            self._error(number, "metric", formula_message())
        elif not raw_metric:
            self._error(number, "metric", _("Enter the metric."))
        else:
            metric = _METRICS.get(header_key(raw_metric))
            if metric is None:
                self._error(number, "metric", _("Unknown metric “%(metric)s”. Use one of: %(metrics)s.",
                                                metric=raw_metric[:60], metrics=", ".join(m.value for m in Metric)))
        raw_value = layout.cell(cells, "value")
        value = None
        if isinstance(raw_value, Formula):
            self._error(number, "value", formula_message())
        elif metric is not None:
            value, problem = parse_target_value(raw_value, metric)
            if problem:
                self._error(number, "value", problem)
        elif raw_value is None or not str(raw_value).strip():
            self._error(number, "value", _("Enter the target value."))
        if unit is not None and metric is not None:
            problem = metric_problem(unit, metric)
            if problem:
                self._error(number, "metric", problem)
            first = self.seen.get((unit.id, metric))
            if first is not None:
                self._error(number, "metric", _("Unit %(code)s has a target for this metric in row %(row)d already.",
                                                code=unit.code, row=first))
            else:
                self.seen[(unit.id, metric)] = number
        if self.result.error_count == before:
            return unit, metric, value
        return None


def import_targets(actor, campaign, fileobj, filename="", *, dry_run=False, progress=None) -> ImportResult:
    """Check the whole file, then (unless `dry_run`, or on any error) write it. Flushes; the caller commits.
    `progress(stage, rows)` is called now and then, stage "checked" or "written"."""
    result = ImportResult(filename=filename or "", dry_run=dry_run)
    good = checked_rows(fileobj, filename, result, COLUMNS, lambda layout: Checker(actor, layout, result), MAX_ROWS,
                        progress)
    if not result.ok:
        return result
    counts = Counter()
    if dry_run:
        _count_dry(campaign, good, counts)
    else:
        write_imported(actor, campaign, good, result.filename, counts)
        if progress:
            progress("written", len(good))
    result.counts = counts
    return result


def _count_dry(campaign, rows, counts):
    stored = {
        (t.org_unit_id, t.metric): Decimal(t.value)
        for t in db.session.scalars(sa.select(Target).where(
            Target.campaign_id == campaign.id, Target.org_unit_id.in_([unit.id for unit, _m, _v in rows])))
    }
    for unit, metric, value in rows:
        before = stored.get((unit.id, metric))
        counts["created" if before is None else "unchanged" if before == value else "updated"] += 1
