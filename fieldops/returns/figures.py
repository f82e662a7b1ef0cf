"""What group returns add to a unit's progress (DESIGN.md "Meaning of the numbers"):

- people registered outside employers as of a day: over the districts of the
  subtree, the latest return of each district and group for a month up to that
  day's month; for an as-of date (a period of kind "day"), only among the
  returns filed by that day, with the figures they had then (a later
  correction's `before`), so no figure uses what was not yet known; added to the employer channel's registered, they make "people
  registered, all groups";
- of them, people using the app: the sum over those of these returns that say
  it, beside how many do not (filed before it was asked): unknown, never 0;
- the rate for new voluntary participants over a period: Σ new registered ÷
  Σ new participants over the voluntary returns of the period's months.
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from fieldops import definitions
from fieldops.campaigns.models import ParticipantGroup
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import district_ids_in_scope
from fieldops.returns.labels import group_labels
from fieldops.returns.models import FIGURES, RETURN_GROUPS, GroupReturn, ReturnCorrection
from fieldops.timeutil import utc_bounds


@dataclass
class GroupFigures:
    participants: int = 0
    registered: int = 0
    using: int = 0  # over the returns counted that say it
    using_unknown: int = 0  # the returns counted that do not

    @property
    def share(self):
        return definitions.share(self.registered, self.participants)


@dataclass
class OutsideEmployers:
    """What the returns add to a unit's figures."""

    groups: dict  # {group: GroupFigures} as of the day
    new_voluntary: int = 0
    new_voluntary_registered: int = 0
    districts_reporting: int = 0

    @property
    def registered(self) -> int:
        return sum(g.registered for g in self.groups.values())

    @property
    def participants(self) -> int:
        return sum(g.participants for g in self.groups.values())

    @property
    def using(self) -> int:
        return sum(g.using for g in self.groups.values())

    @property
    def using_unknown(self) -> int:
        return sum(g.using_unknown for g in self.groups.values())

    @property
    def new_voluntary_rate(self):
        return definitions.share(self.new_voluntary_registered, self.new_voluntary)


def _in_subtree(root: OrgUnit):
    # The area's districts as values (the whole table for the nation), as the progress queries read them.
    if root.parent_id is None:
        return sa.true()
    return GroupReturn.district_id.in_(district_ids_in_scope(root))


def _empty():
    return OutsideEmployers(groups={g: GroupFigures() for g in RETURN_GROUPS})


def outside_employers(root: OrgUnit, start: date, end: date) -> OutsideEmployers:
    """The returns' figures for `root` as of `end`, and the new voluntary rate over [start, end]."""
    return outside_by_child(root, {"period": start}, end)["period"][0]


def outside_by_child(root: OrgUnit, starts: dict, end: date, children=(), known_by: date | None = None):
    """{key: (figures of root, {child id: figures})}, as `outside_employers` with each
    key's start: one query for the stock as of `end` (the same for every key) and
    one for the new voluntary participants of every span, grouped by district and
    rolled up to the children by path. With `known_by` (an as-of date), only the
    returns filed by the end of that day count, with the figures they had then."""
    last = end.replace(day=1)
    scope = _in_subtree(root)
    keys = list(starts)
    firsts = [starts[k].replace(day=1) for k in keys]
    if known_by is None:
        stock_rows, new_rows = _as_filed(scope, last, firsts)
    else:
        stock_rows, new_rows = _as_known(scope, last, firsts, known_by)
    out = {k: (_empty(), {c.id: _empty() for c in children}) for k in keys}
    by_path = {c.path: c.id for c in children}
    depth = children[0].path.count("/") - 1 if children else 0
    owners_of = {}

    def owners(path):
        # (child id or None) per district path, worked out once per path.
        if path not in owners_of:
            owners_of[path] = by_path.get(OrgUnit.path_at_depth(path, depth)) if children else None
        child = owners_of[path]
        return [(total,) if child is None else (total, per_child[child]) for total, per_child in out.values()]

    reporting = {}
    for path, group, participants, registered, using in stock_rows:
        group = ParticipantGroup(group)
        for owned in owners(path):
            for figures in owned:
                counted = figures.groups[group]
                counted.participants += participants
                counted.registered += registered
                if using is None:
                    counted.using_unknown += 1
                else:
                    counted.using += using
                reporting.setdefault(id(figures), set()).add(path)
    for path, *values in new_rows:
        for k, owned in enumerate(owners(path)):
            for figures in owned:
                figures.new_voluntary += values[2 * k] or 0
                figures.new_voluntary_registered += values[2 * k + 1] or 0
    for total, per_child in out.values():
        for figures in (total, *per_child.values()):
            figures.districts_reporting = len(reporting.get(id(figures), ()))
    return out


