"""A new campaign's targets: copied from an earlier campaign, and a parent's
targets allocated to its children in proportion to a figure, then adjusted by
hand on the targets page (fieldops/progress/target_routes.py).

A target is copied column by column (all but its id, campaign and times), so a
column added to targets later is carried along without a change here.

Allocation splits a count exactly: each child gets the whole part of its share,
and the units left over by rounding go one each to the children with the
largest remainders, ties broken by unit code, so the children's targets add up
to the parent's and the same figures always give the same split. A percentage
(coverage, new voluntary participants registered) does not add up: each child
gets the parent's."""
from datetime import date
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import force_locale

from fieldops.audit.operations import record
from fieldops.campaigns.models import Campaign
from fieldops.core.translations import lazy_gettext as _l
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.progress.dashboard import unit_report
from fieldops.progress.figures import stock_by_child
from fieldops.progress.labels import metric_labels
from fieldops.progress.models import PERCENT_METRICS, TEAM_METRICS, Metric, Target
from fieldops.progress.periods import PeriodError, parse_period

# What a target copy leaves out: what makes it this row, of this campaign, at this time.
NOT_COPIED = ("id", "campaign_id", "created_at", "updated_at")


class TargetsError(ValueError):
    def __init__(self, field, message):
        super().__init__(message)
        self.field, self.message = field, message


def copied_columns() -> list[str]:
    return [c.key for c in Target.__table__.columns if c.key not in NOT_COPIED]


def _count(campaign) -> int:
    return db.session.scalar(sa.select(sa.func.count(Target.id)).where(Target.campaign_id == campaign.id))


def copy_targets(actor, source: Campaign, destination: Campaign) -> int:
    """Every target of `source` (every unit, every metric) into `destination`, which must have none."""
    if source.id == destination.id:
        raise TargetsError("source_id", _l("Choose another campaign than this one."))
    if _count(destination):
        raise TargetsError("source_id", _l(
            "This campaign already has %(count)s targets: copying would mix two sets. Change them on the targets "
            "page instead.", count=_count(destination)))
    columns = copied_columns()
    rows = [{**{name: getattr(t, name) for name in columns}, "campaign_id": destination.id}
            for t in db.session.scalars(sa.select(Target).where(Target.campaign_id == source.id)
                                        .order_by(Target.org_unit_id, Target.metric))]
    if not rows:
        raise TargetsError("source_id", _l("%(campaign)s has no targets to copy.", campaign=source.label))
    db.session.execute(sa.insert(Target), rows)
    db.session.flush()
    record("campaign.targets_copy", actor=actor, obj=destination,
           after={"source_id": source.id, "destination_id": destination.id, "targets": len(rows)})
    return len(rows)


# --- allocation -------------------------------------------------------------------------


def largest_remainder(total: int, weights: dict, codes: dict) -> dict:
    """{key: whole share of `total`} in proportion to `weights` (≥ 0, not all 0),
    adding up to `total` exactly: leftovers to the largest remainders, ties by `codes[key]`."""
    whole = sum(weights.values(), Fraction(0))
    exact = {k: Fraction(total) * Fraction(w) / whole for k, w in weights.items()}
    shares = {k: int(v) for k, v in exact.items()}  # v ≥ 0: int() is the floor
    left = total - sum(shares.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - shares[k]), codes[k]))[:left]:
        shares[k] += 1
    return shares


def _children(parent: OrgUnit):
    return db.session.scalars(sa.select(OrgUnit).where(OrgUnit.parent_id == parent.id).order_by(OrgUnit.code)).all()


def _insured(parent, children, today):
    """Each child's insured people (employer channel) as of `today`, the same for every metric."""
    _total, per_child = stock_by_child(parent, today, children)
    return lambda metric: {c.id: Fraction(per_child[c.id].insured) if c.id in per_child else Fraction(0)
                           for c in children}


