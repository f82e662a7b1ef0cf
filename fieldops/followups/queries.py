"""Reading follow-ups. Every query for scoped records goes through `scoped`."""
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from fieldops.audit.queries import history_of
from fieldops.auth import queries as auth_queries
from fieldops.auth.models import Role, User
from fieldops.core import hooks
from fieldops.core.expressions import given_limit
from fieldops.core.exporting import Identifier
from fieldops.core.rows import columns_of, instances_of, rows_of
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.followups.labels import care_answer_labels, kind_labels, state_labels
from fieldops.followups.models import OPEN_STATES, FollowUp, FollowUpKind, FollowUpNotice, FollowUpState
from fieldops.org.models import OrgUnit
from fieldops.org.scope import area_of, in_area, scoped, units_in_scope
from fieldops.timeutil import local_today, to_local, utcnow
from fieldops.visits.labels import obstacle_labels
from fieldops.visits.models import Obstacle, Visit

S = FollowUpState
DUE_SOON_DAYS = 7
RETURNED_DAYS = 30
WORKING_STATES = (S.approved, S.in_progress)
ALL_STATES = "all"


def week_of(today: date) -> tuple[date, date]:
    """Monday and Sunday of the week holding `today`."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def _with_people(stmt):
    return stmt.options(
        selectinload(FollowUp.employer), selectinload(FollowUp.assignee), selectinload(FollowUp.proposer),
        selectinload(FollowUp.decided_by),
    )


# --- the supervisor's queue ------------------------------------------------------


@dataclass
class QueueFilters:
    unit: OrgUnit | None = None
    officer_id: int | None = None
    kind: FollowUpKind | None = None
    state: FollowUpState | None = None
    overdue: bool = False
    due_this_week: bool = False

    def as_args(self) -> dict:
        """The filters as query-string values (for links that keep them)."""
        args = {}
        if self.unit is not None:
            args["unit"] = self.unit.id
        if self.officer_id:
            args["officer"] = self.officer_id
        if self.kind:
            args["kind"] = self.kind.value
        # "all" said outright: without a state the queue opens on what awaits the viewer's decision.
        args["state"] = self.state.value if self.state else ALL_STATES
        if self.overdue:
            args["overdue"] = "1"
        if self.due_this_week:
            args["week"] = "1"
        return args


def _filtered(stmt, filters: QueueFilters, today: date, with_state=True):
    if filters.unit is not None:
        people = sa.select(User.id).where(User.org_unit_id.in_(units_in_scope(filters.unit)))
        stmt = stmt.where(sa.or_(FollowUp.scope_clause(filters.unit), FollowUp.assignee_id.in_(people)))
    if filters.officer_id:
        stmt = stmt.where(FollowUp.assignee_id == filters.officer_id)
    if filters.kind:
        stmt = stmt.where(FollowUp.kind == filters.kind)
    if with_state and filters.state:
        stmt = stmt.where(FollowUp.state == filters.state)
    if filters.overdue:
        stmt = stmt.where(FollowUp.overdue_clause(today))
    if filters.due_this_week:
        monday, sunday = week_of(today)
        stmt = stmt.where(FollowUp.state.in_(OPEN_STATES), FollowUp.due_date.between(monday, sunday))
    return stmt


def awaiting_decision(user) -> FollowUpState | None:
    """The state the queue opens on: what awaits the user's decision (a supervisor
    decides proposals); None, every state, for the others."""
    return S.proposed if user.role == Role.supervisor else None


def queue(user, filters: QueueFilters, today: date):
    """Follow-ups in the user's area: those waiting for a decision first, then the
    ones being worked on, by due date."""
    order = sa.case((FollowUp.state == S.proposed, 0), (FollowUp.state.in_(WORKING_STATES), 1), else_=2)
    stmt = _filtered(scoped(FollowUp, user), filters, today)
    return _with_people(stmt).order_by(order, FollowUp.due_date, FollowUp.id)


def state_counts(user, filters: QueueFilters, today: date) -> dict:
    """How many follow-ups in each state, under every filter but the state."""
    stmt = scoped(FollowUp, user, sa.select(FollowUp.state, sa.func.count(FollowUp.id)))
    rows = db.session.execute(_filtered(stmt, filters, today, with_state=False).group_by(FollowUp.state))
    counts = {state: 0 for state in FollowUpState}
    for state, count in rows:
        counts[FollowUpState(state)] = count
    return counts


def officers_for_choice(user, unit: OrgUnit | None = None):
    """Active officers in the user's area (or in `unit`'s, when chosen), each with
    their unit's code; None when there are too many to list: a unit must be chosen first."""
    return auth_queries.officers_for_choice(user, unit, active_only=True, with_unit_code=True)


