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

from fieldops.definitions import share
from fieldops.extensions import db
from fieldops.followups.models import OPEN_STATES, FollowUp
from fieldops.org.models import OrgUnit
from fieldops.progress.models import ActivityCount, ObstacleCount, ReviewedStock, StockDelta
from fieldops.progress.steps import SENTINEL



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
        return share(self.registered, self.insured)

    @property
    def full_share(self):
        return share(self.employers_full, self.employers)

    @property
    def verified_share(self):
        """Of the people registered, the share counted on verified visits."""
        return share(self.registered_verified, self.registered)


@dataclass
class Reviewed:
    """Over the labour departments reviewed in a campaign (visited on or after its counting-from date)."""

    departments: int = 0  # all departments, reviewed or not
    departments_reviewed: int = 0
    insured: int = 0
    registered: int = 0
    active: int = 0
    employers: int = 0  # employers with a department reviewed
    employers_full: int = 0  # of them, at 100%

    @property
    def coverage(self):
        return share(self.registered, self.insured)

    @property
    def reviewed_share(self):
        """The share of the departments reviewed at all."""
        return share(self.departments_reviewed, self.departments)

    @property
    def full_share(self):
        return share(self.employers_full, self.employers)


@dataclass
class Flows:
    visits: int = 0
    visits_verified: int = 0
    registrations: int = 0
    registrations_verified: int = 0

    @property
    def visits_verified_share(self):
        return share(self.visits_verified, self.visits)

    @property
    def registrations_verified_share(self):
        return share(self.registrations_verified, self.registrations)


def _sum_into(totals: list, values) -> None:
    for i, v in enumerate(values):
        totals[i] += int(v or 0)


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


def _subtree(model, root: OrgUnit, ranges, *columns):
    """SELECT columns FROM the subtree's districts joined to their rows in `ranges`:
    district by district, a range of the primary key (district, grain, day) each."""
    table = model.__table__
    return (sa.select(*columns).select_from(OrgUnit).join(table, table.c.district_id == OrgUnit.id)
            .where(OrgUnit.scope_clause(root), _clause(table, ranges)))


def _sums(model):
    return [sa.func.sum(model.__table__.c[f]) for f in model.FIELDS]


def _by_path(model, root: OrgUnit, ranges, group=()):
    """[(district path, *group values, *sums of model.FIELDS)] over `ranges`."""
    extra = [model.__table__.c[g] for g in group]
    stmt = _subtree(model, root, ranges, OrgUnit.path, *extra, *_sums(model)).group_by(OrgUnit.path, *extra)
    return [tuple(row) for row in db.session.execute(stmt)]


def _rollup(rows, kind, children):
    """(total, {child id: total}) of per-district rows (path first, then sums)."""
    # Plain lists while adding up: a national page adds up a few thousand rows.
    width = len(fields(kind))
    total, per_child = [0] * width, {c.id: [0] * width for c in children}
    by_path = {c.path: c.id for c in children}
    depth = children[0].path.count("/") - 1 if children else 0
    for path, *values in rows:
        _sum_into(total, values)
        child = by_path.get(OrgUnit.path_at_depth(path, depth)) if children else None
        if child is not None:
            _sum_into(per_child[child], values)
    return kind(*total), {k: kind(*v) for k, v in per_child.items()}


def _union(all_ranges):
    """One list of ranges covering all of them (month ranges from the same start merge)."""
    months = [r for r in all_ranges if r[0] == "month"]
    days = sorted({r for r in all_ranges if r[0] == "day"})
    merged = []
    for grain, lo, hi in sorted(months, key=lambda r: r[1]):
        if merged and lo <= merged[-1][2] + timedelta(days=31):
            merged[-1] = ("month", merged[-1][1], max(merged[-1][2], hi))
        else:
            merged.append((grain, lo, hi))
    return merged + days


def _inside(grain, day, ranges):
    return any(grain == g and lo <= day <= hi for g, lo, hi in ranges)


# --- reading ----------------------------------------------------------------------------


