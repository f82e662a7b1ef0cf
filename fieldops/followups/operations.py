"""State changes of follow-ups, one operation per action. Each checks who may act,
takes its step of the transition table (FOLLOW_UP in fieldops/followups/models.py)
with fieldops/core/states.py: a conditional UPDATE (… WHERE id = :id AND state =
:was), so that of two people acting at once exactly one succeeds, and one audit
event with the state before and after; then it leaves notices for the people
concerned, and flushes. The view commits.
"""

from fieldops.audit.operations import record
from fieldops.auth.models import Role
from fieldops.core.errors import OperationError
from fieldops.core.states import Refused, Stale, move
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.followups.models import (
    DECIDED_STATES, FOLLOW_UP, NOTE_MAX, OUTCOME_MAX, REASON_MAX, Action, FollowUp, FollowUpKind,
    FollowUpNotice, FollowUpState, NoticeEvent, within,
)
from fieldops.timeutil import format_datetime, local_today, utcnow

A, S = Action, FollowUpState


class FollowUpError(OperationError):
    """Why an action on a follow-up was refused (fieldops/core/errors.py); `followup`:
    the follow-up as it now is, if any.

    reason: not_allowed, own_proposal, already_decided, forbidden, changed,
    reason_required, outcome_required, due_in_past, assignee_out_of_scope,
    same_assignee, escalation_needs_obstacle, other_employer.
    """

    CONFLICTS = frozenset({"already_decided", "forbidden", "changed"})
    DENIALS = frozenset({"not_allowed", "own_proposal"})

    def __init__(self, reason, followup=None, field=None):
        super().__init__(reason, field)
        self.followup = followup

    @property
    def message(self) -> str:
        from fieldops.followups.labels import state_labels

        f = self.followup
        if self.reason == "already_decided" and f is not None and f.decided_by is not None:
            who, when = f.decided_by.full_name, format_datetime(f.decided_at)
            if f.state == S.rejected:
                return _("%(name)s already rejected this follow-up on %(when)s: %(reason)s",
                         name=who, when=when, reason=f.reason)
            return _("%(name)s already approved this follow-up on %(when)s; it is now “%(state)s”.",
                     name=who, when=when, state=state_labels()[f.state])
        if self.reason in ("forbidden", "already_decided") and f is not None:
            return _("This cannot be done to a follow-up that is “%(state)s”.", state=state_labels()[f.state])
        return super().message

    def messages(self) -> dict:
        return {
            "not_allowed": _("You may not do this with this follow-up."),
            "own_proposal": _("You proposed this follow-up yourself; another supervisor must approve it."),
            "changed": _("Someone changed this follow-up meanwhile. Look at it again and retry."),
            "reason_required": _("Give a reason."),
            "outcome_required": _("Describe the outcome."),
            "due_in_past": _("The due date cannot be in the past."),
            "assignee_out_of_scope": _("Choose an active officer of your area who covers this employer."),
            "same_assignee": _("The follow-up is already assigned to this officer."),
            "escalation_needs_obstacle": _("An escalation is raised from an obstacle: choose the obstacle."),
            "other_employer": _("Choose a visit to this follow-up's employer."),
            "care_answer_required": _("Choose what the Center did."),
            "care_note_required": _("Write a note for the officer."),
            "care_note_long": _("Use at most 2000 characters."),
            "care_answered": _("The Customer Care Center has already answered this escalation."),
        }

    def otherwise(self) -> str:
        return _("This cannot be done to this follow-up.")


def snapshot(followup: FollowUp) -> dict:
    """The follow-up as plain values, for the audit log."""
    return {
        "state": str(followup.state),
        "kind": str(followup.kind),
        "employer_id": followup.employer_id,
        "visit_id": followup.visit_id,
        "obstacle_id": followup.obstacle_id,
        "obstacle_category": str(followup.obstacle_category) if followup.obstacle_category else None,
        "people_affected": followup.people_affected,
        "proposer_id": followup.proposer_id,
        "assignee_id": followup.assignee_id,
        "due_date": followup.due_date.isoformat(),
        "note": followup.note,
    }


