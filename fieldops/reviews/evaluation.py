"""The figures that feed commendation, from VERIFIED visits only (DESIGN.md), as
of a review period's cut-off, over the campaign's counting range.

Per officer: verified visits made; registrations assisted (Σ newly registered on
them); employers brought to 100% (the employer's figures, counted on verified
visits only, go from below 100% to 100% on the date of one of the officer's
verified visits, and that visit is the employer's latest verified visit of the
day); coverage of the employers they visited (Σ registered ÷ Σ insured as of
the cut-off); follow-ups done by the cut-off and how many on time; obstacles
escalated; their visits returned and not yet corrected.

Per unit (a collective): its officers' sums (employers brought to 100%
counted once), the coverage of the employers it manages (of those its officers
visited, for a team that manages none), and its campaign targets
(fieldops/progress Target) compared with the same verified figures as of the
cut-off: registered people and employers at 100% of its employers, coverage,
visits.

`Basis.as_of` is when the records are read: None for "now" (an open period),
the closing time for a closed one — a visit counts if it had been verified by
then; a returned visit is "not yet corrected" if that was so then. Recomputing
a closed period therefore gives its frozen figures again, unless records were
changed afterwards, which is what the verification page looks for.

Everything is read with grouped queries over chunks of ids (CHUNK at a time),
so time and memory grow with the nominees asked for, not the database.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

import sqlalchemy as sa

from fieldops.auth.models import Role, User
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.definitions import brought_to_full, is_full, line_order
from fieldops.followups.models import FollowUp, FollowUpKind, FollowUpState
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import units_in_scope
from fieldops.outreach import figures as outreach
from fieldops.progress.models import Metric, PERCENT_METRICS, Target
from fieldops.progress.steps import department_steps, employer_steps, life_of
from fieldops.reviews import campaign_figures
from fieldops.timeutil import to_local, utc_bounds
from fieldops.visits.models import FIGURES_SUBMITTED_AT, ReviewState, Visit, VisitLine, VisitRevision

CHUNK = 500


@dataclass(frozen=True)
class Basis:
    start: date  # the campaign's counting-from date
    end: date  # the period's cut-off
    as_of: datetime | None = None  # None: the records as they are now

    @classmethod
    def of(cls, period, frozen=True):
        as_of = period.closed_at if (frozen and not period.is_open) else None
        return cls(period.campaign.counts_from, period.cut_off, as_of)

    def verified(self):
        """Visits that count: verified (by `as_of`), dated within the range."""
        clause = sa.and_(Visit.state == ReviewState.verified, Visit.visit_date >= self.start,
                         Visit.visit_date <= self.end)
        return clause if self.as_of is None else sa.and_(clause, Visit.reviewed_at <= self.as_of)

    def verified_by_end(self):
        """Verified visits up to the cut-off, from any date (an employer's figures)."""
        clause = sa.and_(Visit.state == ReviewState.verified, Visit.visit_date <= self.end)
        return clause if self.as_of is None else sa.and_(clause, Visit.reviewed_at <= self.as_of)


def chunks(ids, size=CHUNK):
    ids = list(ids)
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def share(part, whole):
    return None if not whole else round(100.0 * part / whole, 1)


def empty_figures() -> dict:
    return {"visits": 0, "registrations": 0, "employers_full": 0, "coverage_registered": 0, "coverage_insured": 0,
            "coverage_employers": 0, "coverage_active": 0, "coverage": None, "followups_done": 0,
            "followups_on_time": 0, "on_time_share": None, "escalations": 0, "returned_uncorrected": 0,
            "outreach_verified": 0}


def _finish(figures: dict) -> dict:
    figures["coverage"] = share(figures["coverage_registered"], figures["coverage_insured"])
    figures["on_time_share"] = share(figures["followups_on_time"], figures["followups_done"])
    return figures


# --- employers: their figures over time from verified visits ---------------------------------


def employer_states(employer_ids, basis: Basis):
    """Yields (employer id, district id, steps, {day ordinal: [(submitted_at, visit id, officer id)]})
    per employer, steps from its verified lines up to the cut-off (DESIGN's order)."""
    for ids in chunks(sorted(set(employer_ids))):
        district = dict(db.session.execute(
            sa.select(Employer.id, Employer.district_id).where(Employer.id.in_(ids))).all())
        declared = defaultdict(dict)
        for department_id, employer_id, insured, starts, retired in db.session.execute(
                sa.select(LabourDepartment.id, LabourDepartment.employer_id, LabourDepartment.insured_declared,
                          LabourDepartment.starts_on, LabourDepartment.retired_on)
                .where(LabourDepartment.employer_id.in_(ids))):
            declared[employer_id][department_id] = (insured, life_of(starts, retired))
        visits, by_day = {}, defaultdict(lambda: defaultdict(list))
        where = sa.and_(Visit.employer_id.in_(ids), basis.verified_by_end())
        for visit_id, employer_id, day, submitted_at, officer_id in db.session.execute(
                sa.select(Visit.id, Visit.employer_id, Visit.visit_date, FIGURES_SUBMITTED_AT, Visit.officer_id)
                .where(where)):
            visits[visit_id] = (employer_id, line_order(day, submitted_at, visit_id))
            by_day[employer_id][day.toordinal()].append((submitted_at, visit_id, officer_id))
        lines = defaultdict(lambda: defaultdict(list))
        for visit_id, department_id, insured, registered, active in db.session.execute(
                sa.select(VisitLine.visit_id, VisitLine.labour_department_id, VisitLine.insured, VisitLine.registered,
                          VisitLine.active)
                .join(Visit, Visit.id == VisitLine.visit_id).where(where)):
            employer_id, key = visits[visit_id]
            lines[employer_id][department_id].append((key, insured, registered, active, True))
        for employer_id in ids:
            if employer_id not in district:
                continue
            departments = declared.get(employer_id, {})
            steps = employer_steps(department_steps(insured, lines[employer_id].get(d, ()), life)
                                   for d, (insured, life) in departments.items())
            yield employer_id, district[employer_id], steps, by_day.get(employer_id, {})


def turned_full(steps, by_day, basis: Basis):
    """[(day, officer id)]: the days in the range the employer reached 100%, and who did it."""
    out, before = [], (0, 0)
    for day, insured, registered, *_rest in steps:
        if brought_to_full(before, (insured, registered)):
            moment = date.fromordinal(day)
            if basis.start <= moment <= basis.end and by_day.get(day):
                out.append((moment, max(by_day[day])[2]))
        before = (insured, registered)
    return out


# --- officers --------------------------------------------------------------------------------


def _returned_uncorrected(officer_ids, basis: Basis):
    """{officer id: visits in the range returned and not corrected (as of `as_of`)}."""
    base = sa.and_(Visit.officer_id.in_(officer_ids), Visit.visit_date >= basis.start, Visit.visit_date <= basis.end)
    if basis.as_of is None:
        return dict(db.session.execute(
            sa.select(Visit.officer_id, sa.func.count(Visit.id)).where(base, Visit.state == ReviewState.returned)
            .group_by(Visit.officer_id)).all())
    # Then: the latest revision submitted by `as_of` had been returned by then.
    latest = (sa.select(VisitRevision.visit_id, sa.func.max(VisitRevision.number).label("number"))
              .where(VisitRevision.submitted_at <= basis.as_of).group_by(VisitRevision.visit_id).subquery())
    stmt = (
        sa.select(Visit.officer_id, sa.func.count(Visit.id))
        .join(latest, latest.c.visit_id == Visit.id)
        .join(VisitRevision, sa.and_(VisitRevision.visit_id == Visit.id, VisitRevision.number == latest.c.number))
        .where(base, VisitRevision.review_state == ReviewState.returned, VisitRevision.reviewed_at <= basis.as_of)
        .group_by(Visit.officer_id)
    )
    return dict(db.session.execute(stmt).all())


def officer_figures(officer_ids, basis: Basis, keep_sets=False) -> dict:
    """{officer id: figures}. With keep_sets, each also carries "_full" and "_visited",
    the employer ids behind employers_full and coverage, and "_cover", those
    employers' (insured, registered, active) as of the cut-off (for summing into units);
    without, each carries its campaign figures (fieldops/reviews/campaign_figures.py)."""
    out = {i: empty_figures() | {"_full": set(), "_visited": set()} for i in officer_ids}
    low, high = utc_bounds(basis.start, basis.end)
    if basis.as_of is not None:
        high = min(high, basis.as_of)
    visited = set()
    for ids in chunks(out):
        mine = sa.and_(Visit.officer_id.in_(ids), basis.verified())
        for officer_id, count in db.session.execute(
                sa.select(Visit.officer_id, sa.func.count(Visit.id)).where(mine).group_by(Visit.officer_id)):
            out[officer_id]["visits"] = int(count)
        for officer_id, newly in db.session.execute(
                sa.select(Visit.officer_id, sa.func.sum(VisitLine.newly_registered))
                .join(VisitLine, VisitLine.visit_id == Visit.id).where(mine).group_by(Visit.officer_id)):
            out[officer_id]["registrations"] = int(newly or 0)
        for officer_id, employer_id in db.session.execute(
                sa.select(Visit.officer_id, Visit.employer_id).where(mine).distinct()):
            out[officer_id]["_visited"].add(employer_id)
            visited.add(employer_id)
        for officer_id, count in _returned_uncorrected(ids, basis).items():
            out[officer_id]["returned_uncorrected"] = int(count)
        for officer_id, count in outreach.verified_by_officer(ids, basis).items():
            out[officer_id]["outreach_verified"] = count
        for officer_id, due, completed in db.session.execute(
                sa.select(FollowUp.assignee_id, FollowUp.due_date, FollowUp.completed_at)
                .where(FollowUp.assignee_id.in_(ids), FollowUp.state == FollowUpState.done,
                       FollowUp.completed_at >= low, FollowUp.completed_at < high)):
            out[officer_id]["followups_done"] += 1
            out[officer_id]["followups_on_time"] += 1 if to_local(completed).date() <= due else 0
        for officer_id, count in db.session.execute(
                sa.select(FollowUp.proposer_id, sa.func.count(FollowUp.id))
                .where(FollowUp.proposer_id.in_(ids), FollowUp.kind == FollowUpKind.escalation,
                       FollowUp.created_at >= low, FollowUp.created_at < high).group_by(FollowUp.proposer_id)):
            out[officer_id]["escalations"] = int(count)
    as_of_end = {}
    for employer_id, _district, steps, by_day in employer_states(visited, basis):
        last = steps[-1]
        as_of_end[employer_id] = (last[1], last[2], last[3])
        for _day, officer_id in turned_full(steps, by_day, basis):
            if officer_id in out:
                out[officer_id]["_full"].add(employer_id)
    for figures in out.values():
        figures["employers_full"] = len(figures["_full"])
        add_coverage(figures, (as_of_end[e] for e in figures["_visited"] if e in as_of_end))
        _finish(figures)
        if keep_sets:
            figures["_cover"] = as_of_end
        else:
            del figures["_full"], figures["_visited"]
    if not keep_sets:
        paths = {}
        for ids in chunks(out):
            paths.update(db.session.execute(sa.select(User.id, OrgUnit.path).join(
                OrgUnit, OrgUnit.id == User.org_unit_id).where(User.id.in_(ids))).all())
        campaign_figures.add_to_officers(out, paths, basis)
    return out


def add_coverage(figures, employers):
    """Coverage over employers given as (insured, registered, active) as of the cut-off."""
    for insured, registered, active in employers:
        figures["coverage_insured"] += insured
        figures["coverage_registered"] += registered
        figures["coverage_active"] += active
        figures["coverage_employers"] += 1


# --- units -----------------------------------------------------------------------------------


SUMMED = ("visits", "registrations", "followups_done", "followups_on_time", "escalations", "returned_uncorrected",
          "outreach_verified")


def officers_below(root: OrgUnit):
    """(id, unit path) of every officer in root's subtree, streamed."""
    stmt = (sa.select(User.id, OrgUnit.path).join(OrgUnit, OrgUnit.id == User.org_unit_id)
            .where(User.role == Role.officer, OrgUnit.scope_clause(root)).order_by(User.id))
    return db.session.execute(stmt.execution_options(yield_per=CHUNK)).all()


def district_stock(root: OrgUnit, basis: Basis) -> dict:
    """{district path: [insured, registered, employers, employers at 100%, verified visits, active]}
    as of the cut-off, over the employers managed in root's subtree (streamed by employer id)."""
    stock = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    paths = dict(db.session.execute(sa.select(OrgUnit.id, OrgUnit.path).where(OrgUnit.scope_clause(root))).all())
    last = 0
    while True:
        ids = list(db.session.scalars(
            sa.select(Employer.id).where(Employer.district_id.in_(units_in_scope(root)), Employer.id > last)
            .order_by(Employer.id).limit(CHUNK)))
        if not ids:
            break
        last = ids[-1]
        for _employer, district_id, steps, _by_day in employer_states(ids, basis):
            insured, registered = steps[-1][1], steps[-1][2]
            row = stock[paths[district_id]]
            row[0] += insured
            row[1] += registered
            row[2] += 1
            row[3] += 1 if is_full(insured, registered) else 0
            row[5] += steps[-1][3]
    for district_id, count in db.session.execute(
            sa.select(Employer.district_id, sa.func.count(Visit.id)).join(Employer, Employer.id == Visit.employer_id)
            .where(Employer.district_id.in_(units_in_scope(root)), basis.verified()).group_by(Employer.district_id)):
        stock[paths[district_id]][4] += int(count)
    return stock


def unit_figures(units, basis: Basis, campaign) -> dict:
    """{unit id: figures} for these units, each with "officers", "coverage_basis" and
    "targets". Units nested in others are read with them: each outermost unit's
    subtree is read once."""
    units = sorted(units, key=lambda u: u.path)
    if not units:
        return {}
    targets = defaultdict(dict)
    for ids in chunks([u.id for u in units]):
        for unit_id, metric, value in db.session.execute(
                sa.select(Target.org_unit_id, Target.metric, Target.value)
                .where(Target.campaign_id == campaign.id, Target.org_unit_id.in_(ids))):
            targets[unit_id][Metric(metric)] = value
    tops = []
    for unit in units:
        if not tops or not unit.path.startswith(tops[-1].path):
            tops.append(unit)
    out = {}
    for top in tops:
        members = [u for u in units if u.path.startswith(top.path)]
        out.update(_figures_under(top, members, basis, targets))
    return out


def _prefixes(path: str):
    """"/1/4/9/" → "/1/", "/1/4/", "/1/4/9/": the paths of a unit and the units above it."""
    return [OrgUnit.path_at_depth(path, depth) for depth in range(1, path.count("/"))]


def _figures_under(root: OrgUnit, units, basis: Basis, targets) -> dict:
    """Each officer and each district is added to the requested units above it
    (a walk up its path, not a scan of every unit)."""
    wanted = {u.path: u for u in units}
    officers = officers_below(root)
    people = officer_figures([i for i, _p in officers], basis, keep_sets=True)
    cover = next(iter(people.values()))["_cover"] if people else {}
    sums = {u.id: empty_figures() | {"officers": 0, "_full": set(), "_visited": set()} for u in units}
    for officer_id, path in officers:
        person = people[officer_id]
        for prefix in _prefixes(path):
            if prefix in wanted:
                figures = sums[wanted[prefix].id]
                for key in SUMMED:
                    figures[key] += person[key]
                figures["officers"] += 1
                figures["_full"] |= person["_full"]
                figures["_visited"] |= person["_visited"]
    managed = {u.id: [0, 0, 0, 0, 0, 0] for u in units}
    for path, row in district_stock(root, basis).items():
        for prefix in _prefixes(path):
            if prefix in wanted:
                managed[wanted[prefix].id] = [a + b for a, b in zip(managed[wanted[prefix].id], row)]
    # A team's outreach is its officers'; a district's and above, every activity of their districts.
    outreach_by_path = outreach.verified_by_district_path(root, basis)
    out = {}
    for unit in units:
        figures, mine = sums[unit.id], managed[unit.id]
        if unit.level != UnitLevel.team:
            figures["outreach_verified"] = sum(n for path, n in outreach_by_path.items() if path.startswith(unit.path))
        figures["employers_full"] = len(figures.pop("_full"))
        visited = figures.pop("_visited")
        if mine[2]:
            figures["coverage_basis"] = "managed"
            figures["coverage_insured"], figures["coverage_registered"] = mine[0], mine[1]
            figures["coverage_active"] = mine[5]
            figures["coverage_employers"] = mine[2]
        else:
            figures["coverage_basis"] = "visited"
            add_coverage(figures, (cover[e] for e in visited if e in cover))
        figures["managed_employers_full"] = mine[3]
        _finish(figures)
        figures["targets"] = _targets(unit, targets.get(unit.id, {}), figures, mine)
        out[unit.id] = figures
    campaign_figures.add_to_units(out, units, root, basis)
    return out


def _targets(unit, wanted: dict, figures: dict, managed) -> list:
    """[{metric, target, achieved, met}] for the unit's campaign targets, in metric order."""
    team = unit.level == UnitLevel.team or not managed[2]
    achieved = {
        Metric.registered_employer: Fraction(figures["coverage_registered"]),
        Metric.coverage_pct: (Fraction(100 * figures["coverage_registered"], figures["coverage_insured"])
                              if figures["coverage_insured"] else Fraction(0)),
        Metric.employers_full: Fraction(managed[3] if not team else figures["employers_full"]),
        Metric.visits: Fraction(figures["visits"] if team else managed[4]),
    }
    out = []
    for metric in Metric:
        # A review judges the employer channel's work; the group returns' metrics are not among its figures.
        if metric not in wanted or metric not in achieved:
            continue
        target = Fraction(str(wanted[metric]))
        value = achieved[metric]
        shown = round(float(value), 1) if metric in PERCENT_METRICS else int(value)
        out.append({"metric": metric.value, "target": _plain(target), "achieved": shown, "met": value >= target})
    return out


def _plain(value: Fraction):
    return int(value) if value.denominator == 1 else round(float(value), 2)
