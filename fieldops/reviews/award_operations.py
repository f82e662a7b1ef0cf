"""State changes of awards after the council's decision, and the record of the
council's meeting the minutes print. Like fieldops/reviews/operations.py: each
checks who may act and the state, takes its step (a conditional UPDATE and its
audit event) and flushes; the view commits."""
from datetime import date, datetime

from fieldops.audit.operations import record
from fieldops.auth.models import Role
from fieldops.reviews.models import DECISION_NUMBER_MAX, NAME_MAX, NOMINATION, NOTE_MAX, Nomination, NominationState
from fieldops.reviews.operations import ReviewError, _clean, take_step
from fieldops.timeutil import local_today, to_local, utcnow

ATTENDEES_MAX = 4000


def revoke(actor, nomination: Nomination, reason, decision_number, decision_date: date | None, now=None) -> None:
    """Approved → revoked, with the reason and the decision that revokes the award
    (number, date). The council's decision and votes stay on the nomination."""
    if nomination.state == NominationState.revoked:
        raise ReviewError("already_revoked")
    if not nomination.can_revoke(actor):
        raise ReviewError("state" if actor.role == Role.hr else "not_allowed")
    reason = _clean(reason)
    if not reason:
        raise ReviewError("revoke_reason_required", "reason")
    if len(reason) > NOTE_MAX:
        raise ReviewError("reason_too_long", "reason")
    number = " ".join((decision_number or "").split())
    if not number:
        raise ReviewError("decision_number_required", "decision_number")
    if len(number) > DECISION_NUMBER_MAX:
        raise ReviewError("decision_number_too_long", "decision_number")
    if decision_date is None:
        raise ReviewError("decision_date_required", "decision_date")
    if decision_date > local_today() or decision_date < to_local(nomination.decided_at).date():
        raise ReviewError("decision_date_invalid", "decision_date")
    take_step(NOMINATION, nomination, "revoke",
              {"revoke_reason": reason, "revoke_decision_number": number, "revoke_decision_date": decision_date,
               "revoked_at": now or utcnow(), "revoked_by_id": actor.id},
              actor=actor, after={"reason": reason, "decision_number": number,
                                  "decision_date": decision_date.isoformat()}, now=now,
              refusal=lambda n: "already_revoked" if n.state == NominationState.revoked else "changed")


def record_council(actor, period, held_at: datetime | None, place, chair, secretary, attendees) -> None:
    """The council's meeting as the minutes print it: when (UTC), where, who chaired,
    who took the minutes, who attended (one a line)."""
    if not period.can_manage(actor):
        raise ReviewError("not_allowed")
    values = {"council_held_at": held_at}
    for field, text in (("council_place", place), ("council_chair", chair), ("council_secretary", secretary)):
        text = " ".join((text or "").split())
        if len(text) > NAME_MAX:
            raise ReviewError("text_too_long", field)
        values[field] = text
    attendees = "\n".join(line.strip() for line in (attendees or "").replace("\r\n", "\n").split("\n") if line.strip())
    if len(attendees) > ATTENDEES_MAX:
        raise ReviewError("text_too_long", "council_attendees")
    values["council_attendees"] = attendees
    before = {k: getattr(period, k) for k in values}
    for key, value in values.items():
        setattr(period, key, value)
    record("review_period.council", actor=actor, obj=period,
           before={k: v.isoformat() if isinstance(v, datetime) else v for k, v in before.items()},
           after={k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()})
