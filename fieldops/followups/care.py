"""The Customer Care Center's loop (DESIGN.md, "Obstacle").

A supervisor approves an escalation; the Center (role `care`, national or
provincial: its area is its unit's subtree) sees it in its queue with the
employer's contact, the obstacle's category, the people affected and their
description; it answers what it did, with a note, and the follow-up moves on:

    resolved       → done (the note is the outcome)
    needs_officer  → in progress, back with its assignee
    not_ours       → cancelled (the note is the reason)

from approved or in progress only, never a mere proposal. The assignee, the
proposer and the supervisor who approved it are notified (the follow-ups'
notifications). `CARE_MOVES` is the table of those moves; like the other
transitions, one conditional UPDATE applies it, so two answers sent at once
give one.
"""
import sqlalchemy as sa

from fieldops.audit.operations import record
from fieldops.auth.models import Role
from fieldops.core.expressions import given_limit, inline
from fieldops.core.paging import page_of
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.followups.models import (
    CARE_ANSWERABLE, CARE_WAITING, OUTCOME_MAX, REASON_MAX, CareAnswer, FollowUp, FollowUpKind, FollowUpState,
    NoticeEvent,
)
from fieldops.followups.operations import FollowUpError, _notify
from fieldops.org.models import OrgUnit
from fieldops.org.scope import area_of, in_area
from fieldops.timeutil import utcnow
from fieldops.visits.models import Obstacle, ObstacleCategory

S = FollowUpState

# The obstacles only the Center can fix: a follow-up proposed from one is an escalation unless told otherwise.
CENTER_CATEGORIES = (ObstacleCategory.otp_not_received, ObstacleCategory.identity_data_mismatch,
                     ObstacleCategory.app_error)

CARE_MOVES = {CareAnswer.resolved: S.done, CareAnswer.needs_officer: S.in_progress,
              CareAnswer.not_ours: S.cancelled}
# Escalations the Center deals with: approved by a supervisor (and whatever followed), never proposals.
APPROVED_STATES = (S.approved, S.in_progress, S.done, S.cancelled)


# The queue's rows and their count, built once (org/scope.py, "area"): the Center opens its queue all day, and
# a row of plain values with its employer, district and obstacle joined costs a fraction of the entities it
# replaced (and of a lazy read of each row's district). The page's rows are picked in the order of approval
# from the waiting ones' index entries alone (models.py, ix_follow_up_care_waiting), then joined: joined
# first, each of a province's ~900 waiting escalations was looked up in three tables before the page's 20
# were picked. OFFSET 0 keeps PostgreSQL from merging the two selects back into that plan.
_WAITING = (sa.text(CARE_WAITING), in_area(FollowUp.district_id))
_IN_ORDER = (sa.select(FollowUp.id, FollowUp.decided_at).where(*_WAITING)
             .order_by(FollowUp.decided_at, FollowUp.id).offset(inline(0)).subquery("waiting"))
_WAITING_ROWS = (
    sa.select(FollowUp.id, FollowUp.obstacle_category, FollowUp.people_affected, FollowUp.note, FollowUp.decided_at,
              FollowUp.due_date, Employer.name.label("employer_name"), Employer.unit_code, Employer.contact_name,
              Employer.contact_phone, Obstacle.note.label("obstacle_note"), OrgUnit.code.label("district_code"),
              OrgUnit.name.label("district_name"))
    .select_from(_IN_ORDER)
    .join(FollowUp, FollowUp.id == _IN_ORDER.c.id)
    .join(Employer, Employer.id == FollowUp.employer_id)
    .join(OrgUnit, OrgUnit.id == Employer.district_id)
    .outerjoin(Obstacle, Obstacle.id == FollowUp.obstacle_id)
    .order_by(_IN_ORDER.c.decided_at, _IN_ORDER.c.id)
)
_WAITING_COUNT = sa.select(sa.func.count()).select_from(FollowUp).where(*_WAITING)
_ANSWERED = (
    sa.select(FollowUp.id, FollowUp.care_answer, FollowUp.care_note, FollowUp.care_answered_at,
              Employer.name.label("employer_name"))
    .join(Employer, Employer.id == FollowUp.employer_id)
    .where(in_area(FollowUp.district_id), FollowUp.care_answer.is_not(None))
    .order_by(FollowUp.care_answered_at.desc()).limit(given_limit())
)


def waiting_page(user):
    """The page asked for of the escalations in the Center user's area waiting for its
    answer, the oldest approval first (the statement built once, its values given apart:
    visits/queries.py's my_visits_page says why)."""
    return page_of(_WAITING_ROWS, rows=True, params=area_of(user), total=lambda: waiting_count(user))


def waiting_count(user) -> int:
    return db.session.scalar(_WAITING_COUNT, area_of(user))


def answered(user, limit=20) -> list[sa.Row]:
    """What the Center answered lately in the user's area."""
    return db.session.execute(_ANSWERED, {"limit": limit} | area_of(user)).all()


def describe(obstacle_note, note) -> str:
    """Who is affected and how: the obstacle's note as the officer wrote it, and the follow-up's."""
    return " — ".join(p.strip() for p in (obstacle_note, note) if p and p.strip())


def can_answer(user, followup: FollowUp) -> bool:
    return (user.role == Role.care and followup.in_scope_of(user) and followup.kind == FollowUpKind.escalation
            and followup.state in CARE_ANSWERABLE and followup.care_answer is None)


def answer_escalation(actor, followup: FollowUp, answer, note: str, now=None) -> None:
    """Records the Center's answer and moves the follow-up on (CARE_MOVES); notifies."""
    if actor.role != Role.care or not followup.in_scope_of(actor) or followup.kind != FollowUpKind.escalation:
        raise FollowUpError("not_allowed", followup)
    try:
        answer = CareAnswer(answer)
    except ValueError:
        raise FollowUpError("care_answer_required", followup, field="answer") from None
    note = (note or "").strip()
    if not note:
        raise FollowUpError("care_note_required", followup, field="note")
    if len(note) > OUTCOME_MAX:
        raise FollowUpError("care_note_long", followup, field="note")
    if not can_answer(actor, followup):
        raise FollowUpError("care_answered" if followup.care_answer else "forbidden", followup)
    now = now or utcnow()
    was, target = followup.state, CARE_MOVES[answer]
    values = {"state": target, "updated_at": now, "care_answer": answer, "care_note": note,
              "care_answered_at": now, "care_answered_by_id": actor.id}
    if target in (S.in_progress, S.done) and followup.started_at is None:
        values["started_at"] = now
    if target == S.done:
        values |= {"outcome": note, "completed_at": now}
    elif target == S.cancelled:
        values |= {"reason": note[:REASON_MAX], "cancelled_at": now, "cancelled_by_id": actor.id}
    result = db.session.execute(
        sa.update(FollowUp).where(FollowUp.id == followup.id, FollowUp.state == was, FollowUp.care_answer.is_(None))
        .values(**values).execution_options(synchronize_session=False))
    db.session.refresh(followup)
    if result.rowcount != 1:
        raise FollowUpError("care_answered", followup)
    event = record("follow_up.care_answer", actor=actor, obj=followup, before={"state": str(was)},
                   after={"state": str(target), "answer": str(answer), "note": note})
    event.created_at = now
    _notify(followup, actor, NoticeEvent.care_answered, followup.assignee, followup.proposer, followup.decided_by,
            now=now)
    db.session.flush()