def assignees_for_choice(actor, employer):
    """Who may be given a follow-up at `employer`: active officers of the actor's
    area whose own area holds the employer."""
    # The units holding the employer: its district and the units above it.
    units = employer.district.ancestor_ids
    officers = db.session.scalars(
        scoped(User, actor).where(User.role == Role.officer, User.active.is_(True), User.org_unit_id.in_(units))
        .order_by(User.full_name, User.id)
    ).all()
    return [(o.id, f"{o.full_name} · {o.org_unit.code}") for o in officers]


# --- the officer's queue -------------------------------------------------------


@dataclass
class MyQueue:
    overdue: list
    due_soon: list
    assigned: list
    waiting: list
    returned: list

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.due_soon or self.assigned or self.waiting or self.returned)


def my_queue(user, today: date, limit=200) -> MyQueue:
    """The officer's follow-ups sorted into what to do first."""
    mine = db.session.scalars(_with_people(
        scoped(FollowUp, user)
        .where(FollowUp.state.in_(OPEN_STATES),
               sa.or_(FollowUp.assignee_id == user.id,
                      sa.and_(FollowUp.proposer_id == user.id, FollowUp.state == S.proposed)))
        .order_by(FollowUp.due_date, FollowUp.id).limit(limit)
    )).all()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    sections = MyQueue([], [], [], [], [])
    for followup in mine:
        if followup.due_date < today:
            sections.overdue.append(followup)
        elif followup.state == S.proposed:
            sections.waiting.append(followup)
        elif followup.due_date <= soon:
            sections.due_soon.append(followup)
        else:
            sections.assigned.append(followup)
    since = utcnow() - timedelta(days=RETURNED_DAYS)
    sections.returned = db.session.scalars(_with_people(
        scoped(FollowUp, user)
        .where(FollowUp.proposer_id == user.id, FollowUp.state == S.rejected, FollowUp.decided_at >= since)
        .order_by(FollowUp.decided_at.desc(), FollowUp.id.desc()).limit(50)
    )).all()
    return sections


# The officer's follow-ups to carry out that are overdue or due soon, for their
# home; its cards name the employer only: joined to the handful chosen (not to
# all of the officer's due ones before choosing). Built once (org/scope.py,
# "area"): the home runs it on every view.
_DUE_FIRST = (
    sa.select(FollowUp.id)
    .where(in_area(FollowUp.district_id), FollowUp.assignee_id == sa.bindparam("assignee_id"),
           FollowUp.state.in_(WORKING_STATES), FollowUp.due_date <= sa.bindparam("due_by"))
    .order_by(FollowUp.due_date, FollowUp.id).limit(given_limit())
)
@cache
def _due():
    """The follow-ups with their employers, as columns made into the session's objects
    (`instance_of`): the ORM's loading cost the officer's home 0.3 ms more."""
    return (sa.select(*columns_of(FollowUp), *columns_of(Employer))
            .join(Employer, Employer.id == FollowUp.employer_id)
            .where(FollowUp.id.in_(_DUE_FIRST.scalar_subquery())).order_by(FollowUp.due_date, FollowUp.id))


def my_due(user, today: date | None = None, limit=5):
    """The officer's follow-ups to carry out that are overdue or due within a week."""
    due_by = (today or local_today()) + timedelta(days=DUE_SOON_DAYS)
    due = []
    for row in rows_of(_due(), {"assignee_id": user.id, "due_by": due_by, "limit": limit} | area_of(user)):
        followup, employer = instances_of(row, FollowUp, Employer)
        set_committed_value(followup, "employer", employer)
        due.append(followup)
    return due


# --- escalations and exports ----------------------------------------------------------


def escalations(user, state: FollowUpState | None = None):
    """Escalations to the Customer Care Center: open ones first, oldest first."""
    stmt = scoped(FollowUp, user).where(FollowUp.kind == FollowUpKind.escalation)
    if state:
        stmt = stmt.where(FollowUp.state == state)
    still_open = sa.case((FollowUp.state.in_(OPEN_STATES), 0), else_=1)
    return _with_people(stmt).order_by(still_open, FollowUp.created_at, FollowUp.id)


def export_header():
    from fieldops.core.translations import gettext as _

    return [_("Number"), _("Kind"), _("State"), _("Overdue"), _("Obstacle category"), _("People affected"),
            _("Unit code"), _("Employer"), _("Managing district"), _("Assigned to"), _("Proposed by"),
            _("Proposed on"), _("Due date"), _("Age (days)"), _("Note"), _("Reason"), _("Outcome"),
            # What the Customer Care Center works with and answered (fieldops/followups/care.py).
            _("Contact person"), _("Contact phone"), _("Description"), _("Center's answer"), _("Center's note")]


