"""A unit's figures, read from the timeline (fieldops/progress/timeline.py).

- Stock figures as of a day D (insured, registered, active, employers, employers
  at 100%): the sum of the stock deltas with day ≤ D over the districts of the
  unit's subtree. A snapshot as of D, never a sum of snapshots.
- Flows over [start, end] (visits made, verified, registrations assisted,
  obstacles by category): the sum of the activity rows of those days.

A window of days is read as whole months from the month rows and the odd days
at its ends from the day rows (`windows`). Each read is one indexed query
grouped by district, so the unit and all its children come from the same
query. Follow-ups open and overdue are counted now, from the follow-ups table.
"""
import calendar
from dataclasses import dataclass, fields
from datetime import date, timedelta

import sqlalchemy as sa

from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.followups.models import OPEN_STATES, FollowUp
from fieldops.org.models import OrgUnit
from fieldops.progress.models import ActivityCount, ObstacleCount, StockDelta
from fieldops.progress.timeline import SENTINEL


def _share(part, whole):
    return None if not whole else 100.0 * part / whole


@dataclass
class Stock:
    insured: int = 0
    registered: int = 0
    active: int = 0
    registered_verified: int = 0
    employers: int = 0
    employers_full: int = 0

    @property
    def unregistered(self) -> int:
        return self.insured - self.registered

    @property
    def coverage(self):
        """Σ registered ÷ Σ insured in percent; None when nobody is insured."""
        return _share(self.registered, self.insured)

    @property
    def full_share(self):
        return _share(self.employers_full, self.employers)

    @property
    def verified_share(self):
        """Of the people registered, the share counted on verified visits."""
        return _share(self.registered_verified, self.registered)


@dataclass
class Flows:
    visits: int = 0
    visits_verified: int = 0
    registrations: int = 0
    registrations_verified: int = 0

    @property
    def visits_verified_share(self):
        return _share(self.visits_verified, self.visits)

    @property
    def registrations_verified_share(self):
        return _share(self.registrations_verified, self.registrations)


def _add_into(target, values):
    for f, v in zip(fields(target), values):
        setattr(target, f.name, getattr(target, f.name) + int(v or 0))


# --- windows of days ------------------------------------------------------------------------


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def windows(start: date, end: date):
    """[start, end] as (grain, first, last) ranges: whole months at grain "month",
    the days before the first whole month and after the last at grain "day"."""
    if start > end:
        return []
    first = start if start.day == 1 else month_end(start) + timedelta(days=1)
    last = end.replace(day=1) if end == month_end(end) else end.replace(day=1) - timedelta(days=1)
    last = last.replace(day=1)
    if first > last:
        return [("day", start, end)]
    out = [("month", first, last)]
    if start < first:
        out.append(("day", start, first - timedelta(days=1)))
    if end > month_end(last):
        out.append(("day", month_end(last) + timedelta(days=1), end))
    return out


def _clause(table, ranges):
    return sa.or_(*(sa.and_(table.c.grain == grain, table.c.day >= lo, table.c.day <= hi)
                    for grain, lo, hi in ranges)) if ranges else sa.false()


def _district_sums(model, root: OrgUnit, spans: dict, group=()):
    """{span key: [(district path, *group values, *sums of model.FIELDS)]} over
    the districts of `root`'s subtree; spans: {key: [(grain, first, last)]}."""
    table = model.__table__
    clauses = {key: _clause(table, ranges) for key, ranges in spans.items()}
    if len(clauses) == 1:
        (key, clause), = clauses.items()
        columns = [sa.func.sum(table.c[f]) for f in model.FIELDS]
        where = clause
    else:
        columns = [sa.func.sum(sa.case((clause, table.c[f]), else_=0))
                   for clause in clauses.values() for f in model.FIELDS]
        where = sa.or_(*clauses.values())
    extra = [table.c[g] for g in group]
    stmt = (
        sa.select(OrgUnit.path, *extra, *columns)
        .select_from(OrgUnit)
        .join(table, table.c.district_id == OrgUnit.id)
        .where(OrgUnit.scope_clause(root), where)
        .group_by(OrgUnit.path, *extra)
    )
    width = len(model.FIELDS)
    out = {key: [] for key in clauses}
    for row in db.session.execute(stmt):
        head, sums = tuple(row[:1 + len(extra)]), row[1 + len(extra):]
        for i, key in enumerate(clauses):
            out[key].append(head + tuple(sums[i * width:(i + 1) * width]))
    return out


def _rollup(rows, kind, children):
    """(total, {child id: total}) of per-district rows (path first, then sums)."""
    total, per_child = kind(), {c.id: kind() for c in children}
    for path, *values in rows:
        _add_into(total, values)
        for child in children:
            if path.startswith(child.path):
                _add_into(per_child[child.id], values)
                break
    return total, per_child


# --- reading ----------------------------------------------------------------------------


def stock_as_of(root: OrgUnit, days, children=()):
    """{day: (Stock of root, {child id: Stock})} for each day: one query."""
    spans = {day: windows(SENTINEL, day) for day in days}
    rows = _district_sums(StockDelta, root, spans)
    return {day: _rollup(rows[day], Stock, children) for day in days}


def flows(root: OrgUnit, spans: dict, children=()):
    """{key: (Flows of root, {child id: Flows})} for each key's (start, end): one query."""
    rows = _district_sums(ActivityCount, root, {key: windows(*span) for key, span in spans.items()})
    return {key: _rollup(rows[key], Flows, children) for key in spans}


def obstacles(root: OrgUnit, start: date, end: date) -> dict:
    """{category: (obstacles, people affected)} over [start, end]."""
    rows = _district_sums(ObstacleCount, root, {"all": windows(start, end)}, group=("category",))["all"]
    out = {}
    for _path, category, count, people in rows:
        before = out.get(str(category), (0, 0))
        out[str(category)] = (before[0] + int(count or 0), before[1] + int(people or 0))
    return out


def followups_open(root: OrgUnit, today: date, children=()):
    """(open, overdue) now for root, and {child id: (open, overdue)}: follow-ups at
    employers of the subtree that are still to be done."""
    overdue = sa.func.sum(sa.case((FollowUp.due_date < today, 1), else_=0))
    stmt = (
        sa.select(OrgUnit.path, sa.func.count(FollowUp.id), overdue)
        .select_from(OrgUnit)
        .join(Employer, Employer.district_id == OrgUnit.id)
        .join(FollowUp, FollowUp.employer_id == Employer.id)
        .where(OrgUnit.scope_clause(root), FollowUp.state.in_(OPEN_STATES))
        .group_by(OrgUnit.path)
    )
    total, per_child = [0, 0], {c.id: [0, 0] for c in children}
    for path, count, late in db.session.execute(stmt):
        for bucket in [total] + [per_child[c.id] for c in children if path.startswith(c.path)][:1]:
            bucket[0] += int(count or 0)
            bucket[1] += int(late or 0)
    return tuple(total), {k: tuple(v) for k, v in per_child.items()}


def month_ends_between(start: date, end: date):
    """The last day of every month from start's to end's (end itself for its month)."""
    out, cursor = [], start
    while cursor <= end:
        out.append(min(month_end(cursor), end))
        cursor = month_end(cursor) + timedelta(days=1)
    return out
