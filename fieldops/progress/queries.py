"""Reading for the progress pages: the worklist, one employer's figures as of a
day, the way down from the user's unit, the periods to choose from, targets."""
from datetime import date
from functools import lru_cache
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import Bundle, aliased, selectinload

from fieldops.core.expressions import given_limit
from fieldops.core.exporting import percent
from fieldops.core.rows import rows_of
from fieldops.core.translations import language_in_force
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import area_of, district_ids_in_scope, in_area, scoped
from fieldops.progress.models import BELOW_FULL, COVERAGE, EmployerTimeline, Metric, Target
from fieldops.progress.periods import PeriodError, parse_period
from fieldops.visits.models import COUNTING_STATES, FIGURES_SUBMITTED_AT, ReviewState, Visit, VisitLine
from fieldops.visits.queries import Totals


_district = aliased(OrgUnit)
# Employers of an area not yet at 100%, most unregistered workers first: the
# employer's columns shown (a Bundle, not an ORM object), its current figures
# from the employer totals kept on write (no GROUP BY over departments), its
# district's code. Employers with nobody insured have nobody to register and are
# left out. Built once: a district's dashboard shows its first ten.
_WORKLIST = (
    sa.select(Bundle("employer", Employer.id, Employer.name, Employer.unit_code, Employer.tax_code),
              EmployerTimeline.insured, EmployerTimeline.registered, EmployerTimeline.unregistered, _district.code)
    .join(EmployerTimeline, EmployerTimeline.employer_id == Employer.id)
    .join(_district, _district.id == Employer.district_id)
    .where(EmployerTimeline.unregistered > 0)
    .order_by(EmployerTimeline.unregistered.desc(), Employer.unit_code)
)
# The area's districts as values: with a subquery the planner walks the country's
# index on `unregistered` (0.15 s) instead of the district's range.
_WORKLIST_IN = _WORKLIST.where(EmployerTimeline.district_id.in_(sa.bindparam("district_ids", expanding=True)))


def worklist(unit: OrgUnit):
    """(statement, parameters) of the unit's worklist: rows of (employer, insured,
    registered, unregistered, district code)."""
    if unit.parent_id is None:
        # The root's subtree is every unit: without the filter the first page is the
        # head of the index on `unregistered`, not a sort of every employer.
        return _WORKLIST, {}
    return _WORKLIST_IN, {"district_ids": district_ids_in_scope(unit)}


@lru_cache(maxsize=64)
def _page(stmt, offset: int, limit: int):
    return stmt.offset(offset).limit(limit)


def worklist_page(unit: OrgUnit, page: int, per_page: int):
    """One page and whether another follows (no count over the whole area)."""
    stmt, parameters = worklist(unit)
    rows = db.session.execute(_page(stmt, (page - 1) * per_page, per_page + 1), parameters).all()
    return rows[:per_page], len(rows) > per_page


# How many of its worklist's employers a district's dashboard shows.
WORKLIST_PREVIEW = 10


def worklist_preview(unit: OrgUnit) -> list[dict]:
    """The head of the unit's worklist as plain values, for a district's dashboard:
    kept with its report (fieldops/progress/snapshots.py), computed once per copy."""
    rows, _more = worklist_page(unit, 1, WORKLIST_PREVIEW)
    return [{"id": employer.id, "name": employer.name, "unit_code": employer.unit_code, "insured": insured,
             "unregistered": unregistered} for employer, insured, _registered, unregistered, _code in rows]


def worklist_rows(unit: OrgUnit):
    """Every row of the worklist as plain values, streamed in batches."""
    stmt, parameters = worklist(unit)
    for employer, insured, registered, unregistered, district_code in db.session.execute(
            stmt.execution_options(yield_per=500), parameters):
        coverage = None if not insured else percent(100.0 * registered / insured)
        yield [employer.unit_code, employer.name, employer.tax_code, district_code, insured, registered,
               unregistered, coverage]


def employer_as_of(employer: Employer, as_of: date):
    """The employer's departments with their figures as of `as_of`: the latest
    counting line with a visit date on or before it, else the declared headcount.
    [(department, (insured, registered, active), visit or None)]."""
    rows = db.session.execute(
        sa.select(VisitLine.labour_department_id, VisitLine.insured, VisitLine.registered, VisitLine.active, Visit)
        .join(Visit, Visit.id == VisitLine.visit_id)
        .where(Visit.employer_id == employer.id, Visit.state.in_(COUNTING_STATES), Visit.visit_date <= as_of)
    ).all()
    latest = {}
    for department_id, insured, registered, active, visit in rows:
        found = latest.get(department_id)
        if found is None or visit.order_key > found[1].order_key:
            latest[department_id] = ((insured, registered, active), visit)
    out = []
    for department in employer.departments:
        figures, visit = latest.get(department.id, ((department.insured_declared, 0, 0), None))
        out.append((department, figures, visit))
    return out


def employer_visits(employer: Employer, start: date, end: date):
    return db.session.scalars(
        sa.select(Visit).where(Visit.employer_id == employer.id, Visit.visit_date >= start, Visit.visit_date <= end)
        .options(selectinload(Visit.officer))
        .order_by(Visit.visit_date.desc(), FIGURES_SUBMITTED_AT.desc(), Visit.id.desc())
    ).all()


