"""A unit's progress report for a period, as plain values: what the dashboard
shows, the exports write and the printed report prints, computed once so the
three never disagree.

Districts and the units above them show stock figures as of the period's last
day (or today, while it runs) and the flows of the period; teams show their
officers' work. Targets are campaign targets: they are compared with the
campaign-to-date figures as of that same day.
"""
from datetime import date
from fractions import Fraction

import sqlalchemy as sa

from fieldops.campaigns.models import Campaign
from fieldops.campaigns.queries import campaign_in_force
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.definitions import MET, Funnel, worst_status
from fieldops.progress import figures as fig
from fieldops.progress import goals
from fieldops.progress import work as officer_work
from fieldops.progress.format import figure, pct
from fieldops.progress.charts import category_bars, line_chart, target_bars
from fieldops.progress.labels import NO_OFFICERS, comparison_labels, metric_labels, status_labels
from fieldops.progress.models import PERCENT_METRICS, TEAM_METRICS, Metric, Target
from fieldops.progress.periods import Period, parse_period
from fieldops.progress.scoring import (
    as_number, as_percent, assess, competition_ranks, elapsed_share, overall_progress,
)
from fieldops.progress import outreach_report, queries
from fieldops.returns import figures as returns_figures
from fieldops.visits.labels import obstacle_labels
from fieldops.visits.models import ObstacleCategory

STOCK_METRICS = (Metric.active_all, Metric.active_employer, Metric.registered_employer, Metric.coverage_pct,
                 Metric.employers_full, Metric.visits, Metric.registered_all, Metric.new_voluntary_pct)
RANK_CHOICES = ("overall",) + tuple(m.value for m in Metric)


def current_campaign(today: date) -> Campaign | None:
    """The campaign in force (fieldops/campaigns/queries.py)."""
    return campaign_in_force(today)


def resolve_period(text: str, campaign: Campaign, today: date) -> Period:
    return parse_period(text, campaign, today)


def is_team(unit: OrgUnit) -> bool:
    return unit.level == UnitLevel.team


def children_of(unit: OrgUnit):
    return db.session.scalars(sa.select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.code)).all()


def targets_of(campaign: Campaign, unit_ids) -> dict:
    """{(unit id, metric): (value, comparison)} of the campaign's targets for these units."""
    rows = db.session.execute(
        sa.select(Target.org_unit_id, Target.metric, Target.value, Target.comparison)
        .where(Target.campaign_id == campaign.id, Target.org_unit_id.in_(list(unit_ids)))
    )
    return {(unit_id, Metric(metric)): (value, comparison) for unit_id, metric, value, comparison in rows}


def _achieved(metric, stock, visits, outside, reviewed):
    """Campaign to date: `outside` is what the group returns add, `reviewed` the
    figures over the departments reviewed in the campaign (None for a team)."""
    if metric == Metric.visits:
        return Fraction(visits)
    if stock is None:
        return None
    if metric == Metric.registered_all:
        return Fraction(stock.registered + outside.registered)
    if metric == Metric.active_all:
        return Fraction(stock.active + outside.using)
    if metric == Metric.active_employer:
        return Fraction(stock.active)
    if metric == Metric.new_voluntary_pct:
        new = outside.new_voluntary
        return Fraction(100 * outside.new_voluntary_registered, new) if new else None
    if metric == Metric.registered_employer:
        return Fraction(stock.registered)
    # The seed's coverage and employers at 100% are over what was reviewed in the campaign.
    if metric == Metric.employers_full:
        return Fraction(reviewed.employers_full)
    return Fraction(100 * reviewed.registered, reviewed.insured) if reviewed.insured else Fraction(0)


def _metrics_for(unit):
    return TEAM_METRICS if is_team(unit) else STOCK_METRICS


def _assessments(unit, targets, stock, visits, share, outside=None, reviewed=None):
    out = {}
    for m in _metrics_for(unit):
        value, comparison = targets.get((unit.id, m), (None, None))
        out[m] = assess(_achieved(m, stock, visits, outside, reviewed), value, share, comparison)
    return out


