"""The supervisor's review queue: visits of the area not their own, under the
filters chosen, each card with its figures per department, their change against
the department's figures without this visit, and the same officer's other
visits to the employer on that date. A page costs the same few statements
however many cards it shows (tests/test_visit_queue.py counts them)."""
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from fieldops.auth.models import User
from fieldops.core.rows import planned_for_their_values, rows_of, scalar_of
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.employers.queries import matching_words, word_parameters
from fieldops.org.scope import area_of, in_area
from fieldops.visits.models import (COUNTING_STATES, ReviewState, Visit, VisitLine, VisitPurpose,
                                    figures_submitted_at)
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


# Each filter set, as a condition on a parameter of its name.
_CONDITIONS = {
    "state": lambda value: Visit.state == value,
    "officer_id": lambda value: Visit.officer_id == value,
    "date_from": lambda value: Visit.visit_date >= value,
    "date_to": lambda value: Visit.visit_date <= value,
    "purpose": lambda value: Visit.purpose == value,
}


def _parameters(user, filters: QueueFilters) -> dict:
    """The statements' parameters: the reviewer, the area, and each filter set (the employer's, word by word)."""
    values = {"state": filters.state, "officer_id": filters.officer_id or None, "date_from": filters.date_from,
              "date_to": filters.date_to, "purpose": filters.purpose}
    return ({"reviewer_id": user.id} | area_of(user) | word_parameters(filters.employer)
            | {name: value for name, value in values.items() if value is not None})


@cache
def _statements(filters: tuple[str, ...], words: int):
    """The cards (oldest submission first), their count and what "verify all"
    verifies (at most MAX_BULK + 1, in queue order), under the filters named and
    an employer filter of `words` words. Built once for each set of filters, the
    values being parameters: building and keying them cost a view 0.7 ms of CPU."""
    conditions = [_CONDITIONS[name](sa.bindparam(name)) for name in filters] + matching_words(words)
    # The area's visits but the reviewer's own.
    area_not_own = (in_area(Visit.district_id), Visit.officer_id != sa.bindparam("reviewer_id"))
    # Without an employer filter the count and the selection need no employers: each
    # row would cost a probe into them for nothing.
    counted, selected = sa.select(sa.func.count()).select_from(Visit), sa.select(Visit.id, Visit.revision)
    if words:
        counted, selected = (stmt.join(Employer, Employer.id == Visit.employer_id) for stmt in (counted, selected))
    return (
        _CARDS.where(*conditions).order_by(Visit.submitted_at, Visit.id),
        counted.where(*area_not_own, *conditions),
        selected.where(*area_not_own, *conditions, Visit.state == ReviewState.submitted)
        .order_by(Visit.submitted_at, Visit.id).limit(MAX_BULK + 1),
    )


def _built(user, filters: QueueFilters):
    parameters = _parameters(user, filters)
    named = tuple(name for name in _CONDITIONS if name in parameters)
    words = sum(name.startswith("word_") for name in parameters)
    if words:
        planned_for_their_values()  # how many visits the employer's words match decides the plans
    return _statements(named, words), parameters


def review_cards(user, filters: QueueFilters):
    """The cards' statement of rows and its parameters, to be paged."""
    (cards, _counted, _selected), parameters = _built(user, filters)
    return cards, parameters


def count_cards(user, filters: QueueFilters) -> int:
    (_cards, counted, _selected), parameters = _built(user, filters)
    return scalar_of(counted, parameters)


def waiting_selection(user, filters: QueueFilters) -> list[sa.Row]:
    """(id, revision) of the visits the filters select that wait for review, in
    queue order: what "verify all" verifies, at most MAX_BULK + 1 (more than the
    cap is refused)."""
    (_cards, _counted, selected), parameters = _built(user, filters)
    return rows_of(selected, parameters)


# --- the figures of the cards ------------------------------------------------------

# A department's figures before the visit that is current: its latest other counting
# line (the order of fieldops/definitions.py's `line_order`), found for the current
# lines only.
_earlier, _earlier_line = aliased(Visit), aliased(VisitLine)
_LINE_BEFORE_CURRENT = (
    sa.select(_earlier_line.id)
    .join(_earlier, _earlier.id == _earlier_line.visit_id)
    .where(LabourDepartment.current_visit_id == VisitLine.visit_id,  # (looked for only then)
           _earlier_line.labour_department_id == VisitLine.labour_department_id,
           _earlier.state.in_(COUNTING_STATES), _earlier.id != VisitLine.visit_id)
    .order_by(_earlier.visit_date.desc(), figures_submitted_at(_earlier).desc(), _earlier.id.desc())
    .limit(1).correlate(VisitLine, LabourDepartment).scalar_subquery()
)
_before = aliased(VisitLine)
_LINES = (
    sa.select(VisitLine.visit_id, LabourDepartment.name, VisitLine.insured, VisitLine.registered, VisitLine.active,
              # Before this visit: the department's current figures, or when this visit is
              # the current one, the line before it (none: the declared headcount, nobody registered).
              LabourDepartment.current_visit_id == VisitLine.visit_id,
              LabourDepartment.insured, LabourDepartment.current_registered, LabourDepartment.current_active,
              sa.func.coalesce(_before.insured, LabourDepartment.insured_declared),
              sa.func.coalesce(_before.registered, 0), sa.func.coalesce(_before.active, 0))
    .join(LabourDepartment, LabourDepartment.id == VisitLine.labour_department_id)
    .outerjoin(_before, _before.id == _LINE_BEFORE_CURRENT)
    .where(VisitLine.visit_id.in_(sa.bindparam("visit_ids", expanding=True)))
    .order_by(VisitLine.visit_id, LabourDepartment.name, LabourDepartment.id)
)


def card_changes(visit_ids) -> dict[int, tuple[Change, ...]]:
    """{visit id: its Change per department}: the figures recorded against the
    department's current figures without this visit (the line before it when it
    is the current one; the declared headcount with nobody registered when no
    other line counts). One statement, whatever the number of cards."""
    if not visit_ids:
        return {}
    changes: dict[int, list[Change]] = {}
    for (visit_id, name, insured, registered, active, is_current, *current, before_insured, before_registered,
         before_active) in rows_of(_LINES, {"visit_ids": list(visit_ids)}):
        before = (before_insured, before_registered, before_active) if is_current else tuple(current)
        changes.setdefault(visit_id, []).append(Change(name, before, (insured, registered, active)))
    return {visit_id: tuple(found) for visit_id, found in changes.items()}