def crumbs(unit: OrgUnit, root: OrgUnit):
    """The units from `root` down to `unit` (both included); those two are not read again."""
    if not unit.path.startswith(root.path):
        return []
    ids = unit.ancestor_ids[len(root.ancestor_ids) - 1:]
    known = {root.id: root, unit.id: unit}
    missing = [i for i in ids if i not in known]
    if missing:
        known |= {u.id: u for u in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.id.in_(missing)))}
    return [known[i] for i in ids]


def period_choices(campaign, today: date):
    """[(group label, [(code, label)])]: the campaign, its years, quarters and
    months that have started, latest first."""
    return _period_choices(campaign.id, campaign.counts_from, campaign.ends_on, today, language_in_force())


@lru_cache(maxsize=64)
def _period_choices(campaign_id, counts_from: date, ends_on: date, today: date, _language):
    # The same for every page of a campaign on a day, in a language (the cache's key).
    from fieldops.core.translations import gettext as _

    campaign = SimpleNamespace(id=campaign_id, counts_from=counts_from, ends_on=ends_on)
    last = min(campaign.ends_on, today)
    months, quarters, years = [], [], []
    cursor = campaign.counts_from.replace(day=1)
    while cursor <= last:
        months.append(f"{cursor.year}-{cursor.month:02d}")
        quarter = f"{cursor.year}-Q{(cursor.month - 1) // 3 + 1}"
        if quarter not in quarters:
            quarters.append(quarter)
        if str(cursor.year) not in years:
            years.append(str(cursor.year))
        cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)

    def labelled(codes):
        out = []
        for code in reversed(codes):
            try:
                out.append((code, parse_period(code, campaign, today).label))
            except PeriodError:
                continue
        return out

    return [(_("Campaign"), [("campaign", _("Campaign to date"))]), (_("Years"), labelled(years)),
            (_("Quarters"), labelled(quarters)), (_("Months"), labelled(months))]


# --- targets ---------------------------------------------------------------------------


def units_of(user):
    """The units of the user's area in tree order (a statement, to be paged)."""
    return scoped(OrgUnit, user).order_by(OrgUnit.path)


def targets_for_units(campaign, units):
    """{unit id: {metric: Target}} and {unit id: {metric: Σ children's values}}."""
    ids = [u.id for u in units]
    if not ids or campaign is None:
        return {}, {}
    own = {}
    for target in db.session.scalars(sa.select(Target).where(Target.campaign_id == campaign.id,
                                                             Target.org_unit_id.in_(ids))):
        own.setdefault(target.org_unit_id, {})[Metric(target.metric)] = target
    summed = {}
    rows = db.session.execute(
        sa.select(OrgUnit.parent_id, Target.metric, sa.func.sum(Target.value), sa.func.count(Target.id))
        .join(Target, Target.org_unit_id == OrgUnit.id)
        .where(Target.campaign_id == campaign.id, OrgUnit.parent_id.in_(ids))
        .group_by(OrgUnit.parent_id, Target.metric)
    )
    for parent_id, metric, total, count in rows:
        summed.setdefault(parent_id, {})[Metric(metric)] = (total, count)
    return own, summed


def department_totals(rows):
    insured = sum(f[0] for _d, f, _v in rows)
    registered = sum(f[1] for _d, f, _v in rows)
    active = sum(f[2] for _d, f, _v in rows)
    verified = sum(f[1] for _d, f, v in rows if v is not None and v.state == ReviewState.verified)
    return {"insured": insured, "registered": registered, "active": active, "unregistered": insured - registered,
            "coverage": None if not insured else 100.0 * registered / insured, "registered_verified": verified,
            "full": insured > 0 and registered == insured}


# The user's area's employers below 100%, lowest coverage first (most
# unregistered first on a tie, then the earliest registered), from the employer
# totals kept on write: the first rows of an index in that order, and only the
# chosen employers fetched. Built once, like the officer's visits.
_CHOSEN = (
    sa.select(EmployerTimeline.employer_id, EmployerTimeline.insured, EmployerTimeline.registered,
              COVERAGE.label("ratio"))
    .where(in_area(EmployerTimeline.district_id), BELOW_FULL)
    .order_by(COVERAGE, EmployerTimeline.unregistered.desc(), EmployerTimeline.employer_id)
    .limit(given_limit())
    .subquery()
)
_FURTHEST = (
    sa.select(Employer.id, Employer.name, _CHOSEN.c.insured, _CHOSEN.c.registered)
    .join(_CHOSEN, _CHOSEN.c.employer_id == Employer.id)
    .order_by(_CHOSEN.c.ratio, (_CHOSEN.c.insured - _CHOSEN.c.registered).desc(), Employer.id)
)


def employers_furthest_from_full(user, limit=10):
    """[(employer's id and name, Totals)] of the employers furthest from 100% in the
    user's area; employers with nobody insured have no coverage and are left out."""
    return [(employer, Totals(employer.insured, employer.registered))
            for employer in rows_of(_FURTHEST, {"limit": limit} | area_of(user))]