def _reviewed_dict(reviewed):
    return {"departments": reviewed.departments, "departments_reviewed": reviewed.departments_reviewed,
            "reviewed_share": reviewed.reviewed_share, "insured": reviewed.insured,
            "registered": reviewed.registered, "active": reviewed.active, "coverage": reviewed.coverage,
            "employers": reviewed.employers, "employers_full": reviewed.employers_full,
            "full_share": reviewed.full_share}


def _stock_dict(stock):
    if stock is None:
        return None
    return {**Funnel(stock.insured, stock.registered, stock.active).as_dict(),
            "coverage": stock.coverage, "employers": stock.employers,
            "employers_full": stock.employers_full, "full_share": stock.full_share,
            "registered_verified": stock.registered_verified, "verified_share": stock.verified_share}


def _flows_dict(flows):
    return {"visits": flows.visits, "visits_verified": flows.visits_verified,
            "visits_verified_share": flows.visits_verified_share, "registrations": flows.registrations,
            "registrations_verified": flows.registrations_verified,
            "registrations_verified_share": flows.registrations_verified_share}


def _work_dict(work):
    return _flows_dict(work) | {
        "employers_full": work.employers_full, "followups_done": work.followups_done,
        "followups_on_time": work.followups_on_time, "on_time_share": work.on_time_share,
        "escalations": work.escalations}


def _rank_key(rank, unit, assessments):
    if rank == "overall":
        return overall_progress(assessments.values())
    metric = Metric(rank)
    return assessments[metric].progress if metric in assessments else None


def _basis(rank, as_of):
    when = as_of.strftime("%d/%m/%Y")
    if rank == "overall":
        return _("Ranked by the mean of achieved ÷ target over the metrics with a target (each counted up to 100%%), "
                 "campaign to date as of %(date)s. Equal progress shares a rank; units without a target come last.",
                 date=when)
    return _("Ranked by achieved ÷ target for “%(metric)s”, campaign to date as of %(date)s. Equal progress shares "
             "a rank; units without this target come last.", metric=metric_labels()[Metric(rank)], date=when)


def officer_basis():
    return _("Officers have no targets: ranked by registrations assisted in the period, then by employers brought to "
             "100%. Equal figures share a rank.")


def _officer_rows(officers, works):
    def key(officer):
        w = works[officer.id]
        return (w.registrations, w.employers_full)

    rows = []
    for rank, officer in competition_ranks(list(officers), key):
        rows.append({"rank": rank, "id": officer.id, "name": officer.full_name, "unit_code": officer.org_unit.code,
                     **_work_dict(works[officer.id])})
    return rows


def _metric_dict(assessments):
    return {m.value: {"target": as_number(a.target, 2), "achieved": as_number(a.achieved, 1),
                      "progress": as_percent(a.progress), "status": a.status} for m, a in assessments.items()}


def _period_dict(period, as_of):
    return {"code": period.code, "kind": period.kind, "label": period.label, "start": period.start,
            "end": period.end, "as_of": as_of}


def _target_rows(unit, assessments, child_targets, children):
    labels = metric_labels()
    statuses = status_labels()
    comparisons = comparison_labels()
    rows = []
    for metric, a in assessments.items():
        values = [child_targets.get((c.id, metric), (None,))[0] for c in children]
        summed = None
        if metric not in PERCENT_METRICS and any(v is not None for v in values):
            summed = as_number(sum((Fraction(str(v)) for v in values if v is not None), Fraction(0)), 2)
        # A percentage keeps its digits for the one rounding of the pages (definitions.shown_percent).
        percent = metric in PERCENT_METRICS
        digits = 4 if percent else 2
        rows.append({"metric": metric.value, "percent": percent, "label": str(labels[metric]),
                     "target": as_number(a.target, digits),
                     "comparison": a.comparison.value, "comparison_label": str(comparisons[a.comparison]),
                     "gap": as_number(a.gap(Fraction(1, 10) if percent else 1), digits),
                     "children_sum": summed, "children_with_target": sum(v is not None for v in values),
                     "achieved": as_number(a.achieved, digits), "expected": as_number(a.expected, digits),
                     "progress": as_percent(a.progress), "status": a.status, "status_label": str(statuses[a.status])})
    return rows


