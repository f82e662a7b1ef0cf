"""Import of employers, their labour departments and declared insured headcounts
from CSV or XLSX.

One row is one department of one employer. The whole file is checked first, in
a streaming pass that keeps only fingerprints (unit codes, department keys,
hashes of the employer fields); any bad row means nothing is written, and the
report lists row, column and reason. Then a second pass writes in batches
(fieldops/employers/import_writer.py). The operation flushes; the caller commits
once, so the import is all-or-nothing.
"""
import pickle
import tempfile
from dataclasses import dataclass, field

import sqlalchemy as sa

from fieldops.audit.operations import record
from fieldops.core import import_layout
from fieldops.core.spreadsheet import Table, TableError
from fieldops.core.translations import gettext as _
from fieldops.employers.import_rows import EMPLOYER_FIELDS, Layout, Row, department_key
from fieldops.employers.models import WHOLE_EMPLOYER, Employer
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import scoped, units_in_scope

BATCH = 1000
PROGRESS_EVERY = 10_000


@dataclass
class ImportResult(import_layout.ImportResult):
    # Unit codes of employers counted as one "Toàn đơn vị" that the file now lists by department.
    wholes_replaced: list = field(default_factory=list)


class ImportConflict(Exception):
    """The database changed under the import (a unit code taken meanwhile); roll back."""


class Spool:
    """Checked rows parked in a temporary file between the check and the writing,
    so the file is read (and each cell cleaned) once, and memory stays flat."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        self.batch = []

    def add(self, row: Row):
        self.batch.append(tuple(row))
        if len(self.batch) >= BATCH:
            self._dump()

    def _dump(self):
        pickle.dump(self.batch, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.batch = []

    def rows(self):
        if self.batch:
            self._dump()
        self.file.seek(0)
        while True:
            try:
                batch = pickle.load(self.file)  # our own file, written just above
            except EOFError:
                return
            yield from (Row._make(values) for values in batch)

    def close(self):
        self.file.close()


def district_ids(actor) -> dict:
    """Code → id of every district in the actor's scope."""
    stmt = scoped(OrgUnit, actor, sa.select(OrgUnit.code, OrgUnit.id)).where(OrgUnit.level == UnitLevel.district)
    return dict(db.session.execute(stmt).all())


class Checker:
    """The first pass: every row checked, remembering only what later rows are compared with."""

    def __init__(self, actor, layout: Layout, result: ImportResult):
        self.actor, self.layout, self.result = actor, layout, result
        self.districts = district_ids(actor)
        self.scope_ids = set(db.session.scalars(units_in_scope(actor.org_unit)))
        self._other_districts = {}  # code → why it cannot be used
        # unit code → [row its employer fields were taken from, their hash, per-field hashes,
        #              first row counting it as a whole, first row naming a department]
        self.employers = {}
        self.pairs = {}  # hash((unit code, department key)) → first row
        self._unchecked = {}  # unit codes not yet looked up in the database → first row
        self.cells = ()  # of the row being checked: the values its problems quote

    def check(self, number, cells) -> Row | None:
        """The row when it is good (so far as rows seen until now tell)."""
        errors_before = self.result.error_count
        self.cells = cells
        row, problems = self.layout.clean(number, cells)
        if row.district_code and row.district_code not in self.districts:
            problems.append(("district_code", self._district_problem(row.district_code)))
        bad = {f for f, _m in problems}
        for name, message in sorted(problems, key=lambda p: self.layout.index[p[0]]):
            self._error(number, name, message)
        if "unit_code" in bad:
            return None
        seen = self.employers.get(row.unit_code)
        if seen is None:
            seen = self.employers[row.unit_code] = [None, None, None, None, None]
            self._unchecked[row.unit_code] = number
            if len(self._unchecked) >= BATCH:
                self.check_existing()
        if not bad & set(EMPLOYER_FIELDS):
            self._compare_employer(row, seen)
        if "department" not in bad:
            self._check_department(row, seen)
        return row if self.result.error_count == errors_before else None

    def _compare_employer(self, row, seen):
        values = [getattr(row, f) for f in EMPLOYER_FIELDS]
        fingerprint = hash(tuple(values))
        if seen[1] is None:
            seen[0], seen[1], seen[2] = row.number, fingerprint, tuple(hash(v) & 0xFFFF for v in values)
        elif seen[1] != fingerprint:
            differing = [f for f, h, v in zip(EMPLOYER_FIELDS, seen[2], values) if h != hash(v) & 0xFFFF]
            message = _("Differs from row %(row)d, which has the same unit code %(code)s: "
                        "an employer's details must be the same on all its rows.", row=seen[0], code=row.unit_code)
            self._error(row.number, (differing or ["name"])[0], message)

    def _check_department(self, row, seen):
        pair = hash((row.unit_code, department_key(row.department)))
        first = self.pairs.get(pair)
        if first is not None:
            self._error(row.number, "department", _(
                "Department “%(department)s” of unit code %(code)s already appears in row %(row)d.",
                department=row.department, code=row.unit_code, row=first))
            return
        self.pairs[pair] = row.number
        whole = row.department == WHOLE_EMPLOYER
        slot, other = (3, 4) if whole else (4, 3)
        if seen[other] is not None:
            self._error(row.number, "department", _(
                "An employer is counted either as a whole (empty department, “%(whole)s”) or by its departments, "
                "not both; see row %(row)d.", whole=WHOLE_EMPLOYER, row=seen[other]))
        elif seen[slot] is None:
            seen[slot] = row.number

    def _district_problem(self, code):
        if code not in self._other_districts:
            unit = db.session.execute(sa.select(OrgUnit.level).where(OrgUnit.code == code)).first()
            if unit is None:
                message = _("Unknown district code %(code)s.", code=code)
            elif unit.level != UnitLevel.district:
                message = _("%(code)s is not a district unit.", code=code)
            else:
                message = _("District %(code)s is outside your area.", code=code)
            self._other_districts[code] = message
        return self._other_districts[code]

    def check_existing(self):
        """Unit codes already held by employers outside the importer's area cannot be imported."""
        if not self._unchecked:
            return
        # Scope is checked here rather than in SQL: SQLite plans "IN (subquery)" badly.
        existing = db.session.execute(
            sa.select(Employer.unit_code, Employer.district_id).where(Employer.unit_code.in_(list(self._unchecked)))
        )
        for code, district_id in existing:
            if district_id not in self.scope_ids:
                self._error(self._unchecked[code], "unit_code",
                            _("Another employer, outside your area, already has unit code %(code)s.", code=code),
                            value=code)
        self._unchecked = {}

    def _error(self, number, name, message, value=None):
        if value is None and name in self.layout.index and self.layout.index[name] < len(self.cells):
            value = self.cells[self.layout.index[name]]
        self.result.add_error(number, self.layout.label(name), message, value)


