"""The supervisor's review queue: visits of the area not their own, under the
filters chosen, each card with its figures per department, their change against
the department's figures without this visit, and the same officer's other
visits to the employer on that date. A page costs the same few statements
however many cards it shows (tests/test_visit_queue.py counts them)."""
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from fieldops.auth.models import User
from fieldops.core.rows import rows_of, scalar_of
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.employers.queries import matching_employers
from fieldops.org.scope import area_of, in_area
from fieldops.visits.models import COUNTING_STATES, FIGURES_SUBMITTED_AT, ReviewState, Visit, VisitLine, VisitPurpose
from fieldops.visits.queries import Change

# The most visits verified at once: a batch holds a lock on each employer's timeline until it commits.
MAX_BULK = 200
ALL_STATES = "all"


@dataclass
class QueueFilters:
    officer_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    purpose: VisitPurpose | None = None
    # Waiting for review unless another state (or all) is asked.
    state: ReviewState | None = ReviewState.submitted
    employer: str = ""
    errors: list = field(default_factory=list)

    def as_args(self) -> dict:
        """The filters as query-string values (for links that keep them)."""
        args = {"officer": self.officer_id, "date_from": self.date_from and self.date_from.isoformat(),
                "date_to": self.date_to and self.date_to.isoformat(), "purpose": self.purpose and self.purpose.value,
                "state": self.state.value if self.state else ALL_STATES, "employer": self.employer}
        return {name: value for name, value in args.items() if value and not (name == "state" and value == "submitted")}


# Another visit by the same officer to the same employer on the same date (ix_visit_employer_date_officer).
_other = aliased(Visit)
_SAME_DAY = (sa.select(sa.func.count()).select_from(_other)
             .where(_other.employer_id == Visit.employer_id, _other.visit_date == Visit.visit_date,
                    _other.officer_id == Visit.officer_id, _other.id != Visit.id)
             .scalar_subquery())

_CARDS = (
    sa.select(Visit.id, Visit.visit_date, Visit.purpose, Visit.state, Visit.revision, Visit.submitted_at,
              Visit.resubmitted_at, Employer.name.label("employer_name"), Employer.unit_code,
              User.full_name.label("officer_name"), _SAME_DAY.label("same_day"))
    .join(Employer, Employer.id == Visit.employer_id)
    .join(User, User.id == Visit.officer_id)
    .where(in_area(Visit.district_id), Visit.officer_id != sa.bindparam("reviewer_id"))
)


def _filtered(stmt, filters: QueueFilters):
    if filters.state is not None:
        stmt = stmt.where(Visit.state == filters.state)
    if filters.officer_id:
        stmt = stmt.where(Visit.officer_id == filters.officer_id)
    if filters.date_from:
        stmt = stmt.where(Visit.visit_date >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(Visit.visit_date <= filters.date_to)
    if filters.purpose:
        stmt = stmt.where(Visit.purpose == filters.purpose)
    if filters.employer:
        stmt = matching_employers(stmt, filters.employer)
    return stmt


def _parameters(user) -> dict:
    return {"reviewer_id": user.id} | area_of(user)


def review_cards(user, filters: QueueFilters):
    """The cards' rows, oldest submission first (a statement of rows, to be paged)."""
    return _filtered(_CARDS, filters).order_by(Visit.submitted_at, Visit.id).params(**_parameters(user))


def _by_employer(stmt, filters: QueueFilters):
    """`stmt` of visits with their employers when the filters search by employer;
    otherwise without: each row would cost a probe into the employers for nothing."""
    return stmt.join(Employer, Employer.id == Visit.employer_id) if filters.employer else stmt


def count_cards(user, filters: QueueFilters) -> int:
    stmt = _by_employer(sa.select(sa.func.count()).select_from(Visit), filters)
    stmt = _filtered(stmt.where(in_area(Visit.district_id), Visit.officer_id != sa.bindparam("reviewer_id")), filters)
    return scalar_of(stmt, _parameters(user))


def waiting_selection(user, filters: QueueFilters) -> list[sa.Row]:
    """(id, revision) of the visits the filters select that wait for review, in
    queue order: what "verify all" verifies, at most MAX_BULK + 1 (more than the
    cap is refused)."""
    stmt = (_by_employer(sa.select(Visit.id, Visit.revision), filters)
            .where(in_area(Visit.district_id), Visit.officer_id != sa.bindparam("reviewer_id")))
    stmt = _filtered(stmt, filters).where(Visit.state == ReviewState.submitted)
    return rows_of(stmt.order_by(Visit.submitted_at, Visit.id).limit(MAX_BULK + 1), _parameters(user))


# --- the figures of the cards ------------------------------------------------------

_LINES = (
    sa.select(VisitLine.visit_id, VisitLine.labour_department_id, LabourDepartment.name,
              LabourDepartment.insured_declared, VisitLine.insured, VisitLine.registered, VisitLine.active,
              LabourDepartment.current_visit_id,
              LabourDepartment.insured.label("current_insured"), LabourDepartment.current_registered,
              LabourDepartment.current_active)
    .join(LabourDepartment, LabourDepartment.id == VisitLine.labour_department_id)
    .where(VisitLine.visit_id.in_(sa.bindparam("visit_ids", expanding=True)))
    .order_by(VisitLine.visit_id, LabourDepartment.name, LabourDepartment.id)
)

# The departments' latest counting lines but their current one: their figures
# before the visit that is current (the order of fieldops/definitions.py's `line_order`).
_ranked = (
    sa.select(VisitLine.labour_department_id, VisitLine.insured, VisitLine.registered, VisitLine.active,
              sa.func.row_number().over(
                  partition_by=VisitLine.labour_department_id,
                  order_by=(Visit.visit_date.desc(), FIGURES_SUBMITTED_AT.desc(), Visit.id.desc())).label("n"))
    .join(Visit, Visit.id == VisitLine.visit_id)
    .join(LabourDepartment, LabourDepartment.id == VisitLine.labour_department_id)
    .where(VisitLine.labour_department_id.in_(sa.bindparam("department_ids", expanding=True)),
           Visit.state.in_(COUNTING_STATES), Visit.id != LabourDepartment.current_visit_id)
    .subquery()
)
_PREVIOUS = sa.select(_ranked.c.labour_department_id, _ranked.c.insured, _ranked.c.registered,
                      _ranked.c.active).where(_ranked.c.n == 1)


def card_changes(visit_ids) -> dict[int, list[Change]]:
    """{visit id: its Change per department}: the figures recorded against the
    department's current figures without this visit (the line before it when it
    is the current one; the declared headcount with nobody registered when no
    other line counts). Two statements, whatever the number of cards."""
    if not visit_ids:
        return {}
    lines = rows_of(_LINES, {"visit_ids": list(visit_ids)})
    current_here = sorted({line.labour_department_id for line in lines if line.current_visit_id == line.visit_id})
    previous = {}
    if current_here:
        previous = {row.labour_department_id: (row.insured, row.registered, row.active)
                    for row in rows_of(_PREVIOUS, {"department_ids": current_here})}
    changes: dict[int, list[Change]] = {}
    for line in lines:
        if line.current_visit_id == line.visit_id:
            # As LabourDepartment.insured without a visit: the declared headcount, nobody registered.
            before = previous.get(line.labour_department_id) or (line.insured_declared, 0, 0)
        else:
            before = (line.current_insured, line.current_registered, line.current_active)
        changes.setdefault(line.visit_id, []).append(
            Change(line.name, before, (line.insured, line.registered, line.active)))
    return changes