def unit_report(unit: OrgUnit, campaign: Campaign, period: Period, today: date, rank="overall") -> dict:
    rank = rank if rank in RANK_CHOICES else "overall"
    as_of = period.as_of(today)
    share = elapsed_share(campaign, as_of)
    children = children_of(unit)
    kids = {c.id: c for c in children}
    targets = targets_of(campaign, [unit.id, *kids])
    span = (period.start, as_of)
    to_date = (campaign.counts_from, as_of)
    report = {
        "unit": {"id": unit.id, "code": unit.code, "name": unit.name, "level": str(unit.level),
                 "kind": "work" if is_team(unit) else "stock"},
        "campaign": {"name": campaign.name, "counts_from": campaign.counts_from, "ends_on": campaign.ends_on},
        "period": _period_dict(period, as_of),
        "elapsed_pct": as_percent(share),
        "stock": None, "outside": None, "work": None, "followups": None, "months": [], "obstacles": [], "officers": None,
    }
    child_assessments, unstaffed = {}, set()
    months_read = {}
    officers = officer_work.officers_of(unit) if unit.level in (UnitLevel.district, UnitLevel.team) else []
    works = officer_work.officers_work([o.id for o in officers], *span) if officers else {}
    if is_team(unit):
        visits_to_date = officer_work.visit_counts([o.id for o in officers], *to_date)
        team = officer_work.total(works.values())
        report["work"] = _work_dict(team) | {"officers": len(officers)}
        report["funnel"] = officer_work.visited_funnel([o.id for o in officers], *span).as_dict()
        assessments = _assessments(unit, targets, None, sum(visits_to_date.values()), share)
        report["children"] = []
    else:
        month_ends = fig.month_ends_between(campaign.counts_from, as_of)
        stocks = fig.stock_as_of(unit, month_ends)
        reviewed_months = fig.reviewed_as_of(unit, campaign.id, month_ends)
        months_read = {d: (stocks[d], reviewed_months[d]) for d in month_ends}
        stock, child_stock = fig.stock_by_child(unit, as_of, children)
        reviewed, child_reviewed = fig.reviewed_by_child(unit, campaign.id, as_of, children)
        flows = fig.flows(unit, {"period": span, "to_date": to_date}, children)
        period_flows, child_flows = flows["period"]
        to_date_flows, child_to_date = flows["to_date"]
        (opened, overdue), child_followups = fig.followups_open(unit, today, children)
        report["stock"] = _stock_dict(stock)
        report["reviewed"] = _reviewed_dict(reviewed)
        stock_children = [c for c in children if not is_team(c)]
        outside_spans = returns_figures.outside_by_child(
            unit, {"period": period.start, "to_date": campaign.counts_from}, as_of, stock_children,
            known_by=period.returns_known_by(as_of))
        outside, child_outside = outside_spans["period"]
        outside_to_date, child_outside_to_date = outside_spans["to_date"]
        report["outside"] = returns_figures.as_report(outside, stock.registered)
        report["using"] = _using_dict(stock, outside)
        report["flows"] = _flows_dict(period_flows)
        report["followups"] = {"open": opened, "overdue": overdue}
        # Each month's end: the funnel over all departments, coverage over those reviewed
        # by then, and what the schedule of the unit's targets expects by then.
        expected = {m: (value, comparison) for (unit_id, m), (value, comparison) in targets.items()
                    if unit_id == unit.id}
        report["months"] = [{"as_of": d, "label": d.strftime("%m/%Y"), "insured": stocks[d].insured,
                             "registered": stocks[d].registered, "coverage": reviewed_months[d].coverage,
                             "coverage_all": stocks[d].coverage, "active": stocks[d].active,
                             "expected": {m.value: float(Fraction(str(value)) * elapsed_share(campaign, d))
                                          for m, (value, _c) in expected.items()}}
                            for d in month_ends]
        labels = obstacle_labels()
        counted = fig.obstacles(unit, *span)
        report["obstacles"] = [{"category": c.value, "label": str(labels[c]), "obstacles": counted.get(c.value, (0, 0))[0],
                                "people": counted.get(c.value, (0, 0))[1]} for c in ObstacleCategory]
        assessments = _assessments(unit, targets, stock, to_date_flows.visits, share, outside_to_date, reviewed)
        team_children = [c for c in children if is_team(c)]
        team_visits = {}
        if team_children:
            to_date_visits = officer_work.visit_counts([o.id for o in officers], *to_date)
            for child in team_children:
                team_visits[child.id] = sum(to_date_visits.get(o.id, 0) for o in officers if o.org_unit_id == child.id)
        rows = []
        for child in children:
            if is_team(child):
                mine = [o for o in officers if o.org_unit_id == child.id]
                # A team with nobody in it is not behind: it has no one to do the work.
                child_assessments[child.id] = _assessments(child, targets if mine else {}, None,
                                                           team_visits[child.id], share)
                if not mine:
                    unstaffed.add(child.id)
                row = {"kind": "work", "officers": len(mine),
                       **_work_dict(officer_work.total(works[o.id] for o in mine))}
            else:
                child_assessments[child.id] = _assessments(child, targets, child_stock[child.id],
                                                           child_to_date[child.id].visits, share,
                                                           child_outside_to_date[child.id], child_reviewed[child.id])
                row = {"kind": "stock", **_stock_dict(child_stock[child.id]), **_flows_dict(child_flows[child.id]),
                       "outside": returns_figures.as_report(child_outside[child.id], child_stock[child.id].registered),
                       "using": _using_dict(child_stock[child.id], child_outside[child.id]),
                       "reviewed": _reviewed_dict(child_reviewed[child.id]),
                       "followups_open": child_followups[child.id][0],
                       "followups_overdue": child_followups[child.id][1]}
            overall = overall_progress(child_assessments[child.id].values())
            status = NO_OFFICERS if child.id in unstaffed else _overall_status(child_assessments[child.id].values())
            rows.append({"id": child.id, "code": child.code, "name": child.name, "level": str(child.level),
                         "progress": as_percent(overall), "status": status,
                         "metrics": _metric_dict(child_assessments[child.id]), **row})
        report["children"] = rows
    report["targets"] = _target_rows(unit, assessments, targets, children)
    previous, report["previous"] = _previous(unit, campaign, period, as_of, targets, months_read)
    report["goals"] = goals.goal_cards(assessments, previous)
    report["leaderboard"] = _leaderboard(children, child_assessments, rank, as_of, unstaffed)
    if officers:
        report["officers"] = {"basis": officer_basis(), "rows": _officer_rows(officers, works)}
    report["outreach"] = outreach_report.as_report(unit, period.start, as_of)
    # The district's employers furthest from 100% now, kept with the copy like its figures.
    report["worklist"] = queries.worklist_preview(unit) if unit.level == UnitLevel.district else []
    report["charts"] = _charts(report, rank)
    return report


