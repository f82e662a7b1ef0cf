"""Current figures per labour department, kept up to date on write.

A department's current figures are those of its latest visit line, in the
order of fieldops/definitions.py's `line_order`: by visit date, then the latest
submission of the visit's figures (a returned visit resubmitted counts from its
resubmission), then visit id (so two visits submitted in the same instant still
have an order). Only visits that count (submitted or
verified) take part: a returned visit is being corrected, so its figures leave
the current figures until it is resubmitted. Before any visit line the
department has no visit figures: insured is its declared headcount and
registered/active 0 (`LabourDepartment.insured`).

They are kept by the hook every change of an employer's history goes through
(fieldops/progress/timeline.py: `employers_changed`, `history_change`), under
its lock on the employer, from the history it reads for the timeline anyway: `latest_lines`
picks each department's line, `keep_current_figures` writes the departments
whose figures changed. So a back-dated visit never overwrites a later one, and
an edit, a return or a resubmission moves the figures back as they should.
`figures_from_history` is the same rule as one query, for checks.
"""
import sqlalchemy as sa
from sqlalchemy.orm.util import identity_key

from fieldops.core.writes import write
from fieldops.definitions import line_order
from fieldops.employers.models import LabourDepartment
from fieldops.extensions import db
from fieldops.visits.models import COUNTING_STATES, FIGURES_SUBMITTED_AT, Visit, VisitLine

FIELDS = ("current_insured", "current_registered", "current_active", "current_visit_id", "current_visit_date")
NO_VISIT = (None, 0, 0, None, None)  # FIELDS of a department without a counting visit line


def latest_lines(visits, lines) -> dict:
    """{department id: FIELDS} of each department's latest line.

    visits: {id: (visit date, figures submitted at, verified)} of counting visits;
    lines: (visit id, department id, insured, registered, active, newly) of their lines."""
    latest = {}
    for visit_id, department_id, insured, registered, active, _newly in lines:
        day, submitted_at, _verified = visits[visit_id]
        key = line_order(day, submitted_at, visit_id)
        found = latest.get(department_id)
        if found is None or key > found[0]:
            latest[department_id] = (key, (insured, registered, active, visit_id, day))
    return {department_id: figures for department_id, (_key, figures) in latest.items()}


_table = LabourDepartment.__table__
_WRITE_CURRENT = sa.update(_table).where(_table.c.id == sa.bindparam("k_id"))


def keep_current_figures(stored: dict, latest: dict, now) -> set:
    """stored: {department id: FIELDS as stored} of every department of the
    employers concerned; latest: their `latest_lines`. Writes what differs, as
    updated at `now`, and returns the ids of the departments it wrote."""
    changed = [dict(zip(FIELDS, figures), k_id=department_id, updated_at=now)
               for department_id, was in sorted(stored.items())
               if (figures := latest.get(department_id, NO_VISIT)) != was]
    if not changed:
        return set()
    write(_WRITE_CURRENT, changed)
    # The statement went past the session: departments it holds read their figures again.
    for row in changed:
        department = db.session.identity_map.get(identity_key(LabourDepartment, row["k_id"]))
        if department is not None:
            db.session.expire(department, (*FIELDS, "updated_at"))
    return {row["k_id"] for row in changed}


def figures_from_history(department_id: int) -> dict:
    """What the history says a department's current figures are (for checks)."""
    row = db.session.execute(
        sa.select(VisitLine.insured, VisitLine.registered, VisitLine.active, Visit.id, Visit.visit_date)
        .join(VisitLine, VisitLine.visit_id == Visit.id)
        .where(VisitLine.labour_department_id == department_id, Visit.state.in_(COUNTING_STATES))
        .order_by(Visit.visit_date.desc(), FIGURES_SUBMITTED_AT.desc(), Visit.id.desc())
        .limit(1)
    ).first()
    return dict(zip(FIELDS, tuple(row) if row else NO_VISIT))


def kept_figures(department: LabourDepartment) -> dict:
    return {name: getattr(department, name) for name in FIELDS}
