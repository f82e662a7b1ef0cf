"""What outreach counts, per unit (its subtree) and period: activities held by
kind and by group, people reached, registrations made on the spot and
registrations per 100 people reached; the plan against what was held.

Held means held or verified (dashboards count everything recorded, with the
verified share beside it); the figures that feed commendation count verified
activities only (`verified_counts`). An activity belongs to the period of its
first day. An activity for two groups counts in both groups' rows, so the group
rows may add up to more than the total. Registrations on the spot are contacts
an activity counted, never added to the funnel's people.
"""
from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa

from fieldops.auth.models import Role, User
from fieldops.campaigns.models import ParticipantGroup
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import district_ids_in_scope, units_in_scope
from fieldops.outreach.labels import group_labels, kind_labels
from fieldops.outreach.models import (HELD_STATES, OUTREACH_GROUPS, OutreachActivity, OutreachActivityGroup,
                                      OutreachKind, OutreachPlanLine, OutreachState, PlanPeriod, per_100)

A = OutreachActivity


def _owned_by(unit: OrgUnit):
    """The activities of a unit's subtree: its districts' (a team: its officers')."""
    if unit.level == UnitLevel.team:
        return A.officer_id.in_(sa.select(User.id).where(User.org_unit_id.in_(units_in_scope(unit)),
                                                         User.role.in_((Role.officer, Role.supervisor))))
    return A.district_id.in_(district_ids_in_scope(unit))


def _row(label, held=0, verified=0, people=0, registrations=0, **extra):
    return {"label": label, "held": held, "verified": verified, "people": people, "registrations": registrations,
            "per_100": per_100(registrations, people), **extra}


def period_end(kind, start: date) -> date:
    months = 3 if kind == PlanPeriod.quarter else 1
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def planned_by(where, start: date, end: date) -> dict:
    """{(kind, group): planned} over the plans of `where` lying wholly within start..end."""
    out = defaultdict(int)
    for kind, group, period_kind, period_start, planned in db.session.execute(
            sa.select(OutreachPlanLine.kind, OutreachPlanLine.participant_group, OutreachPlanLine.period_kind,
                      OutreachPlanLine.period_start, OutreachPlanLine.planned)
            .where(where, OutreachPlanLine.period_start >= start, OutreachPlanLine.period_start <= end)):
        if period_end(PlanPeriod(period_kind), period_start) <= end:
            out[(OutreachKind(kind), ParticipantGroup(group))] += planned
    return out


def held_by_kind_group(where, start: date, end: date) -> dict:
    """{(kind, group): activities held} of `where` with their first day in start..end."""
    rows = db.session.execute(
        sa.select(A.kind, OutreachActivityGroup.participant_group, sa.func.count(A.id))
        .join(OutreachActivityGroup, OutreachActivityGroup.activity_id == A.id)
        .where(where, A.state.in_(HELD_STATES), A.starts_on >= start, A.starts_on <= end)
        .group_by(A.kind, OutreachActivityGroup.participant_group))
    return {(OutreachKind(k), ParticipantGroup(g)): int(n) for k, g, n in rows}


def plan_table(planned: dict, held: dict) -> list:
    """Rows per kind and group with a plan or a held activity: planned, held, held ÷ planned."""
    kinds, groups = kind_labels(), group_labels()
    rows = []
    for kind in OutreachKind:
        for group in OUTREACH_GROUPS:
            p, h = planned.get((kind, group), 0), held.get((kind, group), 0)
            if p or h:
                rows.append({"kind": kind.value, "group": group.value, "kind_label": str(kinds[kind]),
                             "group_label": str(groups[group]), "planned": p, "held": h,
                             "done": None if not p else round(100.0 * h / p, 1)})
    return rows