def export_rows(reader, kind: FollowUpKind | None = None, state: FollowUpState | None = None, today=None,
                proposals=False):
    """The follow-ups in `reader`'s area (anything with an `org_unit`) as rows of
    plain values, streamed from the database in batches. Escalations are those a
    supervisor approved (the Customer Care Center's work) unless a state is asked
    for or `proposals` says to include every one."""
    from fieldops.core.translations import gettext as _

    from fieldops.followups.care import APPROVED_STATES, describe

    today = today or local_today()
    now = utcnow()
    kinds, states, categories, answers = kind_labels(), state_labels(), obstacle_labels(), care_answer_labels()
    district, assignee, proposer = aliased(OrgUnit), aliased(User), aliased(User)
    stmt = (
        sa.select(FollowUp, Employer.unit_code, Employer.name, district.code, assignee.full_name, proposer.full_name,
                  Employer.contact_name, Employer.contact_phone, Obstacle.note)
        .join(Employer, Employer.id == FollowUp.employer_id)
        .join(district, district.id == Employer.district_id)
        .join(assignee, assignee.id == FollowUp.assignee_id)
        .join(proposer, proposer.id == FollowUp.proposer_id)
        .outerjoin(Obstacle, Obstacle.id == FollowUp.obstacle_id)
    )
    stmt = scoped(FollowUp, reader, stmt)
    if kind:
        stmt = stmt.where(FollowUp.kind == kind)
    if state:
        stmt = stmt.where(FollowUp.state == state)
    elif kind == FollowUpKind.escalation and not proposals:
        stmt = stmt.where(FollowUp.state.in_(APPROVED_STATES))
    stmt = stmt.order_by(FollowUp.created_at, FollowUp.id).execution_options(yield_per=500)
    yes, no = _("yes"), _("no")
    for f, unit_code, name, district_code, assignee_name, proposer_name, contact, phone, obstacle_note in (
            db.session.execute(stmt)):
        yield [
            Identifier(f.id), str(kinds[f.kind]), str(states[f.state]), yes if f.is_overdue(today) else no,
            str(categories[f.obstacle_category]) if f.obstacle_category else "", f.people_affected,
            unit_code, name, district_code, assignee_name, proposer_name,
            to_local(f.created_at).date(), f.due_date, f.age_days(now), f.note, f.reason, f.outcome,
            contact, phone, describe(obstacle_note, f.note), str(answers[f.care_answer]) if f.care_answer else "", f.care_note,
        ]


# --- notices -------------------------------------------------------------------


# The badge counts a user's unseen notices up to this many and one; past it, it says "99+".
NOTICES_COUNTED = 99


def unseen_notices_of(user_id):
    """The count of a user's unseen notices, at most NOTICES_COUNTED + 1, as a
    column: the session read (fieldops/auth/operations.py) carries it, so the
    badge costs no statement. Counted no further: it runs with every request,
    and an officer who never opens their notices has thousands."""
    unseen = (sa.select(FollowUpNotice.id)
              .where(FollowUpNotice.user_id == user_id, FollowUpNotice.seen_at.is_(None))
              .limit(NOTICES_COUNTED + 1).correlate_except(FollowUpNotice).subquery())
    return sa.select(sa.func.count()).select_from(unseen).scalar_subquery()


def remember_unseen_notices(count: int) -> None:
    g._followup_notices = count


def register_hooks() -> None:
    """The badge's count read with every session (fieldops/auth/operations.py)."""
    hooks.register("session.badge_of", unseen_notices_of)
    hooks.register("session.badge_read", remember_unseen_notices)


def unseen_notice_count(user) -> int:
    """For the badge in the top bar: as read with the session, or once per page."""
    cached = g.get("_followup_notices")
    if cached is None:
        cached = db.session.scalar(sa.select(unseen_notices_of(user.id))) or 0
        remember_unseen_notices(cached)
    return cached


def notices(user, limit=50):
    return db.session.scalars(
        scoped(FollowUpNotice, user).where(FollowUpNotice.user_id == user.id)
        .options(selectinload(FollowUpNotice.follow_up).selectinload(FollowUp.employer),
                 selectinload(FollowUpNotice.visit).selectinload(Visit.employer),
                 selectinload(FollowUpNotice.district), selectinload(FollowUpNotice.actor))
        .order_by(FollowUpNotice.created_at.desc(), FollowUpNotice.id.desc()).limit(limit)
    ).all()


def mark_notices_seen(user, now=None) -> int:
    result = db.session.execute(
        sa.update(FollowUpNotice).where(FollowUpNotice.user_id == user.id, FollowUpNotice.seen_at.is_(None))
        .values(seen_at=now or utcnow())
    )
    g.pop("_followup_notices", None)
    return result.rowcount


# --- one follow-up ----------------------------------------------------------------


def history(followup: FollowUp):
    """Its audit events, oldest first."""
    return history_of(followup)


def visits_for_completion(user, followup: FollowUp, limit=20):
    """Visits to the follow-up's employer that may be named as the work done, newest first."""
    return db.session.scalars(
        scoped(Visit, user).where(Visit.employer_id == followup.employer_id)
        .order_by(Visit.visit_date.desc(), Visit.id.desc()).limit(limit)
    ).all()
