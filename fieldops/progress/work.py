"""An officer's achievements in a period (DESIGN.md): visits made, registrations
assisted (Σ newly registered on their visits, kept on each visit), employers brought to 100%,
follow-ups done on time, obstacles escalated. A team's work is its officers'.

Read with indexed queries on the officer's own records: visits by (officer,
visit date), follow-ups by assignee or proposer. "Brought to 100%": the
employer's step function kept in the timeline goes from below 100% to 100% on
the date of one of the officer's visits (those days are kept on write,
`EmployerFullDay`), and that visit is the employer's latest counting visit of
the day (the one whose figures took it there).
"""
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from fieldops.auth.models import Role, User
from fieldops.definitions import Funnel, share
from fieldops.extensions import db
from fieldops.followups.models import FollowUp, FollowUpKind, FollowUpState
from fieldops.org.models import OrgUnit
from fieldops.org.scope import units_in_scope
from fieldops.progress.models import EmployerFullDay, EmployerTimeline
from fieldops.timeutil import to_local, utc_bounds
from fieldops.visits.models import COUNTING_STATES, FIGURES_SUBMITTED_AT, ReviewState, Visit


@dataclass
class Work:
    visits: int = 0
    visits_verified: int = 0
    registrations: int = 0
    registrations_verified: int = 0
    employers_full: int = 0
    followups_done: int = 0
    followups_on_time: int = 0
    escalations: int = 0
    full_employer_ids: set = field(default_factory=set, repr=False)

    @property
    def visits_verified_share(self):
        return share(self.visits_verified, self.visits)

    @property
    def registrations_verified_share(self):
        return share(self.registrations_verified, self.registrations)

    @property
    def on_time_share(self):
        return share(self.followups_on_time, self.followups_done)

    def add(self, other: "Work") -> None:
        for name in ("visits", "visits_verified", "registrations", "registrations_verified", "followups_done",
                     "followups_on_time", "escalations"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.full_employer_ids |= other.full_employer_ids
        self.employers_full = len(self.full_employer_ids)


def officers_of(unit: OrgUnit):
    """Officers whose unit is in `unit`'s subtree, by name."""
    from sqlalchemy.orm import selectinload

    return db.session.scalars(
        sa.select(User).where(User.role == Role.officer, User.org_unit_id.in_(units_in_scope(unit)))
        .options(selectinload(User.org_unit)).order_by(User.full_name, User.id)
    ).all()


def officers_counted(unit: OrgUnit) -> int:
    """How many officers `officers_of(unit)` lists, counted by the database."""
    return db.session.scalar(sa.select(sa.func.count(User.id)).where(
        User.role == Role.officer, User.org_unit_id.in_(units_in_scope(unit))))


def _visits_in(officer_ids, start, end):
    return sa.and_(Visit.officer_id.in_(officer_ids), Visit.visit_date >= start, Visit.visit_date <= end,
                   Visit.state.in_(COUNTING_STATES))


def _visited_steps(officer_ids, start: date, end: date) -> list:
    """[(employer id, its step function)] of the employers these officers visited in
    [start, end]: one statement over the visits' own subquery (a district's 18,000
    employers were 36 statements of 500 ids), the step functions parsed at once
    (18,000 small ones parsed one by one cost more than their reading)."""
    visited = sa.select(Visit.employer_id).where(_visits_in(officer_ids, start, end)).distinct()
    rows = db.session.execute(sa.select(EmployerTimeline.employer_id, sa.cast(EmployerTimeline.steps, sa.Text))
                              .where(EmployerTimeline.employer_id.in_(visited))).all()
    every_steps = json.loads("[" + ",".join(text or "null" for _id, text in rows) + "]")
    return [(employer_id, steps) for (employer_id, _text), steps in zip(rows, every_steps)]


def brought_to_full(officer_ids, start: date, end: date) -> dict:
    """{officer id: {employer ids they brought to 100% in [start, end]}}: the days in
    the period on which an employer these officers visited reaches 100% (kept on
    write), each credited to whose counting visit of that day was the latest."""
    officer_ids = list(officer_ids)
    if not officer_ids:
        return {}
    # From these officers' visits (their index) to the days kept, then every counting visit of such a day:
    # started from the days instead, PostgreSQL read the whole visit table (0.6 s for the largest district).
    ours_visit = aliased(Visit)
    latest = {}
    for employer_id, day, officer_id, submitted_at, visit_id in db.session.execute(
            sa.select(ours_visit.employer_id, ours_visit.visit_date, Visit.officer_id, FIGURES_SUBMITTED_AT, Visit.id)
            .join(EmployerFullDay, sa.and_(EmployerFullDay.employer_id == ours_visit.employer_id,
                                           EmployerFullDay.day == ours_visit.visit_date))
            .join(Visit, sa.and_(Visit.employer_id == ours_visit.employer_id,
                                 Visit.visit_date == ours_visit.visit_date, Visit.state.in_(COUNTING_STATES)))
            .where(ours_visit.officer_id.in_(officer_ids), ours_visit.visit_date >= start,
                   ours_visit.visit_date <= end, ours_visit.state.in_(COUNTING_STATES))):
        key = (employer_id, day)
        if key not in latest or latest[key][0] < (submitted_at, visit_id):
            latest[key] = ((submitted_at, visit_id), officer_id)
    out = defaultdict(set)
    ours = set(officer_ids)
    for (employer_id, _day), (_when, officer_id) in latest.items():
        if officer_id in ours:
            out[officer_id].add(employer_id)
    return out


def visited_funnel(officer_ids, start: date, end: date) -> Funnel:
    """The funnel (insured → registered → using the app) as of `end` over the
    employers these officers visited in [start, end], read from the employers'
    step functions kept on write."""
    officer_ids = list(officer_ids)
    totals = [0, 0, 0]
    if not officer_ids:
        return Funnel(*totals)
    last_day = end.toordinal()
    for _employer_id, steps in _visited_steps(officer_ids, start, end):
        current = None
        for step in steps or []:
            if step[0] > last_day:
                break
            current = step
        if current is not None:
            for i in range(3):
                totals[i] += current[1 + i]
    return Funnel(*totals)


def officers_work(officer_ids, start: date, end: date) -> dict:
    """{officer id: Work} over [start, end] (dates of visits; local days of follow-ups)."""
    officer_ids = list(officer_ids)
    work = {i: Work() for i in officer_ids}
    if not officer_ids:
        return work
    verified = Visit.state == ReviewState.verified
    # The visits' registrations as kept on each visit (Σ over its lines): read with the count from their index.
    for officer_id, count, checked, newly, newly_checked in db.session.execute(
            sa.select(Visit.officer_id, sa.func.count(), sa.func.sum(sa.case((verified, 1), else_=0)),
                      sa.func.sum(Visit.newly_registered),
                      sa.func.sum(sa.case((verified, Visit.newly_registered), else_=0)))
            .where(_visits_in(officer_ids, start, end)).group_by(Visit.officer_id)):
        mine = work[officer_id]
        mine.visits, mine.visits_verified = int(count), int(checked or 0)
        mine.registrations, mine.registrations_verified = int(newly or 0), int(newly_checked or 0)
    for officer_id, employers in brought_to_full(officer_ids, start, end).items():
        work[officer_id].full_employer_ids = employers
        work[officer_id].employers_full = len(employers)
    low, high = utc_bounds(start, end)
    for officer_id, due, completed in db.session.execute(
            sa.select(FollowUp.assignee_id, FollowUp.due_date, FollowUp.completed_at)
            .where(FollowUp.assignee_id.in_(officer_ids), FollowUp.state == FollowUpState.done,
                   FollowUp.completed_at >= low, FollowUp.completed_at < high)):
        work[officer_id].followups_done += 1
        work[officer_id].followups_on_time += 1 if to_local(completed).date() <= due else 0
    for officer_id, count in db.session.execute(
            sa.select(FollowUp.proposer_id, sa.func.count(FollowUp.id))
            .where(FollowUp.proposer_id.in_(officer_ids), FollowUp.kind == FollowUpKind.escalation,
                   FollowUp.created_at >= low, FollowUp.created_at < high)
            .group_by(FollowUp.proposer_id)):
        work[officer_id].escalations = int(count)
    return work


def total(works) -> Work:
    out = Work()
    for w in works:
        out.add(w)
    return out


def officer_visits(officer_id, start: date, end: date):
    """The officer's visits in [start, end], newest first (a statement, to be paged)."""
    from sqlalchemy.orm import selectinload

    return (
        sa.select(Visit).where(Visit.officer_id == officer_id, Visit.visit_date >= start, Visit.visit_date <= end)
        .options(selectinload(Visit.employer))
        .order_by(Visit.visit_date.desc(), Visit.submitted_at.desc(), Visit.id.desc())
    )


def visits_by_day(officer_id, start: date, end: date) -> list:
    """[(day, counting visits that day)] of one officer in [start, end]."""
    return db.session.execute(
        sa.select(Visit.visit_date, sa.func.count()).where(_visits_in([officer_id], start, end))
        .group_by(Visit.visit_date)).all()


def visit_counts(officer_ids, start: date, end: date) -> dict:
    """{officer id: counting visits in [start, end]}."""
    officer_ids = list(officer_ids)
    if not officer_ids:
        return {}
    return dict(db.session.execute(
        sa.select(Visit.officer_id, sa.func.count()).where(_visits_in(officer_ids, start, end))
        .group_by(Visit.officer_id)).all())