def assignee_fits(actor, employer, assignee) -> bool:
    """An assignee is an active officer of the actor's area whose own area holds
    the employer (so they can open it)."""
    return (
        assignee is not None
        and assignee.active
        and assignee.role == Role.officer
        and within(assignee.org_unit, actor.org_unit)
        and within(employer.district, assignee.org_unit)
    )


def _notify(followup, actor, event, *users, now):
    seen = set()
    for user in users:
        if user is None or user.id == actor.id or user.id in seen:
            continue
        seen.add(user.id)
        db.session.add(FollowUpNotice(user_id=user.id, follow_up_id=followup.id, event=event, actor_id=actor.id,
                                      created_at=now))


def _clean(text, limit):
    return (text or "").strip()[:limit]


# --- propose -----------------------------------------------------------------


def propose_followup(actor, *, kind, employer, assignee, due_date, note="", visit=None, obstacle=None,
                     now=None, today=None, idempotency_key=None) -> FollowUp:
    """A new follow-up, proposed by `actor` for `assignee` (often themself)."""
    kind = FollowUpKind(kind)
    if not FollowUp.can_propose(actor, employer):
        raise FollowUpError("not_allowed")
    if due_date is None or due_date < (today or local_today()):
        raise FollowUpError("due_in_past", field="due_date")
    if not assignee_fits(actor, employer, assignee):
        raise FollowUpError("assignee_out_of_scope", field="assignee_id")
    if obstacle is not None:
        visit = visit or obstacle.visit
        if obstacle.visit_id != visit.id:
            raise FollowUpError("other_employer", field="obstacle_id")
    if visit is not None and visit.employer_id != employer.id:
        raise FollowUpError("other_employer")
    if kind == FollowUpKind.escalation and obstacle is None:
        raise FollowUpError("escalation_needs_obstacle", field="obstacle_id")
    now = now or utcnow()
    followup = FollowUp(
        kind=kind, state=S.proposed, employer=employer, district_id=employer.district_id, visit=visit,
        obstacle=obstacle,
        obstacle_category=obstacle.category if obstacle is not None else None,
        people_affected=obstacle.people_affected if obstacle is not None else None,
        proposer_id=actor.id, assignee=assignee, due_date=due_date, note=_clean(note, NOTE_MAX),
        created_at=now, updated_at=now, idempotency_key=idempotency_key,
    )
    db.session.add(followup)
    db.session.flush()
    event = record("follow_up.propose", actor=actor, obj=followup, before={"state": None}, after=snapshot(followup))
    event.created_at = now
    _notify(followup, actor, NoticeEvent.assigned, assignee, now=now)
    db.session.flush()
    return followup


# --- the transitions -----------------------------------------------------------


def _refusal(action, followup) -> FollowUpError:
    if action in (A.approve, A.reject) and followup.state in DECIDED_STATES:
        return FollowUpError("already_decided", followup)
    if not FOLLOW_UP.allows(followup.state, action):
        return FollowUpError("forbidden", followup)
    return FollowUpError("changed", followup)


def _require(actor, followup, action) -> None:
    """Who may act comes first: before the input and before the state."""
    if not followup.may(action, actor):
        own = action == A.approve and actor.id == followup.proposer_id and actor.role == Role.supervisor
        raise FollowUpError("own_proposal" if own and followup.in_scope_of(actor) else "not_allowed", followup)


def _transition(actor, followup, action, values=None, *, where=(), before=None, after=None, now) -> None:
    """Check, then move `followup` by `action`: one conditional UPDATE, audited."""
    _require(actor, followup, action)
    try:
        move(FOLLOW_UP, followup, action, {"updated_at": now} | (values or {}), actor=actor, where=where,
             before=before, after=after, now=now)
    except (Refused, Stale):
        # The object now shows the row as it is: say what happened instead.
        raise _refusal(action, followup) from None


def approve_followup(actor, followup: FollowUp, comment: str = "", now=None) -> None:
    now = now or utcnow()
    comment = _clean(comment, REASON_MAX)
    _transition(actor, followup, A.approve, {"decided_by_id": actor.id, "decided_at": now,
                                              "decision_comment": comment},
                after={"comment": comment} if comment else None, now=now)
    _notify(followup, actor, NoticeEvent.approved, followup.proposer, now=now)
    _notify(followup, actor, NoticeEvent.assigned, followup.assignee if followup.assignee_id != followup.proposer_id
            else None, now=now)
    db.session.flush()


