"""The writing pass of an employer import: rows, already checked, written in
batches with bulk INSERT/UPDATE statements, so a 100,000-row file never becomes
100,000 ORM objects. With `dry_run` the same decisions are made and counted,
and nothing is written.

Re-importing updates by unit code. Departments are matched by name, case aside;
departments of an employer that the file no longer lists are removed, except
those with history (anything referring to them, such as visit lines), which are
kept as they are; a "Toàn đơn vị" kept so while the file lists the employer's
departments is split into them from today, or kept counting, as the importer
answers (`whole_employer`).
"""
from types import SimpleNamespace

import sqlalchemy as sa

from fieldops.employers.importing import ImportConflict
from fieldops.audit.operations import record_row
from fieldops.core import hooks
from fieldops.employers.models import REASON_MAX, WHOLE_EMPLOYER, DepartmentEnd, Employer, LabourDepartment
from fieldops.employers.operations import districts_follow, employers_changed
from fieldops.extensions import db
from fieldops.timeutil import local_today, utcnow

BATCH = 1000
_UPDATABLE = ("name", "tax_code", "address", "sector", "district_id", "contact_name", "contact_phone")
# What to do with a "Toàn đơn vị" with visit history when the file now lists the employer's departments.
WHOLE_SPLIT, WHOLE_KEEP = "split", "keep"
lock_timelines = hooks.hook("lock_timelines")  # registered by progress (fieldops/progress/timeline.py)


def _chunks(items, size):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _search_text(fields) -> str:
    # The model's own rule, so search finds imported employers exactly as typed-in ones.
    holder = SimpleNamespace(**fields)
    Employer.refresh_search_text(holder)
    return holder.search_text


def department_history_columns():
    """Columns of other tables that refer to a labour department: a row there is history."""
    target = LabourDepartment.__table__
    return [
        fk.parent
        for table in db.metadata.sorted_tables
        if table is not target
        for fk in table.foreign_keys
        if fk.column.table is target
    ]


