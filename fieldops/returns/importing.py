"""Import of group returns from CSV or XLSX, under the other imports' rules: the
whole file is checked first, each row as the form checks it (the operations'
rules); any bad row means nothing is written, and the report lists row, column
and reason. Reading (encodings, XLSX, formulas) is `fieldops/core/spreadsheet.py`.

Columns, with headers in Vietnamese or English: Mã quận huyện / district_code,
Nhóm / group, Tháng / month (2023-09 or 09/2023), then the four counts, and
optionally Số người đang sử dụng ứng dụng / using (a blank cell or no such
column: not known). A return already filed with the same figures is left as it
is (a blank `using` says nothing against the one filed); with other figures the
row is refused (open the return to change or correct it).
"""
from collections import Counter
from datetime import date, datetime

import sqlalchemy as sa

from fieldops.campaigns.models import ParticipantGroup
from fieldops.core.import_layout import (
    Column, ImportResult, cell_text, checked_rows, formula_message, header_key,
)
from fieldops.core.spreadsheet import Formula
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import within
from fieldops.returns import operations
from fieldops.returns.forms import parse_month
from fieldops.returns.models import FIGURES, RETURN_GROUPS, GroupReturn
from fieldops.timeutil import local_today
from fieldops.visits.forms import parse_count

MAX_ROWS = 20_000


COLUMNS = (
    Column("district_code", "Mã quận huyện", True),
    Column("group", "Nhóm", True),
    Column("month", "Tháng", True),
    Column("participants", "Số người tham gia", True),
    Column("registered", "Số người đã đăng ký", True),
    Column("new_participants", "Số người tham gia mới", True),
    Column("new_registered", "Số người mới đã đăng ký", True),
    Column("using", "Số người đang sử dụng ứng dụng", False),
)

# What a group may be called in a file, either language (folded when compared).
GROUP_NAMES = {
    ParticipantGroup.voluntary: ["voluntary", "Voluntary social insurance", "BHXH tự nguyện"],
    ParticipantGroup.household: ["household", "Household health insurance", "BHYT hộ gia đình"],
    ParticipantGroup.students: ["students", "Students", "Học sinh, sinh viên", "Học sinh sinh viên"],
    ParticipantGroup.other: ["other", "Other state-supported groups", "Nhóm khác được ngân sách nhà nước hỗ trợ",
                             "Nhóm khác"],
}


_GROUPS = {header_key(name): group for group, names in GROUP_NAMES.items() for name in names}