def unit_outreach(unit: OrgUnit, start: date, end: date) -> dict:
    """The outreach of a unit's subtree over start..end, as plain values."""
    where = _owned_by(unit)
    in_period = sa.and_(where, A.starts_on >= start, A.starts_on <= end)
    kinds, groups = kind_labels(), group_labels()
    by_kind = {k: _row(str(kinds[k]), kind=k.value) for k in OutreachKind}
    states = defaultdict(int)
    for kind, state, count, people, registrations in db.session.execute(
            sa.select(A.kind, A.state, sa.func.count(A.id), sa.func.sum(A.people_reached),
                      sa.func.sum(A.registrations)).where(in_period).group_by(A.kind, A.state)):
        state = OutreachState(state)
        states[state] += int(count)
        if state in HELD_STATES:
            row = by_kind[OutreachKind(kind)]
            row["held"] += int(count)
            row["verified"] += int(count) if state == OutreachState.verified else 0
            row["people"] += int(people or 0)
            row["registrations"] += int(registrations or 0)
    by_group = {g: _row(str(groups[g]), group=g.value) for g in OUTREACH_GROUPS}
    for group, state, count, people, registrations in db.session.execute(
            sa.select(OutreachActivityGroup.participant_group, A.state, sa.func.count(A.id),
                      sa.func.sum(A.people_reached), sa.func.sum(A.registrations))
            .join(OutreachActivityGroup, OutreachActivityGroup.activity_id == A.id)
            .where(in_period, A.state.in_(HELD_STATES)).group_by(OutreachActivityGroup.participant_group, A.state)):
        row = by_group[ParticipantGroup(group)]
        row["held"] += int(count)
        row["verified"] += int(count) if OutreachState(state) == OutreachState.verified else 0
        row["people"] += int(people or 0)
        row["registrations"] += int(registrations or 0)
    for row in (*by_kind.values(), *by_group.values()):
        row["per_100"] = per_100(row["registrations"], row["people"])
    total = _row(_("All activities"), held=sum(r["held"] for r in by_kind.values()),
                 verified=sum(r["verified"] for r in by_kind.values()),
                 people=sum(r["people"] for r in by_kind.values()),
                 registrations=sum(r["registrations"] for r in by_kind.values()))
    total["verified_share"] = None if not total["held"] else round(100.0 * total["verified"] / total["held"], 1)
    plan_where = (OutreachPlanLine.district_id.in_(district_ids_in_scope(unit)) if unit.level != UnitLevel.team
                  else sa.false())
    plan = plan_table(planned_by(plan_where, start, end), held_by_kind_group(where, start, end))
    plan_by_kind = {}
    for row in plan:
        kind = plan_by_kind.setdefault(row["kind"], {"kind": row["kind"], "kind_label": row["kind_label"],
                                                     "planned": 0, "held": 0})
        kind["planned"] += row["planned"]
        kind["held"] += row["held"]
    for row in plan_by_kind.values():
        row["done"] = None if not row["planned"] else round(100.0 * row["held"] / row["planned"], 1)
    return {"total": total, "planned_open": states[OutreachState.planned],
            "plan_by_kind": list(plan_by_kind.values()),
            "cancelled": states[OutreachState.cancelled],
            "by_kind": [r for r in by_kind.values() if r["held"]],
            "by_group": [r for r in by_group.values() if r["held"]],
            "plan": plan, "plan_total": sum(r["planned"] for r in plan),
            "plan_held": sum(r["held"] for r in plan if r["planned"])}


# --- commendation: verified activities only --------------------------------------------------


def _verified(basis):
    clause = sa.and_(A.state == OutreachState.verified, A.starts_on >= basis.start, A.starts_on <= basis.end)
    return clause if basis.as_of is None else sa.and_(clause, A.verified_at <= basis.as_of)


def verified_by_officer(officer_ids, basis) -> dict:
    """{officer id: verified activities they recorded} in the review's range."""
    out = {}
    ids = list(officer_ids)
    for i in range(0, len(ids), 500):
        out.update((officer_id, int(n)) for officer_id, n in db.session.execute(
            sa.select(A.officer_id, sa.func.count(A.id)).where(A.officer_id.in_(ids[i:i + 500]), _verified(basis))
            .group_by(A.officer_id)))
    return out


def verified_by_district_path(root: OrgUnit, basis) -> dict:
    """{district path: verified activities} of the districts in root's subtree."""
    return {path: int(n) for path, n in db.session.execute(
        sa.select(OrgUnit.path, sa.func.count(A.id)).join(OrgUnit, OrgUnit.id == A.district_id)
        .where(A.district_id.in_(units_in_scope(root)), _verified(basis)).group_by(OrgUnit.path))}


def verified_activities(unit_or_officer, basis, limit=200) -> list:
    """The verified activities behind a nominee's count, as plain values (the achievement report)."""
    if isinstance(unit_or_officer, User):
        where = A.officer_id == unit_or_officer.id
    elif unit_or_officer.level == UnitLevel.team:
        where = _owned_by(unit_or_officer)
    else:
        where = A.district_id.in_(units_in_scope(unit_or_officer))
    rows = db.session.scalars(sa.select(A).where(where, _verified(basis)).order_by(A.starts_on, A.id)
                              .limit(limit)).all()
    return [{"id": a.id, "date": a.starts_on.isoformat(), "kind": a.kind.value, "place": a.place,
             "people": a.people_reached, "registrations": a.registrations} for a in rows]