class Writer:
    def __init__(self, districts, scope_ids, *, dry_run, counts, whole_employer=None, actor=None, filename=""):
        self.districts = districts  # code → id, all in the actor's scope
        self.scope_ids = scope_ids  # ids of every unit in the actor's scope
        self.dry_run = dry_run
        self.counts = counts
        self.employers = {}  # unit code → (id, existed before this import); id None for new ones in a dry run
        self.seen_departments = set()  # ids of departments of pre-existing employers that the file lists
        self.batch = []
        self.whole_employer, self.actor, self.filename = whole_employer, actor, filename
        self.wholes_replaced = []  # unit codes of employers whose "Toàn đơn vị" the file replaces by departments

    def add(self, row):
        self.batch.append(row)
        if len(self.batch) >= BATCH:
            self._write_batch()

    def finish(self):
        if self.batch:
            self._write_batch()
        self._departments_no_longer_listed()
        if not self.dry_run:
            db.session.flush()
            # Bulk statements bypass the identity map: objects loaded earlier are stale.
            db.session.expire_all()
            # Progress timeline: declared headcounts, new employers and moves change the figures.
            employers_changed(employer_id for employer_id, _existed in self.employers.values())
            districts_follow(employer_id for employer_id, existed in self.employers.values() if existed)

    # employers ------------------------------------------------------------

    def _fields(self, row, existing=None):
        fields = {
            "unit_code": row.unit_code,
            "name": row.name,
            "tax_code": row.tax_code,
            "address": row.address if row.address is not None else (existing.address if existing else ""),
            "sector": row.sector if row.sector is not None else (existing.sector if existing else ""),
            "contact_name": row.contact_name if row.contact_name is not None else (
                existing.contact_name if existing else ""),
            "contact_phone": row.contact_phone if row.contact_phone is not None else (
                existing.contact_phone if existing else ""),
            "district_id": self.districts[row.district_code],
        }
        return fields

    def _write_employers(self, firsts):
        existing = {
            e.unit_code: e
            for e in db.session.execute(
                sa.select(Employer.id, Employer.unit_code, *(getattr(Employer, f) for f in _UPDATABLE))
                .where(Employer.unit_code.in_(list(firsts)))
            )
        }
        inserts, updates, now = [], [], utcnow()
        for code, row in firsts.items():
            old = existing.get(code)
            if old is not None and old.district_id not in self.scope_ids:
                raise ImportConflict(code)  # moved out of scope since the check
            fields = self._fields(row, old)
            if old is None:
                inserts.append(fields | {"search_text": _search_text(fields), "created_at": now, "updated_at": now})
                self.employers[code] = (None, False)
                self.counts["employers_created"] += 1
                continue
            self.employers[code] = (old.id, True)
            if any(getattr(old, f) != fields[f] for f in _UPDATABLE):
                updates.append(fields | {"id": old.id, "search_text": _search_text(fields), "updated_at": now})
                self.counts["employers_updated"] += 1
            else:
                self.counts["employers_unchanged"] += 1
        if self.dry_run:
            return
        if inserts:
            made = db.session.execute(sa.insert(Employer).returning(Employer.id, Employer.unit_code), inserts)
            for employer_id, code in made:
                self.employers[code] = (employer_id, False)
        if updates:
            db.session.execute(sa.update(Employer), updates)

    # departments ----------------------------------------------------------

    def _write_batch(self):
        rows, self.batch = self.batch, []
        firsts = {}
        for row in rows:
            if row.unit_code not in self.employers:
                firsts.setdefault(row.unit_code, row)
        if firsts:
            self._write_employers(firsts)

        known = {self.employers[r.unit_code][0] for r in rows} - {None}
        if known and not self.dry_run:
            lock_timelines(known)  # before their departments change: the lock order of fieldops/progress/timeline.py
        by_employer = {}
        if known:
            for dep in db.session.execute(
                sa.select(LabourDepartment.id, LabourDepartment.employer_id, LabourDepartment.name,
                          LabourDepartment.insured_declared).where(LabourDepartment.employer_id.in_(known))
            ):
                by_employer.setdefault(dep.employer_id, {}).setdefault(dep.name.casefold(), []).append(dep)

        inserts, updates, now = [], [], utcnow()
        for row in rows:
            employer_id, existed = self.employers[row.unit_code]
            candidates = by_employer.get(employer_id, {}).get(row.department.casefold(), [])
            match = next((d for d in candidates if d.name == row.department), candidates[0] if candidates else None)
            if match is None:
                self.counts["departments_created"] += 1
                inserts.append({"employer_id": employer_id, "name": row.department, "insured_declared": row.insured,
                                "created_at": now})
                continue
            if existed:
                self.seen_departments.add(match.id)
            if match.name != row.department or match.insured_declared != row.insured:
                updates.append({"id": match.id, "name": row.department, "insured_declared": row.insured})
                self.counts["departments_updated"] += 1
            else:
                self.counts["departments_unchanged"] += 1
        if self.dry_run:
            return
        if inserts:
            # RETURNING makes it one multi-row INSERT per 1,000 rows on PostgreSQL too, not one per row.
            made = db.session.execute(
                sa.insert(LabourDepartment).returning(LabourDepartment.id, LabourDepartment.employer_id), inserts
            )
            existed = {self.employers[r.unit_code][0] for r in rows if self.employers[r.unit_code][1]}
            self.seen_departments.update(dep_id for dep_id, employer_id in made if employer_id in existed)
        if updates:
            db.session.execute(sa.update(LabourDepartment), updates)

    def _wholes_replaced(self, kept):
        """A "Toàn đơn vị" kept for its history while the file now lists the employer's
        departments would count the same workers twice: it is split into them from
        today (`WHOLE_SPLIT`), or kept counting when the importer says so; without
        an answer the import asks (fieldops/employers/importing.py)."""
        if not kept:
            return
        wholes = db.session.execute(
            sa.select(LabourDepartment.id, LabourDepartment.employer_id, LabourDepartment.name)
            .where(LabourDepartment.id.in_(sorted(kept)), LabourDepartment.name == WHOLE_EMPLOYER,
                   LabourDepartment.retired_on.is_(None))).all()
        if not wholes:
            return
        codes = {employer_id: code for code, (employer_id, _existed) in self.employers.items()}
        self.wholes_replaced += sorted(codes[w.employer_id] for w in wholes)
        self.counts["whole_employers_replaced"] += len(wholes)
        if self.dry_run or self.whole_employer != WHOLE_SPLIT:
            return
        today, reason = local_today(), f"import {self.filename}"[:REASON_MAX]
        db.session.execute(
            sa.update(LabourDepartment).where(LabourDepartment.id.in_([w.id for w in wholes]))
            .values(retired_on=today, ended_how=DepartmentEnd.split, ended_reason=reason)
            .execution_options(synchronize_session=False))
        for whole in wholes:
            record_row("labour_department.split", self.actor, LabourDepartment.__tablename__, whole.id,
                       self._district_of(whole.employer_id),
                       before={"name": whole.name, "retired_on": None},
                       after={"name": whole.name, "retired_on": today.isoformat(), "ended_how": "split",
                              "reason": reason})

    @staticmethod
    def _district_of(employer_id):
        return db.session.scalar(sa.select(Employer.district_id).where(Employer.id == employer_id))

    def _departments_no_longer_listed(self):
        existed = [employer_id for employer_id, before in self.employers.values() if before]
        history = department_history_columns()
        for chunk in _chunks(existed, 500):
            absent = {
                d: employer_id for d, employer_id in db.session.execute(
                    sa.select(LabourDepartment.id, LabourDepartment.employer_id)
                    .where(LabourDepartment.employer_id.in_(chunk))
                )
                if d not in self.seen_departments
            }
            if not absent:
                continue
            kept = set()
            for column in history:
                kept.update(db.session.scalars(sa.select(column).where(column.in_(list(absent))).distinct()))
            self._wholes_replaced(kept)
            removable = [d for d in absent if d not in kept]
            self.counts["departments_kept"] += len(kept)
            self.counts["departments_removed"] += len(removable)
            if removable and not self.dry_run:
                db.session.execute(
                    sa.delete(LabourDepartment).where(LabourDepartment.id.in_(removable)),
                    execution_options={"synchronize_session": False},
                )
                # A department gone leaves no time of its own: its employer's row says it changed (tablets' sync).
                changed = sorted({absent[d] for d in removable})
                db.session.execute(sa.update(Employer).where(Employer.id.in_(changed)).values(updated_at=utcnow()),
                                   execution_options={"synchronize_session": False})