def _using_dict(stock, outside):
    """People using the app, all groups: the employer channel's active and the returns' using."""
    return {"employer": stock.active, "outside": outside.using, "all": stock.active + outside.using,
            "returns_unknown": outside.using_unknown}


def _previous(unit, campaign, period, as_of, targets, months_read):
    """The unit's assessments and headline figures as of the previous period's end
    (for the change shown beside each), or (None, None) when the campaign had not
    started counting then. The stock and the reviewed figures as of that day, a
    month's end, are among the month ends read for the chart (`months_read`)."""
    day = goals.previous_as_of(period, as_of, campaign.counts_from)
    if day is None:
        return None, None
    share = elapsed_share(campaign, day)
    to_date = (campaign.counts_from, day)
    if is_team(unit):
        officers = officer_work.officers_of(unit)
        visits = sum(officer_work.visit_counts([o.id for o in officers], *to_date).values()) if officers else 0
        return _assessments(unit, targets, None, visits, share), {"as_of": day}
    stock, reviewed = months_read[day]
    to_date_flows, _children = fig.flows(unit, {"to_date": to_date})["to_date"]
    outside, _children = returns_figures.outside_by_child(unit, {"to_date": campaign.counts_from}, day,
                                                          known_by=period.returns_known_by(day))["to_date"]
    shown = {"as_of": day, "registered": stock.registered, "active": stock.active,
             "active_all": stock.active + outside.using, "registered_all": stock.registered + outside.registered,
             "coverage": reviewed.coverage}
    return _assessments(unit, targets, stock, to_date_flows.visits, share, outside, reviewed), shown