def _as_of(model, kind, root: OrgUnit, days, where=()):
    """{day: kind of root} for each day, from one query summing by grain and day."""
    spans = {day: windows(SENTINEL, day) for day in days}
    table = model.__table__
    stmt = (_subtree(model, root, _union([r for ranges in spans.values() for r in ranges]),
                     table.c.grain, table.c.day, *_sums(model)).where(*where).group_by(table.c.grain, table.c.day))
    rows = db.session.execute(stmt).all()
    out = {}
    for day, ranges in spans.items():
        total = [0] * len(fields(kind))
        for grain, when, *values in rows:
            if _inside(grain, when, ranges):
                _sum_into(total, values)
        out[day] = kind(*total)
    return out


def stock_as_of(root: OrgUnit, days) -> dict:
    """{day: Stock of root} for each day."""
    return _as_of(StockDelta, Stock, root, days)


def reviewed_as_of(root: OrgUnit, campaign_id: int, days) -> dict:
    """{day: Reviewed of root in the campaign} for each day."""
    return _as_of(ReviewedStock, Reviewed, root, days, (ReviewedStock.__table__.c.campaign_id == campaign_id,))


def stock_by_child(root: OrgUnit, day: date, children=()):
    """(Stock of root, {child id: Stock}) as of `day`: one query grouped by district."""
    return _rollup(_by_path(StockDelta, root, windows(SENTINEL, day)), Stock, children)


def reviewed_by_child(root: OrgUnit, campaign_id: int, day: date, children=()):
    """(Reviewed of root, {child id: Reviewed}) in a campaign as of `day`: one query grouped by district."""
    table = ReviewedStock.__table__
    stmt = (_subtree(ReviewedStock, root, windows(SENTINEL, day), OrgUnit.path, *_sums(ReviewedStock))
            .where(table.c.campaign_id == campaign_id).group_by(OrgUnit.path))
    return _rollup([tuple(row) for row in db.session.execute(stmt)], Reviewed, children)


def flows(root: OrgUnit, spans: dict, children=()):
    """{key: (Flows of root, {child id: Flows})} for each key's (start, end)."""
    return {key: _rollup(_by_path(ActivityCount, root, windows(*span)), Flows, children)
            for key, span in spans.items()}


def obstacles(root: OrgUnit, start: date, end: date) -> dict:
    """{category: (obstacles, people affected)} over [start, end]."""
    table = ObstacleCount.__table__
    stmt = _subtree(ObstacleCount, root, windows(start, end), table.c.category, *_sums(ObstacleCount)) \
        .group_by(table.c.category)
    return {str(category): (int(count or 0), int(people or 0)) for category, count, people in db.session.execute(stmt)}


def followups_open(root: OrgUnit, today: date, children=()):
    """(open, overdue) now for root, and {child id: (open, overdue)}: follow-ups at
    employers of the subtree that are still to be done, counted by the district
    each carries (its employer's) on the index (district, state, due date)."""
    paths = dict(db.session.execute(sa.select(OrgUnit.id, OrgUnit.path).where(OrgUnit.scope_clause(root))).all())
    overdue = sa.func.sum(sa.case((FollowUp.due_date < today, 1), else_=0))
    stmt = (sa.select(FollowUp.district_id, sa.func.count(), overdue).where(FollowUp.state.in_(OPEN_STATES))
            .group_by(FollowUp.district_id))
    if root.parent_id is not None:
        # The area's units by id (a short list): a range of the index each.
        stmt = stmt.where(FollowUp.district_id.in_(list(paths)))
    rows = [(paths[district], count, late) for district, count, late in db.session.execute(stmt) if district in paths]
    total, per_child = _rollup(rows, _Pair, children)
    return (total.open, total.overdue), {k: (v.open, v.overdue) for k, v in per_child.items()}


@dataclass
class _Pair:
    open: int = 0
    overdue: int = 0


def month_ends_between(start: date, end: date):
    """The last day of every month from start's to end's (end itself for its month)."""
    out, cursor = [], start
    while cursor <= end:
        out.append(min(month_end(cursor), end))
        cursor = month_end(cursor) + timedelta(days=1)
    return out