def reject_followup(actor, followup: FollowUp, reason: str, now=None) -> None:
    _require(actor, followup, A.reject)
    reason = _clean(reason, REASON_MAX)
    if not reason:
        raise FollowUpError("reason_required", followup, field="reason")
    now = now or utcnow()
    _transition(actor, followup, A.reject, {"decided_by_id": actor.id, "decided_at": now, "reason": reason},
                after={"reason": reason}, now=now)
    _notify(followup, actor, NoticeEvent.rejected, followup.proposer, followup.assignee, now=now)
    db.session.flush()


def reassign_followup(actor, followup: FollowUp, assignee, now=None) -> None:
    """Give the follow-up to another officer; its state stays as it is."""
    _require(actor, followup, A.reassign)
    if not assignee_fits(actor, followup.employer, assignee):
        raise FollowUpError("assignee_out_of_scope", followup, field="assignee_id")
    if assignee.id == followup.assignee_id:
        raise FollowUpError("same_assignee", followup, field="assignee_id")
    now = now or utcnow()
    previous = followup.assignee
    _transition(actor, followup, A.reassign, {"assignee_id": assignee.id},
                where=[FollowUp.assignee_id == previous.id],
                before={"assignee_id": previous.id}, after={"assignee_id": assignee.id}, now=now)
    _notify(followup, actor, NoticeEvent.assigned, assignee, now=now)
    _notify(followup, actor, NoticeEvent.unassigned, previous, now=now)
    db.session.flush()


def start_followup(actor, followup: FollowUp, now=None) -> None:
    now = now or utcnow()
    _transition(actor, followup, A.start, {"started_at": now}, now=now)
    db.session.flush()


def complete_followup(actor, followup: FollowUp, outcome: str, done_visit=None, now=None) -> None:
    """Done, with what came of it and, if one did the work, the visit."""
    _require(actor, followup, A.complete)
    outcome = _clean(outcome, OUTCOME_MAX)
    if not outcome:
        raise FollowUpError("outcome_required", followup, field="outcome")
    if done_visit is not None and done_visit.employer_id != followup.employer_id:
        raise FollowUpError("other_employer", followup, field="done_visit_id")
    now = now or utcnow()
    visit_id = done_visit.id if done_visit is not None else None
    _transition(actor, followup, A.complete, {"outcome": outcome, "completed_at": now, "done_visit_id": visit_id},
                after={"outcome": outcome, "done_visit_id": visit_id}, now=now)
    db.session.flush()


def cancel_followup(actor, followup: FollowUp, reason: str, now=None) -> None:
    _require(actor, followup, A.cancel)
    reason = _clean(reason, REASON_MAX)
    if not reason:
        raise FollowUpError("reason_required", followup, field="reason")
    now = now or utcnow()
    _transition(actor, followup, A.cancel, {"reason": reason, "cancelled_at": now, "cancelled_by_id": actor.id},
                after={"reason": reason}, now=now)
    _notify(followup, actor, NoticeEvent.cancelled, followup.assignee, followup.proposer, now=now)
    db.session.flush()


def decide_many(actor, followups, decision: str, reason: str = "", now=None):
    """Approve or reject each of `followups` with one reason: one audit event per
    follow-up. Returns (decided, refused) where refused holds (follow-up, error)
    for those that could not be decided (already decided, your own proposal …)."""
    if decision not in (A.approve, A.reject):
        raise ValueError(decision)
    if decision == A.reject and not _clean(reason, REASON_MAX):
        raise FollowUpError("reason_required", field="reason")
    now = now or utcnow()
    decided, refused = [], []
    for followup in followups:
        try:
            if decision == A.approve:
                approve_followup(actor, followup, reason, now=now)
            else:
                reject_followup(actor, followup, reason, now=now)
            decided.append(followup)
        except FollowUpError as error:
            refused.append((followup, error))
    return decided, refused
