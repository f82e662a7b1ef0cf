"""Reading visits and figures. Every query for scoped records is scoped by the
user's area (fieldops/org/scope.py)."""
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa

from fieldops.auth.models import User
from fieldops.campaigns.queries import counting_from
from fieldops.core import hooks
from fieldops.core.expressions import given_limit
from fieldops.core.paging import page_of
from fieldops.core.rows import rows_of, scalar_of
from fieldops.definitions import counts_on
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.org.scope import area_of, in_area
from fieldops.timeutil import local_today
from fieldops.visits.models import COUNTING_STATES, RETURNED_FIRST, ReviewState, Visit, VisitLine


def earliest_visit_date():
    """The counting-from date of the campaign in force; None when no campaign is set up."""
    return counting_from(local_today())


def own_visit_dates(user, employer, visit=None) -> list[str]:
    """The dates (ISO) of the user's visits at the employer, but `visit`: the form
    warns of a second visit on one date."""
    stmt = sa.select(Visit.visit_date).where(Visit.officer_id == user.id, Visit.employer_id == employer.id)
    if visit is not None:
        stmt = stmt.where(Visit.id != visit.id)
    return sorted({day.isoformat() for day in db.session.scalars(stmt)})


def visit_by_key(key: str) -> Visit | None:
    return db.session.scalars(sa.select(Visit).where(Visit.idempotency_key == key)).first()


# The lists below are read as rows of the columns their cards show, not as
# visits: an entity per row cost the officer's home 1.1 ms of CPU for its two
# lists (bench/README.md, "Statements planned once").

# The user's own visits: returned ones first (they need work), then newest. Built
# once (org/scope.py, "area"): the officer's home runs it on every view.
_MY_VISITS = (
    sa.select(Visit.id, Visit.visit_date, Visit.purpose, Visit.state, Visit.return_reason,
              Employer.name.label("employer_name"))
    .join(Employer, Employer.id == Visit.employer_id)
    .where(in_area(Visit.district_id), Visit.officer_id == sa.bindparam("officer_id"))
    .order_by(RETURNED_FIRST, Visit.submitted_at.desc(), Visit.id.desc())
)
_RECENT_VISITS = _MY_VISITS.limit(given_limit())


def my_visits_page(user):
    """The page asked for of all of them. The statement stays the one built once, its
    values given apart: a copy with its values (`.params()`) is keyed anew on every
    view, and its page built again (0.2–0.3 ms of CPU)."""
    return page_of(_MY_VISITS, rows=True, params={"officer_id": user.id} | area_of(user))


def recent_visits(user, limit=8) -> list[sa.Row]:
    """The first of them, for the officer's home."""
    return rows_of(_RECENT_VISITS, {"officer_id": user.id, "limit": limit} | area_of(user))


# Visits in the user's area waiting for review, not their own: their count on the
# supervisor's home (the queue itself: fieldops/visits/queue.py). Built once, like the officer's visits.
_WAITING_REVIEW = (in_area(Visit.district_id), Visit.state == ReviewState.submitted,
                   Visit.officer_id != sa.bindparam("reviewer_id"))
# count(*), not of a column the index lacks: in a large district the count comes from the index alone.
_WAITING_REVIEW_COUNT = sa.select(sa.func.count()).select_from(Visit).where(*_WAITING_REVIEW)


def waiting_review_count(user) -> int:
    return scalar_of(_WAITING_REVIEW_COUNT, {"reviewer_id": user.id} | area_of(user))


@dataclass
class Totals:
    insured: int = 0
    registered: int = 0
    active: int = 0

    @property
    def unregistered(self) -> int:
        return self.insured - self.registered

    @property
    def coverage(self):
        """Registered ÷ insured in percent, None when nobody is insured."""
        return None if self.insured == 0 else 100.0 * self.registered / self.insured


def department_totals(departments) -> Totals:
    totals = Totals()
    for department in departments:
        totals.insured += department.insured
        totals.registered += department.current_registered
        totals.active += department.current_active
    return totals


def coverage_of(department) -> Totals:
    return Totals(department.insured, department.current_registered, department.current_active)


class Change(NamedTuple):
    """A department's figures before a visit and as the visit recorded them (a
    named tuple: a review page makes some fifty, each hashed as part of its card's
    key, core/templating.py's remembered)."""

    department: str
    before: tuple  # (insured, registered, active) before this visit
    after: tuple

    @property
    def deltas(self):
        return tuple(a - b for a, b in zip(self.after, self.before))