def import_employers(actor, fileobj, filename="", *, dry_run=False, progress=None, whole_employer=None) -> ImportResult:
    """Check the whole file, then (unless `dry_run`, or on any error) write it. Flushes; the caller commits.

    `whole_employer` ("split" or "keep") answers what becomes of a "Toàn đơn vị"
    with visit history when the file lists the employer's departments; when the
    file holds such employers and no answer is given, the import refuses and says
    which (a dry run lists them).

    `progress(stage, rows)` is called now and then, stage "checked" or "written".
    Raises ImportConflict when the database changed under the import: roll back.
    """
    from fieldops.employers.import_writer import Writer

    result = ImportResult(filename=filename or "", dry_run=dry_run)
    report = progress or (lambda stage, rows: None)
    spool = Spool()
    try:
        layout, checker = None, None
        for number, cells in Table(fileobj, filename).rows():
            if layout is None:
                layout = Layout(number, cells)
                result.ignored_columns = layout.ignored
                checker = Checker(actor, layout, result)
                continue
            row = checker.check(number, cells)
            if row is not None and result.ok:
                spool.add(row)
            result.rows += 1
            if result.rows % PROGRESS_EVERY == 0:
                report("checked", result.rows)
        if layout is None:
            raise TableError(_("The file is empty."))
        checker.check_existing()
        report("checked", result.rows)
        if result.rows == 0:
            result.add_error(layout.header_row, "", _("The file has a header row but no data rows."))
        if not result.ok:
            result.errors.sort(key=lambda e: e.row or 0)
            return result
        districts, scope_ids = checker.districts, checker.scope_ids
        del checker  # its fingerprints are not needed for writing
        writer = Writer(districts, scope_ids, dry_run=dry_run, counts=result.counts, whole_employer=whole_employer,
                        actor=actor, filename=filename or "")
        _write(spool, writer, report)
        result.wholes_replaced = writer.wholes_replaced
        if result.wholes_replaced and not dry_run and whole_employer not in WHOLE_ANSWERS:
            result.add_error(None, "", _(
                "%(num)d employers counted as one “%(whole)s” are now listed by department (%(codes)s): choose "
                "whether the old “%(whole)s” is split into the departments from today or keeps counting.",
                num=len(result.wholes_replaced), whole=WHOLE_EMPLOYER, codes=", ".join(result.wholes_replaced[:20])))
            return result
    except TableError as error:
        result.add_error(error.row, "", error.message)
        return result
    finally:
        spool.close()
    if not dry_run:
        record("employer.import", actor=actor, after={"file": result.filename[:200], "rows": result.rows,
                                                      **dict(result.counts)})
        db.session.flush()
    return result


WHOLE_ANSWERS = ("split", "keep")


def _write(spool, writer, report):
    written = 0
    try:
        for row in spool.rows():
            writer.add(row)
            written += 1
            if written % PROGRESS_EVERY == 0:
                report("written", written)
        writer.finish()
    except sa.exc.IntegrityError as error:
        raise ImportConflict(str(error.orig)) from error
    report("written", written)
