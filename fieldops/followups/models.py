"""Follow-ups: work proposed after a visit (a revisit, a training session, an
escalation to the Customer Care Center, a data correction), decided by a
supervisor and carried out by an officer.

    proposed → approved | rejected (reason)
    approved → in_progress → done (outcome)
    approved | in_progress → cancelled (reason)
    proposed | approved | in_progress → the same state, with another assignee

`TRANSITIONS` below is the one table of what may follow what (`FOLLOW_UP`, the
machine the operations in fieldops/followups/operations.py take their steps by,
through fieldops/core/states.py), and the `can_*` rules combine it with who may
act. Overdue is derived from the due date, never stored.
"""
from datetime import date, datetime

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.auth.models import Role, User
from fieldops.core.states import Machine
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import InDistrict, district_ids_in_scope, within
from fieldops.timeutil import utcnow
from fieldops.visits.models import Obstacle, ObstacleCategory, Visit


class FollowUpKind(enum.StrEnum):
    revisit = "revisit"  # go back to register the rest
    training = "training"  # a training session at the employer
    escalation = "escalation"  # to the Customer Care Center
    data_correction = "data_correction"


class FollowUpState(enum.StrEnum):
    proposed = "proposed"
    approved = "approved"
    rejected = "rejected"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class CareAnswer(enum.StrEnum):
    """What the Customer Care Center did with an approved escalation (fieldops/followups/care.py)."""

    resolved = "resolved"
    needs_officer = "needs_officer"
    not_ours = "not_ours"


class Action(enum.StrEnum):
    approve = "approve"
    reject = "reject"
    reassign = "reassign"
    start = "start"
    complete = "complete"
    cancel = "cancel"


S, A = FollowUpState, Action

# (state now, action) → state after. Anything not listed is refused.
TRANSITIONS: dict[tuple[FollowUpState, Action], FollowUpState] = {
    (S.proposed, A.approve): S.approved,
    (S.proposed, A.reject): S.rejected,
    (S.proposed, A.reassign): S.proposed,
    (S.approved, A.reassign): S.approved,
    (S.in_progress, A.reassign): S.in_progress,
    (S.approved, A.start): S.in_progress,
    (S.in_progress, A.complete): S.done,
    (S.approved, A.cancel): S.cancelled,
    (S.in_progress, A.cancel): S.cancelled,
}
FOLLOW_UP = Machine("follow_up", TRANSITIONS)

# Who may take each action, before the state is considered: supervisors decide
# and manage, the assigned officer does the work. Scope is checked as well.
SUPERVISOR_ACTIONS = frozenset({A.approve, A.reject, A.reassign, A.cancel})
ASSIGNEE_ACTIONS = frozenset({A.start, A.complete})
PROPOSING_ROLES = (Role.officer, Role.supervisor)

# Still to be done: these can be overdue.
OPEN_STATES = (S.proposed, S.approved, S.in_progress)
DECIDED_STATES = (S.approved, S.rejected, S.in_progress, S.done, S.cancelled)

NOTE_MAX = 1000
REASON_MAX = 500
OUTCOME_MAX = 2000


def _states(*states):
    return ", ".join(f"'{s}'" for s in states)


# The escalations waiting for the Customer Care Center's answer (followups/care.py): approved or under
# way, not yet answered. Its queue's statements and their index share this very text, constants and all.
CARE_ANSWERABLE = (S.approved, S.in_progress)
CARE_WAITING = f"kind = 'escalation' AND state IN ({_states(*CARE_ANSWERABLE)}) AND care_answer IS NULL"


