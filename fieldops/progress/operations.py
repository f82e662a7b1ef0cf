"""State changes of targets. Each writes its audit event and flushes; the view
(or the command) commits once."""
from decimal import Decimal

import sqlalchemy as sa

from fieldops.audit.operations import record
from fieldops.definitions import Comparison
from fieldops.extensions import db
from fieldops.progress.models import Metric, Target


class TargetExists(Exception):
    def __init__(self, target):
        super().__init__("target exists")
        self.target = target


def snapshot(target: Target) -> dict:
    return {"campaign_id": target.campaign_id, "org_unit_id": target.org_unit_id, "metric": str(target.metric),
            "value": str(target.value), "comparison": str(target.comparison or Comparison.at_least)}


def existing_target(campaign_id, unit_id, metric) -> Target | None:
    return db.session.scalars(
        sa.select(Target).where(Target.campaign_id == campaign_id, Target.org_unit_id == unit_id,
                                Target.metric == Metric(metric))
    ).first()


def create_target(actor, campaign, unit, metric, value: Decimal, comparison=Comparison.at_least) -> Target:
    """A new target; TargetExists when the unit already has one for this metric."""
    found = existing_target(campaign.id, unit.id, metric)
    if found is not None:
        raise TargetExists(found)
    target = Target(campaign_id=campaign.id, org_unit_id=unit.id, metric=Metric(metric), value=value,
                    comparison=Comparison(comparison))
    db.session.add(target)
    db.session.flush()
    record("target.create", actor=actor, obj=target, after=snapshot(target))
    return target


def update_target(actor, target: Target, value: Decimal, comparison=None) -> None:
    before = snapshot(target)
    target.value = value
    if comparison is not None:
        target.comparison = Comparison(comparison)
    db.session.flush()
    record("target.edit", actor=actor, obj=target, before=before, after=snapshot(target))


def delete_target(actor, target: Target) -> None:
    before = snapshot(target)
    record("target.delete", actor=actor, obj=target, before=before)
    db.session.delete(target)
    db.session.flush()


def write_imported(actor, campaign, rows, filename, counts) -> None:
    """Targets from an import that has been checked whole: rows of (unit, metric,
    value). Creates or updates; one audit event lists every change."""
    existing = {
        (t.org_unit_id, t.metric): t
        for t in db.session.scalars(
            sa.select(Target).where(Target.campaign_id == campaign.id,
                                    Target.org_unit_id.in_([unit.id for unit, _m, _v in rows]))
        )
    }
    changes = []
    for unit, metric, value in rows:
        target = existing.get((unit.id, metric))
        if target is None:
            db.session.add(Target(campaign_id=campaign.id, org_unit_id=unit.id, metric=metric, value=value))
            counts["created"] += 1
            changes.append({"unit": unit.code, "metric": str(metric), "before": None, "after": str(value)})
        elif Decimal(target.value) != value:
            changes.append({"unit": unit.code, "metric": str(metric), "before": str(target.value), "after": str(value)})
            target.value = value
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    db.session.flush()
    record("target.import", actor=actor, org_unit_id=actor.org_unit_id if actor else None,
           after={"file": (filename or "")[:200], "campaign_id": campaign.id, "rows": len(rows), **dict(counts),
                  "changes": changes})
    db.session.flush()