_HISTORY = (
    sa.select(Visit.id, Visit.visit_date, Visit.purpose, Visit.state, Visit.submitted_at,
              Visit.state.in_(COUNTING_STATES).label("counts"), User.full_name.label("officer_name"))
    .join(User, User.id == Visit.officer_id)
    .where(Visit.employer_id == sa.bindparam("employer_id"))
    .order_by(Visit.visit_date.desc(), Visit.submitted_at.desc(), Visit.id.desc())
)


def employer_history_page(employer: Employer):
    """The page asked for of the employer's visits, newest first (as my_visits_page)."""
    return page_of(_HISTORY, rows=True, params={"employer_id": employer.id})


_LINES_IN_ORDER = (
    sa.select(Visit.id, Visit.state, VisitLine.labour_department_id,
              VisitLine.insured, VisitLine.registered, VisitLine.active)
    .join(VisitLine, VisitLine.visit_id == Visit.id)
    .where(Visit.employer_id == sa.bindparam("employer_id"))
    .order_by(Visit.visit_date, Visit.submitted_at, Visit.id)
)


# The employer's departments with their current figures, as the employer page
# shows them (rows, like the lists above).
_DEPARTMENT_FIGURES = (
    sa.select(LabourDepartment.id, LabourDepartment.name, LabourDepartment.insured_declared,
              LabourDepartment.insured.label("insured"), LabourDepartment.current_registered,
              LabourDepartment.current_active,
              (LabourDepartment.insured - LabourDepartment.current_registered).label("unregistered"),
              LabourDepartment.current_visit_id, LabourDepartment.current_visit_date,
              LabourDepartment.starts_on, LabourDepartment.retired_on, LabourDepartment.ended_how,
              LabourDepartment.ended_reason)
    .where(LabourDepartment.employer_id == sa.bindparam("employer_id"))
    .order_by(LabourDepartment.name, LabourDepartment.id)
)


def department_figures(employer: Employer) -> list[sa.Row]:
    return rows_of(_DEPARTMENT_FIGURES, {"employer_id": employer.id})


def changes_by_visit(employer: Employer, department_rows) -> dict[int, tuple[Change, ...]]:
    """What each visit of the employer changed, per department (`department_rows`:
    the employer's, from `department_figures`): its figures against the
    department's figures just before it (the previous counting line, or the
    declared headcount with nobody registered). One indexed query over the
    employer's visits."""
    departments = {d.id: d for d in department_rows}
    lines = rows_of(_LINES_IN_ORDER, {"employer_id": employer.id})
    previous = {d.id: (d.insured_declared, 0, 0) for d in departments.values()}
    changes: dict[int, list[Change]] = {}
    for visit_id, state, department_id, insured, registered, active in lines:
        department = departments.get(department_id)
        figures = (insured, registered, active)
        before = previous.get(department_id, (0, 0, 0))
        changes.setdefault(visit_id, []).append(
            Change(department.name if department else "", before, figures))
        if state in COUNTING_STATES:
            previous[department_id] = figures
    return {visit_id: tuple(sorted(items, key=lambda change: change.department))
            for visit_id, items in changes.items()}


def employer_visits(employer, today) -> dict:
    """What the employer's page shows of its visits (fieldops/employers/routes.py):
    its departments counting `today` with their current figures, those ended, the
    changes by visit, the paged history."""
    departments = department_figures(employer)
    history = employer_history_page(employer)
    counting = [d for d in departments if counts_on(today, d.starts_on, d.retired_on)]
    return {"history": history, "departments": counting, "ended": [d for d in departments if d.retired_on is not None],
            "changes": changes_by_visit(employer, departments), "totals": department_totals(counting)}


def last_visit_date(department: LabourDepartment):
    """The latest visit with a line for the department, whatever its review state."""
    return db.session.scalar(sa.select(sa.func.max(Visit.visit_date))
                             .join(VisitLine, VisitLine.visit_id == Visit.id)
                             .where(VisitLine.labour_department_id == department.id))


def first_counting_line_date(department_ids):
    """The date of the first counting visit with a line for one of the departments."""
    return db.session.scalar(
        sa.select(sa.func.min(Visit.visit_date)).join(VisitLine, VisitLine.visit_id == Visit.id)
        .where(VisitLine.labour_department_id.in_(department_ids), Visit.state.in_(COUNTING_STATES)))


def register_hooks() -> None:
    hooks.register("employer_visits", employer_visits)
    hooks.register("last_visit_date", last_visit_date)  # a department's life (fieldops/employers/lifecycle.py)
    hooks.register("first_counting_line_date", first_counting_line_date)
