"""Who stands where in a review: every officer and every collective of the part
of the review a user sees, with figures, criteria results and eligibility.

An open period is evaluated from today's records; a closed one is read from
the figures frozen when it closed (ReviewFigure), in the same shape:

    {"kind", "key", "id" (user or unit id), "name", "unit_id", "unit_code",
     "unit_name", "level", "figures", "results", "eligible"}
"""
import math

import sqlalchemy as sa

from fieldops.auth.models import Role, User
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import units_in_scope
from fieldops.reviews import criteria as rules
from fieldops.reviews.evaluation import Basis, officer_figures, unit_figures
from fieldops.reviews.models import NomineeKind, ReviewFigure, ReviewPeriod

I, C = NomineeKind.individual, NomineeKind.collective


def key_of(kind, ident) -> str:
    return f"{'user' if NomineeKind(kind) == I else 'unit'}:{ident}"


def collectives(period: ReviewPeriod, root: OrgUnit):
    """Units of root's subtree that can be nominated: below the organising unit."""
    return db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.scope_clause(root), OrgUnit.id != period.org_unit_id,
                                 OrgUnit.level != UnitLevel.national).order_by(OrgUnit.path)).all()


def officers(root: OrgUnit):
    return db.session.scalars(
        sa.select(User).where(User.role == Role.officer, User.org_unit_id.in_(units_in_scope(root)))
        .order_by(User.full_name, User.id)).all()


def _officer_item(person, figures, results):
    unit = person.org_unit
    return {"kind": I.value, "key": key_of(I, person.id), "id": person.id, "name": person.full_name,
            "unit_id": unit.id, "unit_code": unit.code, "unit_name": unit.name, "level": str(unit.level),
            "figures": figures, "results": results, "eligible": rules.eligible(results)}


def _unit_item(unit, figures, results):
    return {"kind": C.value, "key": key_of(C, unit.id), "id": unit.id, "name": unit.name, "unit_id": unit.id,
            "unit_code": unit.code, "unit_name": unit.name, "level": str(unit.level), "figures": figures,
            "results": results, "eligible": rules.eligible(results)}


def live(period: ReviewPeriod, root: OrgUnit, people=None, units=None, basis=None) -> list:
    """Evaluate now: the officers and collectives given (all of root's by default)."""
    basis = basis or Basis.of(period)
    people = officers(root) if people is None else people
    units = collectives(period, root) if units is None else units
    items = []
    if people:
        figures = officer_figures([p.id for p in people], basis)
        items += [_officer_item(p, figures[p.id], rules.evaluate(period.criteria, figures[p.id], I)) for p in people]
    if units:
        figures = unit_figures(units, basis, period.campaign)
        items += [_unit_item(u, figures[u.id], rules.evaluate(period.criteria, figures[u.id], C)) for u in units]
    return items


def _frozen_item(row: ReviewFigure, unit: OrgUnit):
    return {"kind": str(row.kind), "key": row.subject_key, "id": row.user_id if row.kind == I else row.org_unit_id,
            "name": row.name, "unit_id": unit.id, "unit_code": unit.code, "unit_name": unit.name,
            "level": str(unit.level), "figures": row.figures, "results": row.results, "eligible": row.eligible,
            "breakdown": row.breakdown}


def frozen_stmt(period: ReviewPeriod, root: OrgUnit, kind: NomineeKind):
    return (sa.select(ReviewFigure, OrgUnit).join(OrgUnit, OrgUnit.id == ReviewFigure.org_unit_id)
            .where(ReviewFigure.period_id == period.id, ReviewFigure.kind == kind, OrgUnit.scope_clause(root))
            .order_by(ReviewFigure.eligible.desc(), ReviewFigure.passed.desc(), ReviewFigure.registrations.desc(),
                      ReviewFigure.employers_full.desc(), ReviewFigure.visits.desc(), ReviewFigure.name,
                      ReviewFigure.id))


def frozen_for(period: ReviewPeriod, keys) -> dict:
    """{subject key: item} from the frozen figures (closed periods)."""
    out = {}
    keys = list(keys)
    for start in range(0, len(keys), 500):
        for row, unit in db.session.execute(
                sa.select(ReviewFigure, OrgUnit).join(OrgUnit, OrgUnit.id == ReviewFigure.org_unit_id)
                .where(ReviewFigure.period_id == period.id, ReviewFigure.subject_key.in_(keys[start:start + 500]))):
            out[row.subject_key] = _frozen_item(row, unit)
    return out


def standing_of(period: ReviewPeriod, kind: NomineeKind, subject) -> dict:
    """One nominee's standing: frozen if the period is closed (and it was there), else live."""
    kind = NomineeKind(kind)
    if not period.is_open:
        found = frozen_for(period, [key_of(kind, subject.id)])
        if found:
            return next(iter(found.values()))
    if kind == I:
        return live(period, subject.org_unit, people=[subject], units=[])[0]
    return live(period, subject, people=[], units=[subject])[0]


def standings_for(period: ReviewPeriod, subjects) -> dict:
    """{key: item} for [(kind, subject)]: frozen where there is one, the rest evaluated together."""
    keys = {key_of(kind, s.id): (NomineeKind(kind), s) for kind, s in subjects}
    out = frozen_for(period, keys) if not period.is_open else {}
    people = [s for key, (kind, s) in keys.items() if key not in out and kind == I]
    units = [s for key, (kind, s) in keys.items() if key not in out and kind == C]
    if people or units:
        top = period.org_unit
        for item in live(period, top, people=people, units=units):
            out[item["key"]] = item
    return out


class ListPage:
    """A page of a list, shaped like Flask-SQLAlchemy's pagination for the pager macro."""

    def __init__(self, items, page, per_page, total):
        self.items, self.page, self.per_page, self.total = items, page, per_page, total
        self.pages = max(1, math.ceil(total / per_page)) if per_page else 1
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1


def ranked(period: ReviewPeriod, root: OrgUnit, kind: NomineeKind, page: int, per_page: int,
           eligible_only=False) -> ListPage:
    """One page of the ranking of officers or collectives, best first, with ranks."""
    kind = NomineeKind(kind)
    if not period.is_open:
        stmt = frozen_stmt(period, root, kind)
        if eligible_only:
            stmt = stmt.where(ReviewFigure.eligible.is_(True))
        total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
        rows = db.session.execute(stmt.offset((page - 1) * per_page).limit(per_page)).all()
        items = [_frozen_item(row, unit) for row, unit in rows]
        first = (page - 1) * per_page
        for n, item in enumerate(items):
            item["position"] = first + n + 1
        return ListPage(items, page, per_page, total)
    items = live(period, root, people=None if kind == I else [], units=None if kind == C else [])
    items.sort(key=lambda item: item["name"])
    items.sort(key=rules.rank_key, reverse=True)
    if eligible_only:
        items = [i for i in items if i["eligible"]]
    for n, item in enumerate(items):
        item["position"] = n + 1
    first = (page - 1) * per_page
    return ListPage(items[first:first + per_page], page, per_page, len(items))