def _as_filed(scope, last, firsts):
    """The returns as they stand: the stock rows (path, group, participants,
    registered, using) and the new voluntary sums per path, from SQL."""
    latest = (sa.select(GroupReturn.district_id, GroupReturn.participant_group,
                        sa.func.max(GroupReturn.month).label("month"))
              .where(scope, GroupReturn.month <= last)
              .group_by(GroupReturn.district_id, GroupReturn.participant_group).subquery())
    stock = (sa.select(OrgUnit.path, GroupReturn.participant_group, GroupReturn.participants, GroupReturn.registered,
                       GroupReturn.using)
             .join(latest, sa.and_(latest.c.district_id == GroupReturn.district_id,
                                   latest.c.participant_group == GroupReturn.participant_group,
                                   latest.c.month == GroupReturn.month))
             .join(OrgUnit, OrgUnit.id == GroupReturn.district_id))
    sums = []
    for first in firsts:
        since = GroupReturn.month >= first
        sums += [sa.func.sum(sa.case((since, GroupReturn.new_participants), else_=0)),
                 sa.func.sum(sa.case((since, GroupReturn.new_registered), else_=0))]
    new = (sa.select(OrgUnit.path, *sums)
           .join(OrgUnit, OrgUnit.id == GroupReturn.district_id)
           .where(scope, GroupReturn.participant_group == ParticipantGroup.voluntary,
                  GroupReturn.month >= min(firsts), GroupReturn.month <= last)
           .group_by(OrgUnit.path))
    return db.session.execute(stock).all(), db.session.execute(new).all()


def _as_known(scope, last, firsts, day):
    """As `_as_filed`, over the returns filed by the end of `day` (local time), each
    with the figures it had then: a correction made later did not exist yet, so
    its `before` figures apply (the earliest such correction's)."""
    _start, cutoff = utc_bounds(day, day)
    rows = db.session.execute(
        sa.select(GroupReturn.id, OrgUnit.path, GroupReturn.participant_group, GroupReturn.month,
                  *(getattr(GroupReturn, name) for name in FIGURES))
        .join(OrgUnit, OrgUnit.id == GroupReturn.district_id)
        .where(scope, GroupReturn.month <= last, GroupReturn.filed_at < cutoff)).all()
    then = {}
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), 1000):
        for return_id, *before in db.session.execute(
                sa.select(ReturnCorrection.group_return_id,
                          *(getattr(ReturnCorrection, f"before_{name}") for name in FIGURES))
                .where(ReturnCorrection.group_return_id.in_(ids[start:start + 1000]),
                       ReturnCorrection.corrected_at >= cutoff)
                .order_by(ReturnCorrection.corrected_at.desc(), ReturnCorrection.id.desc())):
            then[return_id] = dict(zip(FIGURES, before))  # the earliest one last: it wins
    latest, new = {}, {}
    for return_id, path, group, month, *figures in rows:
        figures = then.get(return_id) or dict(zip(FIGURES, figures))
        key = (path, str(group))
        if key not in latest or month > latest[key][0]:
            latest[key] = (month, figures)
        if str(group) == ParticipantGroup.voluntary and month >= min(firsts):
            sums = new.setdefault(path, [0] * (2 * len(firsts)))
            for k, first in enumerate(firsts):
                if month >= first:
                    sums[2 * k] += figures["new_participants"]
                    sums[2 * k + 1] += figures["new_registered"]
    stock = [(path, group, f["participants"], f["registered"], f["using"])
             for (path, group), (_month, f) in sorted(latest.items())]
    return stock, [(path, *sums) for path, sums in sorted(new.items())]


def as_report(outside: OutsideEmployers, employer_registered: int) -> dict:
    """Plain values for the progress report, beside the employer channel's registered. "using" sums the
    returns that say it; "using_unknown" counts those that do not."""
    labels = group_labels()
    return {
        "registered_all": employer_registered + outside.registered,
        "registered": outside.registered, "participants": outside.participants,
        "using": outside.using, "using_unknown": outside.using_unknown,
        "groups": [{"group": g.value, "label": str(labels[g]), "participants": f.participants,
                    "registered": f.registered, "share": f.share, "using": f.using,
                    "using_unknown": f.using_unknown} for g, f in outside.groups.items()],
        "new_voluntary": outside.new_voluntary, "new_voluntary_registered": outside.new_voluntary_registered,
        "new_voluntary_rate": outside.new_voluntary_rate, "districts_reporting": outside.districts_reporting,
    }
