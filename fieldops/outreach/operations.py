"""State changes of outreach activities and plans. Each checks who may act and
the rules of input, takes its step on the activity (OUTREACH in
fieldops/outreach/models.py) through fieldops/core/states.py: a conditional
UPDATE on its state and version (of two people acting at once exactly one
succeeds) and one audit event; then it flushes. The view commits.
"""
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from fieldops.audit.operations import record
from fieldops.campaigns.models import Campaign, ParticipantGroup
from fieldops.core.errors import OperationError
from fieldops.core.states import Refused, Stale, move
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.outreach.models import (MAX_PHOTOS, MAX_PLANNED, MAX_REACHED, OUTREACH, REASON_MAX, OutreachActivity,
                                      OutreachActivityGroup, OutreachKind, OutreachPhoto, OutreachPlanLine,
                                      OutreachState, PlanPeriod)
from fieldops.outreach.photos import Photo
from fieldops.timeutil import local_today, utcnow


@dataclass(frozen=True)
class ActivityInput:
    district: OrgUnit
    kind: OutreachKind
    groups: tuple
    starts_on: date
    ends_on: date
    place: str = ""
    employer: object = None  # Employer of the district, or None
    partners: str = ""
    note: str = ""


@dataclass(frozen=True)
class Figures:
    people_reached: int
    registrations: int


@dataclass
class PlanInput:
    district: OrgUnit
    period_kind: PlanPeriod
    period_start: date
    planned: dict = field(default_factory=dict)  # {(kind, group): count}


class OutreachError(OperationError):
    """Why a change of an activity or a plan was refused (fieldops/core/errors.py)."""

    CONFLICTS = frozenset({"changed", "not_planned", "not_held", "already_verified", "cancelled"})

    def messages(self) -> dict:
        return {
            "not_allowed": _("You may not do this with this activity."),
            "not_a_district": _("Activities are planned and recorded by a district."),
            "no_group": _("Choose at least one group the activity is aimed at."),
            "ends_before": _("The last day cannot be before the first."),
            "outside_campaign": _("These dates are outside every campaign: an activity is counted within its "
                                  "campaign's dates."),
            "held_future": _("An activity still to come cannot have been held: record it as planned."),
            "registrations_over": _("Cannot be more than the people reached."),
            "reached_over": _("At most 1.000.000 people for one activity."),
            "employer_outside": _("No employer of this district has this unit code."),
            "reason_required": _("Give the reason for the cancellation."),
            "changed": _("Someone changed this activity meanwhile. Look at it again and retry."),
            "not_planned": _("This activity is no longer planned."),
            "cancelled": _("This activity has been cancelled."),
            "not_held": _("Only a held activity waiting for verification can be verified."),
            "already_verified": _("This activity has been verified and can no longer be changed."),
            "own": _("You cannot verify an activity you recorded; another supervisor will."),
            "too_many_photos": _("An activity keeps at most %(n)s photos.", n=MAX_PHOTOS),
            "plan_overlap_quarter": _("This district already plans this quarter as a whole: change the quarter's "
                                      "plan."),
            "plan_overlap_month": _("This district already plans months of this quarter: change those months' "
                                    "plans."),
            "planned_over": _("At most %(n)s activities of one kind for one group.", n=MAX_PLANNED),
        }

    def otherwise(self) -> str:
        return _("This cannot be done to this activity.")


def campaign_covering(starts_on: date, ends_on: date) -> Campaign | None:
    """The latest campaign whose counting range holds both dates."""
    return db.session.scalars(
        sa.select(Campaign).where(Campaign.counts_from <= starts_on, Campaign.ends_on >= ends_on)
        .order_by(Campaign.counts_from.desc()).limit(1)).first()


def check_activity(data: ActivityInput, held: bool, today: date) -> None:
    if data.district.level != UnitLevel.district:
        raise OutreachError("not_a_district", "district_id")
    if not data.groups:
        raise OutreachError("no_group", "groups")
    if data.ends_on < data.starts_on:
        raise OutreachError("ends_before", "ends_on")
    if campaign_covering(data.starts_on, data.ends_on) is None:
        raise OutreachError("outside_campaign", "starts_on")
    if held and data.ends_on > today:
        raise OutreachError("held_future", "ends_on" if data.starts_on <= today else "starts_on")
    if data.employer is not None and data.employer.district_id != data.district.id:
        raise OutreachError("employer_outside", "employer_code")


def check_figures(figures: Figures) -> None:
    if figures.people_reached > MAX_REACHED:
        raise OutreachError("reached_over", "people_reached")
    if figures.registrations > figures.people_reached:
        raise OutreachError("registrations_over", "registrations")


def snapshot(activity: OutreachActivity) -> dict:
    """The activity as plain values: what the audit log keeps."""
    return {"district_id": activity.district_id, "kind": str(activity.kind),
            "groups": [str(g) for g in activity.groups], "starts_on": activity.starts_on.isoformat(),
            "ends_on": activity.ends_on.isoformat(), "place": activity.place, "employer_id": activity.employer_id,
            "partners": activity.partners, "note": activity.note, "people_reached": activity.people_reached,
            "registrations": activity.registrations, "state": str(activity.state)}