def _achievement(parent, children, source, today):
    """What each child achieved in `source`, per metric, as of its end (or today, while it runs)."""
    try:
        period = parse_period("campaign", source, today)
    except PeriodError:
        return lambda metric: {c.id: Fraction(0) for c in children}
    # Only its figures are read: its labels in any language (a command has no request to take one from).
    with force_locale("en"):
        rows = {row["id"]: row["metrics"] for row in unit_report(parent, source, period, today)["children"]}

    def figure(metric):
        out = {}
        for child in children:
            achieved = rows.get(child.id, {}).get(metric.value, {}).get("achieved")
            out[child.id] = max(Fraction(str(achieved)), Fraction(0)) if achieved is not None else Fraction(0)
        return out

    return figure


def _can_hold(child: OrgUnit, metric) -> bool:
    return child.level != UnitLevel.team or metric in TEAM_METRICS


def allocate_targets(actor, campaign: Campaign, parent: OrgUnit, basis: str, today: date,
                     source: Campaign | None = None) -> dict:
    """The parent's targets in `campaign` given to its children in proportion to
    `basis` ("insured" or "achievement" in `source`): {metric: {child id: value}}.
    A child's existing target for the metric is replaced. Refused, with nothing
    changed, when the parent has no target or the figure is zero for every child."""
    targets = db.session.scalars(sa.select(Target).where(Target.campaign_id == campaign.id,
                                                         Target.org_unit_id == parent.id)
                                 .order_by(Target.metric)).all()
    if not targets:
        raise TargetsError("unit_id", _l("%(unit)s has no target in this campaign to allocate.", unit=parent.code))
    children = _children(parent)
    if not children:
        raise TargetsError("unit_id", _l("%(unit)s has no units below it.", unit=parent.code))
    figure = _insured(parent, children, today) if basis == "insured" else _achievement(parent, children, source, today)
    plan = {}
    for target in targets:
        metric = Metric(target.metric)
        holders = [c for c in children if _can_hold(c, metric)]
        if not holders:
            continue
        if metric in PERCENT_METRICS:
            plan[metric] = {c.id: Decimal(target.value) for c in holders}
            continue
        figures = figure(metric)
        weights = {c.id: figures[c.id] for c in holders}
        if not any(weights.values()):
            raise TargetsError("basis", _l(
                "The chosen figure is zero for every unit below %(unit)s (%(metric)s): there is nothing to "
                "allocate in proportion to.", unit=parent.code, metric=metric_labels()[metric]))
        codes = {c.id: c.code for c in holders}
        shares = largest_remainder(int(target.value), weights, codes)
        plan[metric] = {k: Decimal(v) for k, v in shares.items()}
    _write(actor, campaign, parent, targets, plan, basis, source)
    return plan


def _write(actor, campaign, parent, targets, plan, basis, source):
    by_metric = {Metric(t.metric): t for t in targets}
    child_ids = sorted({k for shares in plan.values() for k in shares})
    existing = {(t.org_unit_id, Metric(t.metric)): t for t in db.session.scalars(
        sa.select(Target).where(Target.campaign_id == campaign.id, Target.org_unit_id.in_(child_ids)))}
    columns = copied_columns()
    changes = []
    for metric, shares in plan.items():
        model = by_metric[metric]
        for child_id, value in shares.items():
            found = existing.get((child_id, metric))
            before = str(found.value) if found is not None else None
            if found is None:
                found = Target(campaign_id=campaign.id)
                db.session.add(found)
            for name in columns:
                setattr(found, name, getattr(model, name))
            found.org_unit_id, found.value = child_id, value
            changes.append({"unit_id": child_id, "metric": str(metric), "before": before, "after": str(value)})
    db.session.flush()
    record("campaign.targets_allocate", actor=actor, obj=campaign, org_unit_id=parent.id,
           after={"parent": parent.code, "basis": basis, "source_id": source.id if source else None,
                  "changes": changes})
