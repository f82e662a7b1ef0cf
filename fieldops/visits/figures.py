"""Current figures per labour department, kept up to date on write.

A department's current figures are those of its latest visit line, by visit
date, then first submission time (then visit id, so two visits submitted in the
same instant still have an order). Only visits that count (submitted or
verified) take part: a returned visit is being corrected, so its figures leave
the current figures until it is resubmitted. Before any visit line the
department has no visit figures: insured is its declared headcount and
registered/active 0 (`LabourDepartment.insured`).

`apply_visit` is the write path for a new visit: a line replaces the current
figures only if it is later than the line they came from, so a back-dated visit
never overwrites a later one. `recompute_departments` rebuilds from history; it
is what edits and returns use (a line may have moved back in time or stopped
counting), and the test that checks the kept figures against the history.
"""
import sqlalchemy as sa

from fieldops.employers.models import LabourDepartment
from fieldops.extensions import db
from fieldops.visits.models import COUNTING_STATES, Visit, VisitLine


def lock_departments(department_ids) -> dict[int, LabourDepartment]:
    """The departments, locked against concurrent figure updates (in id order,
    so two writers never wait on each other crosswise). SQLite serialises
    writers anyway; PostgreSQL takes row locks."""
    ids = sorted(set(department_ids))
    if not ids:
        return {}
    stmt = sa.select(LabourDepartment).where(LabourDepartment.id.in_(ids)).order_by(LabourDepartment.id)
    departments = db.session.scalars(stmt.with_for_update()).all()
    return {d.id: d for d in departments}


def _set(department: LabourDepartment, visit: Visit | None, line: VisitLine | None) -> None:
    if line is None:
        department.current_insured = None
        department.current_registered = 0
        department.current_active = 0
        department.current_visit_id = None
        department.current_visit_date = None
    else:
        department.current_insured = line.insured
        department.current_registered = line.registered
        department.current_active = line.active
        department.current_visit_id = visit.id
        department.current_visit_date = visit.visit_date


def _current_order_keys(visit: Visit, departments) -> dict:
    """{visit id: order key} of the departments' current visits dated the same
    day as `visit` (the others are ordered by their date alone), in one read of
    the order columns."""
    ids = {d.current_visit_id for d in departments
           if d.current_visit_id is not None and d.current_visit_date == visit.visit_date}
    if not ids:
        return {}
    with db.session.no_autoflush:
        rows = db.session.execute(
            sa.select(Visit.id, Visit.visit_date, Visit.submitted_at).where(Visit.id.in_(sorted(ids))))
        return {visit_id: (day, submitted_at, visit_id) for visit_id, day, submitted_at in rows}


def _is_later(visit: Visit, department: LabourDepartment, current_keys: dict) -> bool:
    if department.current_visit_id is None:
        return True
    if visit.visit_date != department.current_visit_date:
        return visit.visit_date > department.current_visit_date
    return visit.order_key > current_keys[department.current_visit_id]


def apply_visit(visit: Visit) -> None:
    """A new counting visit: each of its lines becomes its department's current
    figures unless that department already has figures from a later visit."""
    if not visit.counts:
        return
    db.session.flush()
    departments = lock_departments(line.labour_department_id for line in visit.lines)
    current_keys = _current_order_keys(visit, departments.values())
    for line in visit.lines:
        department = departments[line.labour_department_id]
        if _is_later(visit, department, current_keys):
            _set(department, visit, line)
    db.session.flush()


def latest_line(department_id: int):
    """(visit, line) of the department's latest counting visit line, or None."""
    row = db.session.execute(
        sa.select(Visit, VisitLine)
        .join(VisitLine, VisitLine.visit_id == Visit.id)
        .where(VisitLine.labour_department_id == department_id, Visit.state.in_(COUNTING_STATES))
        .order_by(Visit.visit_date.desc(), Visit.submitted_at.desc(), Visit.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def recompute_departments(department_ids) -> None:
    """Rebuild the current figures of these departments from their history."""
    db.session.flush()
    for department in lock_departments(department_ids).values():
        found = latest_line(department.id)
        _set(department, *(found or (None, None)))
    db.session.flush()


def figures_from_history(department_id: int) -> dict:
    """What the history says a department's current figures are (for checks)."""
    found = latest_line(department_id)
    if found is None:
        return {"current_insured": None, "current_registered": 0, "current_active": 0,
                "current_visit_id": None, "current_visit_date": None}
    visit, line = found
    return {"current_insured": line.insured, "current_registered": line.registered,
            "current_active": line.active, "current_visit_id": visit.id, "current_visit_date": visit.visit_date}


def kept_figures(department: LabourDepartment) -> dict:
    return {name: getattr(department, name) for name in
            ("current_insured", "current_registered", "current_active", "current_visit_id", "current_visit_date")}
