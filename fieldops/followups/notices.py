"""Notices beyond a follow-up's own steps (those are left by fieldops/followups/operations.py):
a visit verified or returned reaches its officer, in the review's transaction (the
"visits.reviewed" hook); the daily command tells each assignee of a follow-up due
tomorrow. Notices of the daily commands carry a key (subject and day or month), so a
second run on the same day adds none; `add_keyed` is that rule, for returns too.
"""
from datetime import timedelta

import sqlalchemy as sa

from fieldops.core import hooks
from fieldops.extensions import db
from fieldops.followups.models import FollowUp, FollowUpNotice, FollowUpState, NoticeEvent
from fieldops.timeutil import to_local, utcnow

REVIEW_EVENTS = {"verify": NoticeEvent.visit_verified, "return": NoticeEvent.visit_returned}
DUE_STATES = (FollowUpState.approved, FollowUpState.in_progress)


def notify_reviewed(visits, actor, action: str, reason: str = "", now=None) -> int:
    """One notice per visit to its officer (a bulk verification passes them all at
    once); none to a reviewer who reviewed their own visit."""
    event, now = REVIEW_EVENTS[action], now or utcnow()
    notices = [FollowUpNotice(user_id=visit.officer_id, visit_id=visit.id, event=event, note=reason or "",
                              actor_id=actor.id, created_at=now)
               for visit in visits if visit.officer_id != actor.id]
    db.session.add_all(notices)
    db.session.flush()
    return len(notices)


def add_keyed(notices, now) -> int:
    """Adds those of `notices` whose (user, key) is not there yet; flushes. Returns how many."""
    notices = list({(n.user_id, n.key): n for n in notices}.values())
    if not notices:
        return 0
    there = set(db.session.execute(
        sa.select(FollowUpNotice.user_id, FollowUpNotice.key)
        .where(FollowUpNotice.key.in_({n.key for n in notices}))
    ))
    new = [n for n in notices if (n.user_id, n.key) not in there]
    for notice in new:
        notice.created_at = now
    db.session.add_all(new)
    db.session.flush()
    return len(new)


def notify_due_tomorrow(now=None) -> int:
    """Each follow-up being worked on and due tomorrow (in Vietnam, as of `now`, UTC): a
    notice to its assignee, once per follow-up and due date."""
    now = now or utcnow()
    due = to_local(now).date() + timedelta(days=1)
    rows = db.session.execute(
        sa.select(FollowUp.id, FollowUp.assignee_id)
        .where(FollowUp.state.in_(DUE_STATES), FollowUp.due_date == due)
    )
    return add_keyed((FollowUpNotice(user_id=assignee_id, follow_up_id=followup_id, event=NoticeEvent.due_tomorrow,
                                     key=f"due:{followup_id}:{due.isoformat()}")
                      for followup_id, assignee_id in rows), now)


def register_hooks() -> None:
    """A visit reviewed (fieldops/visits/operations.py): its officer is told."""
    hooks.register("visits.reviewed", notify_reviewed)