def _leaderboard(children, child_assessments, rank, as_of, unstaffed=()):
    statuses = status_labels()
    rows = []
    for position, child in competition_ranks(children, lambda c: _rank_key(rank, c, child_assessments[c.id])):
        a = child_assessments[child.id]
        progress = _rank_key(rank, child, a)
        shown = a.get(Metric(rank)) if rank != "overall" else None
        status = shown.status if shown is not None else _overall_status(a.values())
        if child.id in unstaffed:
            status = NO_OFFICERS
        rows.append({"rank": position, "id": child.id, "code": child.code, "name": child.name,
                     "progress": as_percent(progress), "status": status, "status_label": str(statuses[status]),
                     "targets_met": sum(x.status == MET for x in a.values()),
                     "targets_set": sum(x.target is not None for x in a.values()),
                     "achieved": as_number(shown.achieved) if shown else None,
                     "target": as_number(shown.target, 2) if shown else None})
    return {"metric": rank, "basis": _basis(rank, as_of), "rows": rows}


def _overall_status(assessments):
    return worst_status(a.status for a in assessments)


def _chart_metric(report, rank):
    if rank != "overall":
        return Metric(rank)
    return Metric.visits if report["unit"]["level"] == "district" else Metric.registered_employer


def _charts(report, rank):
    charts, tables = {}, {}
    if report["months"]:
        planned = [m["expected"].get(Metric.coverage_pct.value) for m in report["months"]]
        charts["coverage"] = line_chart([(m["as_of"].strftime("%m/%y"), m["coverage"]) for m in report["months"]],
                                        title=_("Coverage by month"), y_max=100,
                                        expected=planned if any(v is not None for v in planned) else None)
        using = [m["expected"].get(Metric.active_employer.value) for m in report["months"]]
        charts["active"] = line_chart(
            [(m["as_of"].strftime("%m/%y"), m["active"]) for m in report["months"]],
            title=_("People using the app (employer channel) by month"), unit="",
            expected=using if any(v is not None for v in using) else None)
        tables["active"] = [[m["label"], figure(m["active"]),
                             figure(round(m["expected"][Metric.active_employer.value]))
                             if Metric.active_employer.value in m["expected"] else "—"] for m in report["months"]]
        tables["coverage"] = [[m["label"], figure(m["insured"]), figure(m["registered"]), pct(m["coverage"])]
                              for m in report["months"]]
    metric = _chart_metric(report, rank)
    bars = [(c["code"], c["metrics"][metric.value]["target"], c["metrics"][metric.value]["achieved"])
            for c in report["children"] if metric.value in c["metrics"]]
    if bars:
        unit = "%" if metric in PERCENT_METRICS else ""
        charts["targets"] = target_bars(
            bars, title=_("Target and achieved: %(metric)s", metric=metric_labels()[metric]),
            unit=unit, legend=(_("Target"), _("Achieved")))
        shown = pct if unit else figure
        tables["targets"] = [[code, shown(target), shown(achieved)] for code, target, achieved in bars]
        report["chart_metric"] = str(metric_labels()[metric])
    if report["obstacles"]:
        charts["obstacles"] = category_bars([(o["label"], o["obstacles"]) for o in report["obstacles"]],
                                            title=_("Obstacles by category"))
        tables["obstacles"] = [[o["label"], figure(o["obstacles"]), figure(o["people"])] for o in report["obstacles"]]
    report["chart_tables"] = tables
    return charts