def _details(data: ActivityInput) -> dict:
    """The activity's columns `data` sets (its groups are rows of their own: _set_groups)."""
    return {"kind": data.kind, "starts_on": data.starts_on, "ends_on": data.ends_on, "place": data.place,
            "partners": data.partners, "note": data.note,
            "employer_id": data.employer.id if data.employer is not None else None}


def _groups(data: ActivityInput) -> list[ParticipantGroup]:
    return sorted(ParticipantGroup(g) for g in data.groups)


def _set_groups(activity: OutreachActivity, groups: list[ParticipantGroup]) -> None:
    if activity.groups != groups:
        activity.group_rows.clear()
        db.session.flush()
        activity.group_rows.extend(OutreachActivityGroup(participant_group=g) for g in groups)


def create_activity(actor, data: ActivityInput, figures: Figures | None = None, photos=(), now=None,
                    today=None) -> OutreachActivity:
    """A new activity of `data.district`: planned, or already held with its figures."""
    if not OutreachActivity.can_record(actor, data.district):
        raise OutreachError("not_allowed", "district_id")
    check_activity(data, figures is not None, today or local_today())
    if figures is not None:
        check_figures(figures)
    if len(photos) > MAX_PHOTOS:
        raise OutreachError("too_many_photos", "photos")
    now = now or utcnow()
    made = OutreachActivity(district=data.district, officer_id=actor.id, version=1, created_at=now, updated_at=now,
                            state=OutreachState.held if figures is not None else OutreachState.planned,
                            **_details(data))
    _set_groups(made, _groups(data))
    if figures is not None:
        made.people_reached, made.registrations, made.held_at = figures.people_reached, figures.registrations, now
    db.session.add(made)
    db.session.flush()
    for photo in photos:
        _add_photo(actor, made, photo, now)
    event = record("outreach.create", actor=actor, obj=made, after=snapshot(made) | {"photos": len(photos)})
    event.created_at = now
    db.session.flush()
    return made


def _step(actor, activity, action, version, values, now, **options) -> None:
    """Take `action` on the activity, only if it is still at `version` (every step adds one) and in its state."""
    try:
        move(OUTREACH, activity, action, {"version": version + 1, "updated_at": now} | values, actor=actor,
             where=[OutreachActivity.version == version], now=now, **options)
    except (Refused, Stale):
        # The activity now shows the row as it is: say what happened instead.
        raise OutreachError("already_verified" if activity.state == OutreachState.verified else "changed") from None


def _require(activity, version):
    if version is not None and version != activity.version:
        raise OutreachError("changed")


def require_change(actor, activity: OutreachActivity) -> None:
    """OutreachError unless the activity's state lets it change and `actor` may change it."""
    if not OUTREACH.allows(activity.state, "change"):
        raise OutreachError("already_verified" if activity.state == OutreachState.verified else "cancelled")
    if not activity.can_change(actor):
        raise OutreachError("not_allowed")


def change_activity(actor, activity: OutreachActivity, data: ActivityInput, figures: Figures | None, version: int,
                    now=None, today=None) -> None:
    """New details (and, once held, new figures) for an activity not yet verified."""
    require_change(actor, activity)
    if data.district.id != activity.district_id:
        raise OutreachError("not_allowed")
    _require(activity, version)
    held = activity.state == OutreachState.held
    check_activity(data, held, today or local_today())
    if held:
        check_figures(figures)
    now = now or utcnow()
    values = {"people_reached": figures.people_reached, "registrations": figures.registrations} if held else {}
    groups = _groups(data)
    _step(actor, activity, "change", version, _details(data) | values, now, before=snapshot(activity),
          after=lambda changed: snapshot(changed) | {"groups": [str(g) for g in groups]})
    _set_groups(activity, groups)
    db.session.flush()


def record_held(actor, activity: OutreachActivity, figures: Figures, version: int, now=None, today=None) -> None:
    """A planned activity took place: its figures."""
    if not OUTREACH.allows(activity.state, "hold"):
        raise OutreachError("not_planned")
    if not activity.can_hold(actor):
        raise OutreachError("not_allowed")
    _require(activity, version)
    if activity.ends_on > (today or local_today()):
        raise OutreachError("held_future", "people_reached")
    check_figures(figures)
    now = now or utcnow()
    counts = {"people_reached": figures.people_reached, "registrations": figures.registrations}
    _step(actor, activity, "hold", version, counts | {"held_at": now}, now, after=counts)
    db.session.flush()


def cancel_activity(actor, activity: OutreachActivity, reason: str, version: int, now=None) -> None:
    if not OUTREACH.allows(activity.state, "cancel"):
        raise OutreachError("not_planned")
    if not activity.can_cancel(actor):
        raise OutreachError("not_allowed")
    _require(activity, version)
    reason = (reason or "").strip()[:REASON_MAX]
    if not reason:
        raise OutreachError("reason_required", "reason")
    now = now or utcnow()
    _step(actor, activity, "cancel", version, {"cancel_reason": reason}, now, after={"reason": reason})
    db.session.flush()


