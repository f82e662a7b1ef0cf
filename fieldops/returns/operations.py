"""State changes of group returns: file, change (while filed), lock, correct
(once locked: RETURN in fieldops/returns/models.py). Each checks who may act and
the rules of DESIGN.md "Rules for input", takes its step with
fieldops/core/states.py: a conditional UPDATE on the state and version (so of two
people acting at once exactly one succeeds) and one audit event with the figures
before and after; then it flushes. The view commits."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from fieldops.audit.operations import record
from fieldops.campaigns.models import Campaign, CampaignState
from fieldops.core.errors import OperationError
from fieldops.core.states import Refused, Stale, move
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import UnitLevel
from fieldops.returns.models import (FIGURES, REASON_MAX, RETURN, RETURN_GROUPS, GroupReturn, ReturnCorrection,
                                     ReturnState)
from fieldops.timeutil import local_today, utcnow


@dataclass(frozen=True)
class Figures:
    participants: int
    registered: int
    new_participants: int
    new_registered: int
    # Of the registered, how many use the app; None: not known (as on returns filed before it was asked).
    using: int | None = None

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in FIGURES}


class ReturnError(OperationError):
    """Why a change of a return was refused (fieldops/core/errors.py); `group_return`:
    the return as it now is, if any.

    reason: not_allowed, not_a_district, group, month_future, month_early, month_late,
    no_campaign, group_not_in_campaign, already_filed, locked, not_locked,
    changed, reason_required, unchanged, registered_over, new_over,
    new_registered_over, new_registered_over_registered, using_over, using_required.
    """

    CONFLICTS = frozenset({"already_filed", "locked", "not_locked", "changed"})

    def __init__(self, reason, group_return=None, field=None):
        super().__init__(reason, field)
        self.group_return = group_return

    def messages(self) -> dict:
        return {
            "not_allowed": _("You may not do this with this return."),
            "not_a_district": _("Returns are filed by a district."),
            "group": _("Choose a group reached outside employers."),
            "month_future": _("A month still to come cannot be reported on."),
            "month_early": _("This month is before the campaign counts results."),
            "month_late": _("This month is after the campaign's end."),
            "no_campaign": _("No campaign counts results in this month."),
            "group_not_in_campaign": _("The campaign of this month does not cover this group."),
            "already_filed": _("A return for this district, group and month has been filed already: open it to "
                               "change it."),
            "locked": _("This return has been locked meanwhile: a supervisor may correct it, with a reason."),
            "not_locked": _("This return is not locked: change it directly."),
            "changed": _("Someone changed this return meanwhile. Look at it again and retry."),
            "reason_required": _("Give the reason for the correction."),
            "unchanged": _("These are the figures already filed: change at least one."),
            "registered_over": _("Cannot be more than the participants at month end."),
            "new_over": _("New participants are among the participants at month end: cannot be more."),
            "new_registered_over": _("Cannot be more than the new participants."),
            "new_registered_over_registered": _("Cannot be more than the participants registered."),
            "using_over": _("People using the app are among those registered: cannot be more."),
            "using_required": _("Enter how many use the app: once given, it cannot become unknown again."),
        }

    def otherwise(self) -> str:
        return _("This cannot be done to this return.")


def check_figures(figures: Figures) -> None:
    """The rules between the counts (each already a whole number ≥ 0, `using` maybe None)."""
    if figures.registered > figures.participants:
        raise ReturnError("registered_over", field="registered")
    if figures.new_participants > figures.participants:
        raise ReturnError("new_over", field="new_participants")
    if figures.new_registered > figures.new_participants:
        raise ReturnError("new_registered_over", field="new_registered")
    if figures.new_registered > figures.registered:
        raise ReturnError("new_registered_over_registered", field="new_registered")
    if figures.using is not None and figures.using > figures.registered:
        raise ReturnError("using_over", field="using")


def _check_using_kept(group_return: GroupReturn, figures: Figures) -> None:
    # A known count is never replaced by "unknown": the figures would go back to before it was asked.
    if group_return.using is not None and figures.using is None:
        raise ReturnError("using_required", group_return, field="using")


def campaign_of(month: date) -> Campaign | None:
    """The campaign counting in `month`: the latest active one counting from its end or before."""
    next_month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return db.session.scalars(sa.select(Campaign).where(Campaign.counts_from < next_month,
                                                        Campaign.state == CampaignState.active)
                              .order_by(Campaign.counts_from.desc()).limit(1)).first()


def check_month(month: date, group, today: date) -> None:
    if month > today.replace(day=1):
        raise ReturnError("month_future", field="month")
    campaign = campaign_of(month)
    if campaign is None:
        any_campaign = db.session.scalar(sa.select(sa.func.count(Campaign.id)))
        raise ReturnError("month_early" if any_campaign else "no_campaign", field="month")
    if month > campaign.ends_on:
        raise ReturnError("month_late", field="month")
    if str(group) not in (campaign.participant_groups or []):
        raise ReturnError("group_not_in_campaign", field="participant_group")


def _snapshot(group_return: GroupReturn) -> dict:
    return {"district_id": group_return.district_id, "participant_group": str(group_return.participant_group),
            "month": group_return.month.isoformat(), "state": str(group_return.state), **group_return.figures}


def find_return(district_id, group, month: date) -> GroupReturn | None:
    return db.session.scalars(sa.select(GroupReturn).where(
        GroupReturn.district_id == district_id, GroupReturn.participant_group == group,
        GroupReturn.month == month.replace(day=1))).first()


def file_return(actor, district, group, month: date, figures: Figures, now=None, today=None) -> GroupReturn:
    """A new return of `district` for `group` and `month` (the month's first day).
    The same figures sent again (a double tap) give the same return. Two sent at
    the same moment: the unique key refuses the second at commit (the view says so)."""
    if district.level != UnitLevel.district:
        raise ReturnError("not_a_district", field="district_id")
    if not GroupReturn.can_file(actor, district):
        raise ReturnError("not_allowed", field="district_id")
    if group not in RETURN_GROUPS:
        raise ReturnError("group", field="participant_group")
    month = month.replace(day=1)
    check_month(month, group, today or local_today())
    check_figures(figures)
    existing = find_return(district.id, group, month)
    if existing is not None:
        if existing.figures == figures.as_dict():
            return existing
        raise ReturnError("already_filed", existing, field="month")
    return _create(actor, district, group, month, figures, now or utcnow())


def _create(actor, district, group, month, figures: Figures, now, source=None) -> GroupReturn:
    made = GroupReturn(district=district, participant_group=group, month=month, state=ReturnState.filed, version=1,
                       filed_by_id=actor.id, filed_at=now, updated_by_id=actor.id, updated_at=now,
                       **figures.as_dict())
    db.session.add(made)
    db.session.flush()
    after = _snapshot(made) | ({"file": source[:200]} if source is not None else {})
    event = record("group_return.file", actor=actor, obj=made, before=None, after=after)
    event.created_at = now
    db.session.flush()
    return made


def file_imported(actor, rows, filename, now=None) -> None:
    """Returns from an import checked whole (fieldops/returns/importing.py): rows of
    (district, group, month, Figures), none of them filed yet. Each is audited as
    filed, naming the file. A return filed meanwhile breaks the unique key at flush."""
    now = now or utcnow()
    for district, group, month, figures in rows:
        _create(actor, district, group, month, figures, now, source=filename or "")


# What a step refused by the return's state says: it is locked, or not locked.
_STATE_REFUSAL = {"change": "locked", "lock": "locked", "correct": "not_locked"}


def _require_state(group_return, action):
    if not RETURN.allows(group_return.state, action):
        raise ReturnError(_STATE_REFUSAL[action], group_return)


def _update(actor, group_return, version, values, *, action, before, after, now):
    """Take `action` in one UPDATE, if the return is still at `version` and in its state; audit it."""
    try:
        move(RETURN, group_return, action, {"version": version + 1, "updated_by_id": actor.id, "updated_at": now}
             | values, actor=actor, where=[GroupReturn.version == version], before=before, after=after, now=now)
    except (Refused, Stale):
        _require_state(group_return, action)
        raise ReturnError("changed", group_return) from None


def _require_version(group_return, version):
    if version is not None and version != group_return.version:
        raise ReturnError("changed", group_return)


def change_return(actor, group_return: GroupReturn, figures: Figures, version: int, now=None) -> None:
    """New figures for a return not yet locked."""
    if not group_return.can_file(actor, group_return.district):
        raise ReturnError("not_allowed", group_return)
    _require_state(group_return, "change")
    _require_version(group_return, version)
    check_figures(figures)
    _check_using_kept(group_return, figures)
    if figures.as_dict() == group_return.figures:
        raise ReturnError("unchanged", group_return, field="participants")
    now = now or utcnow()
    _update(actor, group_return, version, figures.as_dict(), action="change", before=group_return.figures,
            after=figures.as_dict(), now=now)
    db.session.flush()


def lock_return(actor, group_return: GroupReturn, version: int, now=None) -> None:
    """The supervisor locks the figures they checked (`version` is what they saw)."""
    if not group_return.supervised_by(actor):
        raise ReturnError("not_allowed", group_return)
    _require_state(group_return, "lock")
    _require_version(group_return, version)
    now = now or utcnow()
    _update(actor, group_return, version, {"locked_by_id": actor.id, "locked_at": now}, action="lock",
            before=None, after=group_return.figures, now=now)
    db.session.flush()


def correct_return(actor, group_return: GroupReturn, figures: Figures, reason: str, version: int,
                   now=None) -> ReturnCorrection:
    """New figures for a locked return: with a reason, the earlier figures kept."""
    if not group_return.supervised_by(actor):
        raise ReturnError("not_allowed", group_return)
    _require_state(group_return, "correct")
    _require_version(group_return, version)
    reason = (reason or "").strip()[:REASON_MAX]
    if not reason:
        raise ReturnError("reason_required", group_return, field="reason")
    check_figures(figures)
    _check_using_kept(group_return, figures)
    if figures.as_dict() == group_return.figures:
        raise ReturnError("unchanged", group_return, field="participants")
    now = now or utcnow()
    before = group_return.figures
    _update(actor, group_return, version, figures.as_dict(), action="correct", before=before,
            after=figures.as_dict() | {"reason": reason}, now=now)
    correction = ReturnCorrection(
        group_return_id=group_return.id, reason=reason, corrected_by_id=actor.id, corrected_at=now,
        **{f"before_{k}": v for k, v in before.items()}, **{f"after_{k}": v for k, v in figures.as_dict().items()},
    )
    db.session.add(correction)
    db.session.flush()
    return correction