class FollowUp(InDistrict, db.Model):
    __tablename__ = "follow_up"
    __table_args__ = (
        sa.Index("ix_follow_up_state_due", "state", "due_date"),
        # An officer's own follow-ups due (their home, on every view): one exact range. With the
        # assignee and the district indexed apart the planner guessed a handful of rows and
        # intersected the assignee's with the whole district's (0.42 ms of the database a view → 0.20).
        sa.Index("ix_follow_up_assignee_district_state_due", "assignee_id", "district_id", "state", "due_date"),
        sa.Index("ix_follow_up_employer", "employer_id"),
        sa.Index("ix_follow_up_district_state_due", "district_id", "state", "due_date"),
        sa.Index("ix_follow_up_kind_created", "kind", "created_at"),
        # The visit that did it: without an index every removed visit reads the whole table.
        sa.Index("ix_follow_up_done_visit", "done_visit_id"),
        # The Center's queue, a page at a time in the order of approval, and its count: read from these
        # entries alone, not from a province's follow-ups (17 ms of the database's CPU a view → 1.5 ms).
        sa.Index("ix_follow_up_care_waiting", "district_id", "decided_at", "id",
                 postgresql_where=sa.text(CARE_WAITING), sqlite_where=sa.text(CARE_WAITING)),
        # What the Center answered lately.
        sa.Index("ix_follow_up_care_answered", "care_answered_at", postgresql_where=sa.text("care_answer IS NOT NULL"),
                 sqlite_where=sa.text("care_answer IS NOT NULL")),
        # Undecided exactly while proposed; every later state carries its decision.
        sa.CheckConstraint(
            "(state = 'proposed' AND decided_by_id IS NULL AND decided_at IS NULL)"
            " OR (state <> 'proposed' AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
            name="decision",
        ),
        sa.CheckConstraint(
            f"state NOT IN ({_states(S.rejected, S.cancelled)}) OR length(trim(reason)) > 0",
            name="reason",
        ),
        sa.CheckConstraint(
            "state <> 'done' OR (length(trim(outcome)) > 0 AND completed_at IS NOT NULL)", name="outcome"
        ),
        sa.CheckConstraint(
            f"state NOT IN ({_states(S.in_progress, S.done)}) OR started_at IS NOT NULL", name="started"
        ),
        sa.CheckConstraint("state <> 'cancelled' OR cancelled_at IS NOT NULL", name="cancelled"),
        sa.CheckConstraint("done_visit_id IS NULL OR state = 'done'", name="done_visit"),
        # An escalation keeps the category and the people affected it was raised with.
        sa.CheckConstraint(
            "kind <> 'escalation' OR (obstacle_category IS NOT NULL AND people_affected IS NOT NULL)",
            name="escalation",
        ),
        sa.CheckConstraint("people_affected IS NULL OR people_affected >= 0", name="people_affected"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FollowUpKind] = mapped_column(
        sa.Enum(FollowUpKind, name="follow_up_kind", native_enum=False, create_constraint=True, length=20)
    )
    state: Mapped[FollowUpState] = mapped_column(
        sa.Enum(FollowUpState, name="follow_up_state", native_enum=False, create_constraint=True, length=20),
        default=FollowUpState.proposed,
    )
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"))
    # The employer's district, kept with it (fieldops.followups.districts.districts_follow):
    # dashboards count open follow-ups by district without reading every employer.
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"))
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    # Obstacles are rewritten when their visit is edited: the link may go, the
    # copied category and people affected stay as escalated.
    obstacle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("obstacle.id", ondelete="SET NULL"), index=True)
    obstacle_category: Mapped[ObstacleCategory | None] = mapped_column(
        sa.Enum(ObstacleCategory, name="obstacle_category", native_enum=False, create_constraint=True, length=30)
    )
    people_affected: Mapped[int | None] = mapped_column(sa.Integer)
    proposer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    assignee_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    due_date: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.String(NOTE_MAX), default="")
    # The supervisor's decision: who, when, an optional comment on approval.
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    decision_comment: Mapped[str] = mapped_column(sa.String(REASON_MAX), default="")
    # Why it was rejected or cancelled.
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX), default="")
    outcome: Mapped[str] = mapped_column(sa.String(OUTCOME_MAX), default="")
    done_visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit.id"))
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # The Customer Care Center's answer to an escalation.
    care_answer: Mapped[CareAnswer | None] = mapped_column(
        sa.Enum(CareAnswer, name="care_answer", native_enum=False, create_constraint=True, length=20))
    care_note: Mapped[str] = mapped_column(sa.String(OUTCOME_MAX), default="", server_default="")
    care_answered_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    care_answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)
    # Made by the proposing form (a tablet's outbox may send it twice): the same key is the same follow-up.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    employer: Mapped[Employer] = relationship()
    visit: Mapped[Visit | None] = relationship(foreign_keys=[visit_id])
    obstacle: Mapped[Obstacle | None] = relationship(passive_deletes=True)
    done_visit: Mapped[Visit | None] = relationship(foreign_keys=[done_visit_id])
    proposer: Mapped[User] = relationship(foreign_keys=[proposer_id])
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    care_answered_by: Mapped[User | None] = relationship(foreign_keys=[care_answered_by_id])

    @property
    def audit_unit_id(self):
        return self.employer.district_id

    # --- derived ------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_date < today

    @classmethod
    def overdue_clause(cls, today: date):
        return sa.and_(cls.state.in_(OPEN_STATES), cls.due_date < today)

    @property
    def closed_at(self) -> datetime | None:
        if self.state == S.done:
            return self.completed_at
        if self.state == S.cancelled:
            return self.cancelled_at
        if self.state == S.rejected:
            return self.decided_at
        return None

    def age_days(self, now: datetime) -> int:
        """Days from the proposal to its closing, or to now while still open."""
        return max(0, ((self.closed_at or now) - self.created_at).days)

    # --- who may do what ------------------------------------------------------

    def may(self, action: Action, user) -> bool:
        """May `user` take `action` on this follow-up at all (whatever its state)?"""
        if not self.in_scope_of(user):
            return False
        if action in SUPERVISOR_ACTIONS:
            if user.role != Role.supervisor:
                return False
            return not (action == A.approve and user.id == self.proposer_id)
        if action in ASSIGNEE_ACTIONS:
            return user.role == Role.officer and user.id == self.assignee_id
        return False

    def allows(self, action: Action) -> bool:
        """Does the transition table allow `action` from the current state?"""
        return FOLLOW_UP.allows(self.state, action)

    def can(self, action: Action, user) -> bool:
        return self.allows(action) and self.may(action, user)

    def can_approve(self, user) -> bool:
        return self.can(A.approve, user)

    def can_reject(self, user) -> bool:
        return self.can(A.reject, user)

    def can_reassign(self, user) -> bool:
        return self.can(A.reassign, user)

    def can_cancel(self, user) -> bool:
        return self.can(A.cancel, user)

    def can_start(self, user) -> bool:
        return self.can(A.start, user)

    def can_complete(self, user) -> bool:
        return self.can(A.complete, user)

    def can_decide(self, user) -> bool:
        return self.can_approve(user) or self.can_reject(user)

    @staticmethod
    def can_propose(user, employer: Employer) -> bool:
        return user.role in PROPOSING_ROLES and within(employer.district, user.org_unit)

    def __repr__(self):
        return f"<FollowUp {self.id} {self.kind} {self.state}>"