def verify_activity(actor, activity: OutreachActivity, version: int, now=None) -> None:
    """A supervisor of the district, not the recorder, confirms a held activity and its figures."""
    verifiable = OUTREACH.allows(activity.state, "verify")
    if verifiable and actor.id == activity.officer_id:
        raise OutreachError("own")
    if not activity.can_verify(actor):
        raise OutreachError("not_allowed" if verifiable else "not_held")
    _require(activity, version)
    now = now or utcnow()
    _step(actor, activity, "verify", version, {"verified_at": now, "verified_by_id": actor.id}, now,
          after={"people_reached": activity.people_reached, "registrations": activity.registrations})
    db.session.flush()


def _add_photo(actor, activity, photo: Photo, now) -> OutreachPhoto:
    made = OutreachPhoto(activity_id=activity.id, content_type=photo.content_type, data=photo.data,
                         size=len(photo.data), width=photo.width, height=photo.height, filename=photo.filename,
                         uploaded_by_id=actor.id, uploaded_at=now)
    db.session.add(made)
    return made


def photo_count(activity) -> int:
    return db.session.scalar(sa.select(sa.func.count(OutreachPhoto.id))
                             .where(OutreachPhoto.activity_id == activity.id))


def add_photos(actor, activity: OutreachActivity, photos, now=None) -> None:
    if not activity.can_change(actor):
        raise OutreachError("not_allowed", "photos")
    if photo_count(activity) + len(photos) > MAX_PHOTOS:
        raise OutreachError("too_many_photos", "photos")
    now = now or utcnow()
    for photo in photos:
        _add_photo(actor, activity, photo, now)
    db.session.flush()
    record("outreach.photos", actor=actor, obj=activity,
           after={"added": [{"filename": p.filename, "size": len(p.data)} for p in photos]})
    db.session.flush()


# --- plans ------------------------------------------------------------------------------------


def quarter_of(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _overlap(plan: PlanInput) -> str | None:
    """A quarter is planned whole or month by month, never both (the dashboard would count it twice)."""
    lines = sa.select(sa.func.count(OutreachPlanLine.id)).where(OutreachPlanLine.district_id == plan.district.id)
    if plan.period_kind == PlanPeriod.month:
        quarter = quarter_of(plan.period_start)
        found = db.session.scalar(lines.where(OutreachPlanLine.period_kind == PlanPeriod.quarter,
                                              OutreachPlanLine.period_start == quarter))
        return "plan_overlap_quarter" if found else None
    start = plan.period_start
    months = [date(start.year, start.month + i, 1) for i in range(3)]
    found = db.session.scalar(lines.where(OutreachPlanLine.period_kind == PlanPeriod.month,
                                          OutreachPlanLine.period_start.in_(months)))
    return "plan_overlap_month" if found else None


def plan_lines(district_id, period_kind, period_start) -> dict:
    """{(kind, group): OutreachPlanLine} of a district's plan for a period."""
    rows = db.session.scalars(sa.select(OutreachPlanLine).where(
        OutreachPlanLine.district_id == district_id, OutreachPlanLine.period_kind == period_kind,
        OutreachPlanLine.period_start == period_start))
    return {(OutreachKind(r.kind), ParticipantGroup(r.participant_group)): r for r in rows}


def set_plan(actor, plan: PlanInput, now=None) -> None:
    """The district's plan for the period, as given: a count per kind and group (0 or blank: none)."""
    if plan.district.level != UnitLevel.district:
        raise OutreachError("not_a_district", "district_id")
    if not OutreachActivity.can_record(actor, plan.district):
        raise OutreachError("not_allowed", "district_id")
    if campaign_covering(plan.period_start, plan.period_start) is None:
        raise OutreachError("outside_campaign", "period")
    if any(v > MAX_PLANNED for v in plan.planned.values()):
        raise OutreachError("planned_over")
    overlap = _overlap(plan)
    if overlap:
        raise OutreachError(overlap, "period")
    now = now or utcnow()
    existing = plan_lines(plan.district.id, plan.period_kind, plan.period_start)
    before = {f"{k}/{g}": line.planned for (k, g), line in existing.items()}
    after = {}
    for (kind, group), count in plan.planned.items():
        line = existing.pop((kind, group), None)
        if not count:
            if line is not None:
                db.session.delete(line)
            continue
        after[f"{kind}/{group}"] = count
        if line is None:
            db.session.add(OutreachPlanLine(district_id=plan.district.id, period_kind=plan.period_kind,
                                            period_start=plan.period_start, kind=kind, participant_group=group,
                                            planned=count, updated_by_id=actor.id, updated_at=now))
        elif line.planned != count:
            line.planned, line.updated_by_id, line.updated_at = count, actor.id, now
    for line in existing.values():
        db.session.delete(line)
    db.session.flush()
    if before != after:
        record("outreach.plan", actor=actor, org_unit_id=plan.district.id,
               before={"period": f"{plan.period_kind}:{plan.period_start.isoformat()}", "planned": before},
               after={"period": f"{plan.period_kind}:{plan.period_start.isoformat()}", "planned": after})
        db.session.flush()