class Checker:
    """Every row checked as the form checks it, and against the rows before it and the returns filed."""

    def __init__(self, actor, layout, result, today):
        self.actor, self.layout, self.result, self.today = actor, layout, result, today
        self.districts = {}  # code → OrgUnit or None, looked up once
        self.seen = {}  # (district id, group, month) → first row
        self.months = {}  # (month, group) → its ReturnError or None, checked once (a query each)
        self.cells = ()  # of the row being checked: the values its problems quote

    def _district(self, code):
        if code not in self.districts:
            self.districts[code] = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code == code)).first()
        return self.districts[code]

    def _error(self, number, name, message):
        value = self.layout.cell(self.cells, name) if name in self.layout.index else None
        self.result.add_error(number, self.layout.label(name), str(message), value)

    def _check_district(self, number, cells):
        code = cell_text(self.layout.cell(cells, "district_code"))
        if code is None:
            return self._error(number, "district_code", formula_message())
        if not code:
            return self._error(number, "district_code", _("Enter the district code."))
        district = self._district(code.upper()[:60])
        if district is None:
            return self._error(number, "district_code", _("Unknown district code %(code)s.", code=code[:60]))
        if not within(district, self.actor.org_unit):
            return self._error(number, "district_code", _("District %(code)s is outside your area.",
                                                          code=district.code))
        if district.level != UnitLevel.district:
            return self._error(number, "district_code", _("%(code)s is not a district: returns are filed by a "
                                                          "district.", code=district.code))
        if not GroupReturn.can_import(self.actor, district):
            return self._error(number, "district_code", _("You may not file returns for %(code)s.",
                                                          code=district.code))
        return district

    def _check_group(self, number, cells):
        raw = cell_text(self.layout.cell(cells, "group"))
        if raw is None:
            return self._error(number, "group", formula_message())
        if not raw:
            return self._error(number, "group", _("Enter the group."))
        group = _GROUPS.get(header_key(raw))
        if group is None:
            return self._error(number, "group", _("Unknown group “%(group)s”. Use one of: %(groups)s.",
                                                  group=raw[:60], groups=", ".join(RETURN_GROUPS)))
        return group

    def _check_month(self, number, cells):
        raw = self.layout.cell(cells, "month")
        if isinstance(raw, Formula):
            return self._error(number, "month", formula_message())
        if isinstance(raw, (date, datetime)):  # a spreadsheet may turn 2023-09 into a date
            return date(raw.year, raw.month, 1)
        month, problem = parse_month(cell_text(raw)[:20])
        if problem:
            return self._error(number, "month", problem)
        return month

    def _check_counts(self, number, cells):
        values, failed = {}, False
        for name in FIGURES:
            # Those using the app may be left out (the column, or the cell): not known.
            optional = name == "using"
            raw = self.layout.cell(cells, name) if name in self.layout.index else None
            if isinstance(raw, Formula):
                self._error(number, name, formula_message())
                failed = True
                continue
            if isinstance(raw, float):
                raw = int(raw) if raw.is_integer() else repr(raw)
            text = cell_text(raw)[:40]
            if optional and not text:
                values[name] = None
                continue
            values[name], problem = parse_count(text)
            if problem:
                self._error(number, name, problem)
                failed = True
        if failed:
            return None
        figures = operations.Figures(**values)
        try:
            operations.check_figures(figures)
        except operations.ReturnError as error:
            return self._error(number, error.field, error.message)
        return figures

    def check(self, number, cells):
        """(district, group, month, figures, existing return or None) when the row is good, else None."""
        before, self.cells = self.result.error_count, cells
        district = self._check_district(number, cells)
        group = self._check_group(number, cells)
        month = self._check_month(number, cells)
        figures = self._check_counts(number, cells)
        if group is not None and month is not None:
            if (month, group) not in self.months:
                try:
                    operations.check_month(month, group, self.today)
                    self.months[month, group] = None
                except operations.ReturnError as error:
                    self.months[month, group] = error
            error = self.months[month, group]
            if error is not None:
                self._error(number, "group" if error.field == "participant_group" else "month", error.message)
                month = None
        existing = None
        if district is not None and group is not None and month is not None:
            first = self.seen.setdefault((district.id, group, month), number)
            if first != number:
                self._error(number, "month", _("Row %(row)d has a return for this district, group and month "
                                               "already.", row=first))
            existing = operations.find_return(district.id, group, month)
            if existing is not None and figures is not None and not _same(existing, figures):
                self._error(number, "month", _(
                    "The return of %(code)s for this group and month is locked: a supervisor may correct it, with a "
                    "reason.", code=district.code) if existing.is_locked else _(
                    "The return of %(code)s for this group and month has been filed already with other figures: "
                    "open it to change it.", code=district.code))
        if self.result.error_count == before:
            return district, group, month, figures, existing
        return None


def _same(existing, figures) -> bool:
    wanted = figures.as_dict()
    if figures.using is None:
        wanted["using"] = existing.using
    return existing.figures == wanted


def import_returns(actor, fileobj, filename="", *, dry_run=False, today=None, progress=None) -> ImportResult:
    """Check the whole file, then (unless `dry_run`, or on any error) file its new returns.
    Flushes; the caller commits (and rolls back on an IntegrityError: a return filed meanwhile).
    `progress(stage, rows)` is called now and then, stage "checked" or "written"."""
    result = ImportResult(filename=(filename or "")[:200], dry_run=dry_run)
    today = today or local_today()
    good = checked_rows(fileobj, filename, result, COLUMNS, lambda layout: Checker(actor, layout, result, today),
                        MAX_ROWS, progress)
    if not result.ok:
        return result
    new = [(district, group, month, figures) for district, group, month, figures, existing in good
           if existing is None]
    result.counts = Counter(created=len(new), unchanged=len(good) - len(new))
    if not dry_run:
        operations.file_imported(actor, new, result.filename)
        if progress:
            progress("written", len(good))
    return result