class NoticeEvent(enum.StrEnum):
    assigned = "assigned"  # a follow-up is now yours to carry out
    approved = "approved"
    rejected = "rejected"  # returned to its proposer
    cancelled = "cancelled"
    unassigned = "unassigned"  # given to someone else
    care_answered = "care_answered"  # the Customer Care Center answered an escalation
    due_tomorrow = "due_tomorrow"  # your follow-up is due tomorrow
    visit_returned = "visit_returned"  # your visit came back with the supervisor's reason
    visit_verified = "visit_verified"
    return_missing = "return_missing"  # your district has not filed the month just closed


# What a notice is about: a follow-up, a visit, or a district's month of returns.
SUBJECT_CHECK = (
    "(follow_up_id IS NOT NULL AND visit_id IS NULL AND district_id IS NULL)"
    " OR (follow_up_id IS NULL AND visit_id IS NOT NULL AND district_id IS NULL)"
    " OR (follow_up_id IS NULL AND visit_id IS NULL AND district_id IS NOT NULL AND month IS NOT NULL)"
)


class FollowUpNotice(db.Model):
    """Something that happened to a user's follow-up, visit or district's returns while
    they were away: shown as a badge until they open the notifications page. Notices
    sent by the daily commands carry a key (subject and period): a second run adds none."""

    __tablename__ = "follow_up_notice"
    __table_args__ = (
        sa.Index("ix_follow_up_notice_user_seen", "user_id", "seen_at"),
        sa.UniqueConstraint("user_id", "key", name="uq_follow_up_notice_user_key"),
        sa.CheckConstraint(SUBJECT_CHECK, name="subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    follow_up_id: Mapped[int | None] = mapped_column(sa.ForeignKey("follow_up.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    # A return missing: the district and the month (its first day).
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"))
    month: Mapped[date | None] = mapped_column(sa.Date)
    event: Mapped[NoticeEvent] = mapped_column(
        sa.Enum(NoticeEvent, name="notice_event", native_enum=False, create_constraint=True, length=20)
    )
    # The supervisor's reason for a returned visit, as written then (a later return may give another).
    note: Mapped[str] = mapped_column(sa.String(REASON_MAX), default="", server_default="")
    key: Mapped[str | None] = mapped_column(sa.String(80))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    follow_up: Mapped[FollowUp | None] = relationship()
    visit: Mapped[Visit | None] = relationship()
    district: Mapped[OrgUnit | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    @property
    def audit_unit_id(self):
        if self.follow_up is not None:
            return self.follow_up.audit_unit_id
        return self.visit.district_id if self.visit is not None else self.district_id

    @classmethod
    def scope_clause(cls, root):
        """In scope when its subject is: the follow-up, the visit, or the district."""
        return sa.or_(
            cls.follow_up_id.in_(sa.select(FollowUp.id).where(FollowUp.scope_clause(root))),
            cls.visit_id.in_(sa.select(Visit.id).where(Visit.scope_clause(root))),
            cls.district_id.in_(district_ids_in_scope(root)),
        )
