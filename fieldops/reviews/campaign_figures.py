"""The campaign's own figures among a nominee's review figures, and the table of
those a criterion can be set on (rule "figure_at_least", the criterion's
`metric`), for officers, teams and units alike, met by the targets' status rule
(fieldops/progress/scoring.py `assess`).

- people registered, all groups = the employer channel's people registered at
  the employers in charge (the coverage basis: those a district and the units
  above it manage, those a team's or an officer's visits reached) + the group
  returns of the districts of the nominee's area as of the cut-off (none for a
  team or an officer: returns are filed by districts);
- people using the app (employer channel) = those using it at the same
  employers; all groups = that + the returns' people using the app (a return
  that does not say counts none);
- the new-voluntary rate = Σ new registered ÷ Σ new voluntary participants over
  the returns of the counting range; a team or an officer is measured on the
  returns of the district they work in (that district's voluntary participants
  are everyone's work there).

Returns count as the records stood at `basis.as_of` (filed by then), like visits.
"""
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import sqlalchemy as sa

from fieldops.campaigns.models import ParticipantGroup
from fieldops.core.translations import lazy_gettext as _l
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.progress.models import Metric
from fieldops.returns.models import GroupReturn


@dataclass(frozen=True)
class FigureMetric:
    label: object  # lazy text: how the criterion reads
    percent: bool
    value: Callable[[dict], Fraction | None]  # from a nominee's figures; None: nothing to measure


def _rate(part, whole):
    return Fraction(100 * part, whole) if whole else None


# One entry per campaign figure a criterion can use.
FIGURE_METRICS = {
    Metric.registered_all: FigureMetric(_l("People registered, all groups"), False,
                                        lambda f: Fraction(f.get("registered_all", 0))),
    Metric.new_voluntary_pct: FigureMetric(_l("New voluntary participants registered (%)"), True,
                                           lambda f: _rate(f.get("new_voluntary_registered", 0),
                                                           f.get("new_voluntary", 0))),
    Metric.active_employer: FigureMetric(_l("People using the app (employer channel)"), False,
                                         lambda f: Fraction(f.get("coverage_active", 0))),
    Metric.active_all: FigureMetric(_l("People using the app, all groups"), False,
                                    lambda f: Fraction(f.get("active_all", 0))),
}


def returns_by_district(district_ids, basis) -> dict:
    """{district id: [registered outside employers as of the cut-off, new voluntary, of them registered,
    using the app outside employers]}."""
    ids = sorted(set(district_ids))
    out = {i: [0, 0, 0, 0] for i in ids}
    if not ids:
        return out
    last, first = basis.end.replace(day=1), basis.start.replace(day=1)
    known = GroupReturn.filed_at <= basis.as_of if basis.as_of is not None else sa.true()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        latest = (sa.select(GroupReturn.district_id, GroupReturn.participant_group,
                            sa.func.max(GroupReturn.month).label("month"))
                  .where(GroupReturn.district_id.in_(chunk), GroupReturn.month <= last, known)
                  .group_by(GroupReturn.district_id, GroupReturn.participant_group).subquery())
        for district_id, registered, using in db.session.execute(
                sa.select(GroupReturn.district_id, sa.func.sum(GroupReturn.registered), sa.func.sum(GroupReturn.using))
                .join(latest, sa.and_(latest.c.district_id == GroupReturn.district_id,
                                      latest.c.participant_group == GroupReturn.participant_group,
                                      latest.c.month == GroupReturn.month))
                .group_by(GroupReturn.district_id)):
            out[district_id][0], out[district_id][3] = int(registered or 0), int(using or 0)
        for district_id, new, new_registered in db.session.execute(
                sa.select(GroupReturn.district_id, sa.func.sum(GroupReturn.new_participants),
                          sa.func.sum(GroupReturn.new_registered))
                .where(GroupReturn.district_id.in_(chunk), known,
                       GroupReturn.participant_group == ParticipantGroup.voluntary,
                       GroupReturn.month >= first, GroupReturn.month <= last)
                .group_by(GroupReturn.district_id)):
            out[district_id][1], out[district_id][2] = int(new or 0), int(new_registered or 0)
    return out


DISTRICT_DEPTH = 3  # national → province → district


def _district_of(path: str, districts: dict):
    """The district (id) whose path starts `path`, if any: {district path: id}."""
    return districts.get(OrgUnit.path_at_depth(path, DISTRICT_DEPTH))


def _districts_of_paths(paths) -> dict:
    prefixes = {OrgUnit.path_at_depth(p, DISTRICT_DEPTH) for p in paths} - {None}
    if not prefixes:
        return {}
    return dict(db.session.execute(sa.select(OrgUnit.path, OrgUnit.id).where(
        OrgUnit.level == UnitLevel.district, OrgUnit.path.in_(sorted(prefixes)))).all())


def finish(figures: dict, outside_registered: int, new: int, new_registered: int, outside_using: int = 0) -> None:
    figures["outside_registered"] = outside_registered
    figures["registered_all"] = figures["coverage_registered"] + outside_registered
    figures["outside_using"] = outside_using
    figures["active_all"] = figures.get("coverage_active", 0) + outside_using
    figures["new_voluntary"], figures["new_voluntary_registered"] = new, new_registered


def add_to_officers(out: dict, paths: dict, basis) -> None:
    """Officers' figures ({officer id: figures}, {officer id: unit path}) get their campaign figures."""
    districts = _districts_of_paths(paths.values())
    returns = returns_by_district(districts.values(), basis)
    for officer_id, figures in out.items():
        district = _district_of(paths.get(officer_id, ""), districts)
        _registered, new, new_registered, _using = returns.get(district, (0, 0, 0, 0))
        finish(figures, 0, new, new_registered)


def add_to_units(out: dict, units, root: OrgUnit, basis) -> None:
    """Units' figures ({unit id: figures}) get their campaign figures; the returns of
    every district under `root` are read once and added to the units above them."""
    districts = dict(db.session.execute(sa.select(OrgUnit.path, OrgUnit.id).where(
        OrgUnit.level == UnitLevel.district, OrgUnit.scope_clause(root))).all())
    districts |= _districts_of_paths(u.path for u in units)
    returns = returns_by_district(districts.values(), basis)
    for unit in units:
        figures = out[unit.id]
        if unit.level == UnitLevel.team:
            district = _district_of(unit.path, districts)
            _registered, new, new_registered, _using = returns.get(district, (0, 0, 0, 0))
            finish(figures, 0, new, new_registered)
            continue
        sums = [0, 0, 0, 0]
        for path, district_id in districts.items():
            if path.startswith(unit.path):
                sums = [a + b for a, b in zip(sums, returns[district_id])]
        finish(figures, *sums)
