"""Follow-up operations: the transition table, who may do what, the bad input,
the audit trail, the database's own checks and derived overdue."""
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from fieldops.extensions import db
from fieldops.followups import operations as ops
from fieldops.followups.models import TRANSITIONS, Action, FollowUp, FollowUpNotice, FollowUpState
from fieldops.followups.operations import FollowUpError
from fieldops.timeutil import local_today
from fieldops.visits.models import Obstacle
from tests import factories
from tests.followup_helpers import audit_events, counts, fu, row  # noqa: F401  (fu is a fixture)

S, A = FollowUpState, Action

# DESIGN.md, written out: proposed → approved | rejected; approved → in progress → done;
# approved | in progress → cancelled; reassigning keeps the state.
DESIGNED = {
    ("proposed", "approve"): "approved",
    ("proposed", "reject"): "rejected",
    ("proposed", "reassign"): "proposed",
    ("approved", "reassign"): "approved",
    ("in_progress", "reassign"): "in_progress",
    ("approved", "start"): "in_progress",
    ("in_progress", "complete"): "done",
    ("approved", "cancel"): "cancelled",
    ("in_progress", "cancel"): "cancelled",
}


def test_the_transition_table_is_the_designed_one():
    assert {(str(s), str(a)): str(t) for (s, a), t in TRANSITIONS.items()} == DESIGNED


def _act(action, actor, followup, fu):
    """Take `action` with valid input."""
    return {
        A.approve: lambda: ops.approve_followup(actor, followup),
        A.reject: lambda: ops.reject_followup(actor, followup, "Không cần thiết"),
        A.reassign: lambda: ops.reassign_followup(actor, followup, fu["officer2"]),
        A.start: lambda: ops.start_followup(actor, followup),
        A.complete: lambda: ops.complete_followup(actor, followup, "Đã đăng ký xong"),
        A.cancel: lambda: ops.cancel_followup(actor, followup, "Đơn vị giải thể"),
    }[action]()


def _rightful(action, fu):
    return fu["officer"] if action in (A.start, A.complete) else fu["supervisor"]


@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("state", list(FollowUpState), ids=str)
def test_every_state_and_action(fu, state, action):
    followup = factories.followup(fu["officer"], fu["employer"], state=state, decider=fu["supervisor"])
    db.session.commit()
    before, numbers = row(followup.id), counts()
    after = DESIGNED.get((str(state), str(action)))
    if after is not None:
        _act(action, _rightful(action, fu), followup, fu)
        db.session.commit()
        assert row(followup.id)["state"] == after
        event = audit_events(followup.id)[-1]
        assert event.action == f"follow_up.{action}"
        assert (event.before["state"], event.after["state"]) == (str(state), after)
        assert counts()["audit"] == numbers["audit"] + 1
    else:
        with pytest.raises(FollowUpError) as refused:
            _act(action, _rightful(action, fu), followup, fu)
        db.session.rollback()
        assert refused.value.status == 409
        assert refused.value.reason == ("already_decided" if action in (A.approve, A.reject) else "forbidden")
        with force_locale("en"):
            assert refused.value.message
        assert row(followup.id) == before and counts() == numbers


# --- who may do what ------------------------------------------------------------------

ACTORS = ["officer", "officer2", "supervisor", "supervisor2", "hr", "admin", "viewer", "ht_officer",
          "ht_supervisor"]
ALLOWED = {
    A.approve: {"supervisor", "supervisor2"},
    A.reject: {"supervisor", "supervisor2"},
    A.reassign: {"supervisor", "supervisor2"},
    A.cancel: {"supervisor", "supervisor2"},
    A.start: {"officer"},  # the assignee only
    A.complete: {"officer"},
}
READY = {A.approve: "proposed", A.reject: "proposed", A.reassign: "proposed", A.cancel: "approved",
         A.start: "approved", A.complete: "in_progress"}


def _actor(fu, name):
    if name in fu:
        return fu[name]
    province, role = ("HT", name[3:]) if name.startswith("ht_") else ("HN", name)
    return fu["users"][province][role]


@pytest.mark.parametrize("name", ACTORS)
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_who_may_take_each_action(fu, action, name):
    followup = factories.followup(fu["officer"], fu["employer"], state=READY[action], decider=fu["supervisor2"])
    db.session.commit()
    actor = _actor(fu, name)
    before, numbers = row(followup.id), counts()
    if name in ALLOWED[action]:
        _act(action, actor, followup, fu)
        db.session.commit()
        assert row(followup.id)["state"] == DESIGNED[(READY[action], str(action))]
    else:
        with pytest.raises(FollowUpError) as refused:
            _act(action, actor, followup, fu)
        db.session.rollback()
        assert (refused.value.reason, refused.value.status) == ("not_allowed", 403)
        assert row(followup.id) == before and counts() == numbers


@pytest.mark.parametrize("name", ACTORS)
def test_who_may_propose(fu, name):
    actor = _actor(fu, name)
    employer = fu["ht_employer"] if name.startswith("ht_") else fu["employer"]
    assignee = fu["users"]["HT"]["officer"] if name.startswith("ht_") else fu["officer"]
    may = name in ("officer", "officer2", "supervisor", "supervisor2", "ht_officer", "ht_supervisor")
    if may:
        made = ops.propose_followup(actor, kind="revisit", employer=employer, assignee=assignee,
                                    due_date=local_today() + timedelta(days=3))
        assert made.state == S.proposed and made.proposer_id == actor.id
    else:
        with pytest.raises(FollowUpError) as refused:
            ops.propose_followup(actor, kind="revisit", employer=employer, assignee=assignee,
                                 due_date=local_today() + timedelta(days=3))
        assert refused.value.reason == "not_allowed"


def test_nobody_proposes_for_an_employer_of_another_province(fu):
    with pytest.raises(FollowUpError) as refused:
        ops.propose_followup(fu["users"]["HT"]["officer"], kind="revisit", employer=fu["employer"],
                             assignee=fu["users"]["HT"]["officer"], due_date=local_today())
    assert refused.value.reason == "not_allowed"


def test_a_supervisor_never_approves_their_own_proposal(fu):
    followup = ops.propose_followup(fu["supervisor"], kind="training", employer=fu["employer"],
                                    assignee=fu["officer"], due_date=local_today() + timedelta(days=10))
    db.session.commit()
    before, numbers = row(followup.id), counts()
    with pytest.raises(FollowUpError) as refused:
        ops.approve_followup(fu["supervisor"], followup)
    db.session.rollback()
    assert (refused.value.reason, refused.value.status) == ("own_proposal", 403)
    with force_locale("en"):
        assert "another supervisor" in refused.value.message
    assert row(followup.id) == before and counts() == numbers
    ops.approve_followup(fu["supervisor2"], followup)
    db.session.commit()
    assert row(followup.id)["state"] == "approved" and row(followup.id)["decided_by_id"] == fu["supervisor2"].id


def test_deciding_an_already_decided_follow_up_names_who_decided_and_how(fu):
    followup = factories.followup(fu["officer"], fu["employer"])
    db.session.commit()
    ops.reject_followup(fu["supervisor2"], followup, "Trùng với kế hoạch của quận")
    db.session.commit()
    numbers = counts()
    with pytest.raises(FollowUpError) as refused:
        ops.approve_followup(fu["supervisor"], followup)
    db.session.rollback()
    assert (refused.value.reason, refused.value.status) == ("already_decided", 409)
    with force_locale("en"):
        message = refused.value.message
    assert "Trịnh Quốc Bảo" in message and "rejected" in message and "Trùng với kế hoạch của quận" in message
    assert counts() == numbers


def test_a_stale_copy_loses_to_a_decision_committed_meanwhile(fu):
    """The conditional UPDATE, on one thread: the row changed under the session's feet."""
    followup = factories.followup(fu["officer"], fu["employer"])
    db.session.commit()
    assert followup.state == S.proposed  # loaded, as a page would have been
    with db.engine.begin() as other:
        other.execute(sa.update(FollowUp.__table__).where(FollowUp.__table__.c.id == followup.id).values(
            state="approved", decided_by_id=fu["supervisor2"].id, decided_at=datetime(2023, 6, 2, 3, 0)))
    numbers = counts()
    with pytest.raises(FollowUpError) as refused:
        ops.reject_followup(fu["supervisor"], followup, "Không cần")
    db.session.rollback()
    assert refused.value.reason == "already_decided" and refused.value.followup.decided_by_id == fu["supervisor2"].id
    assert row(followup.id)["state"] == "approved" and row(followup.id)["reason"] == ""
    assert counts() == numbers


# --- bad input ------------------------------------------------------------------------


def _propose(fu, **changes):
    values = dict(kind="revisit", employer=fu["employer"], assignee=fu["officer"],
                  due_date=local_today() + timedelta(days=5))
    values.update(changes)
    return ops.propose_followup(fu["officer"], **values)


@pytest.mark.parametrize("case, reason, field", [
    ("due yesterday", "due_in_past", "due_date"),
    ("no due date", "due_in_past", "due_date"),
    ("assignee of another province", "assignee_out_of_scope", "assignee_id"),
    ("assignee in another district", "assignee_out_of_scope", "assignee_id"),
    ("assignee in a team that cannot open the employer", "assignee_out_of_scope", "assignee_id"),
    ("a supervisor as assignee", "assignee_out_of_scope", "assignee_id"),
    ("a deactivated officer", "assignee_out_of_scope", "assignee_id"),
    ("no assignee", "assignee_out_of_scope", "assignee_id"),
    ("escalation without an obstacle", "escalation_needs_obstacle", "obstacle_id"),
    ("a visit to another employer", "other_employer", None),
])
def test_bad_proposals_are_refused_and_save_nothing(fu, case, reason, field):
    fu["officer2"].active = False if case == "a deactivated officer" else True
    db.session.commit()
    other_visit = factories.visit(fu["users"]["HT"]["officer"], fu["ht_employer"])
    db.session.commit()
    changes = {
        "due yesterday": {"due_date": local_today() - timedelta(days=1)},
        "no due date": {"due_date": None},
        "assignee of another province": {"assignee": fu["users"]["HT"]["officer"]},
        "assignee in another district": {"assignee": fu["cg_officer"]},
        "assignee in a team that cannot open the employer": {"assignee": fu["team_officer"]},
        "a supervisor as assignee": {"assignee": fu["supervisor2"]},
        "a deactivated officer": {"assignee": fu["officer2"]},
        "no assignee": {"assignee": None},
        "escalation without an obstacle": {"kind": "escalation"},
        "a visit to another employer": {"visit": other_visit},
    }[case]
    numbers = counts()
    with pytest.raises(FollowUpError) as refused:
        _propose(fu, **changes)
    db.session.rollback()
    assert (refused.value.reason, refused.value.field, refused.value.status) == (reason, field, 422)
    with force_locale("en"):
        assert refused.value.message
    assert counts() == numbers


def test_today_is_a_valid_due_date(fu):
    assert _propose(fu, due_date=local_today()).due_date == local_today()


@pytest.mark.parametrize("action, state, call", [
    ("reject", "proposed", lambda f, fu: ops.reject_followup(fu["supervisor"], f, "   ")),
    ("cancel", "approved", lambda f, fu: ops.cancel_followup(fu["supervisor"], f, "")),
    ("complete", "in_progress", lambda f, fu: ops.complete_followup(fu["officer"], f, " \n ")),
    ("reassign out of scope", "approved", lambda f, fu: ops.reassign_followup(fu["supervisor"], f, fu["cg_officer"])),
    ("reassign to the same", "approved", lambda f, fu: ops.reassign_followup(fu["supervisor"], f, fu["officer"])),
    ("done visit of another employer", "in_progress", lambda f, fu: ops.complete_followup(
        fu["officer"], f, "Xong", factories.visit(fu["users"]["HT"]["officer"], fu["ht_employer"]))),
])
def test_missing_reason_outcome_or_a_wrong_assignee_changes_nothing(fu, action, state, call):
    followup = factories.followup(fu["officer"], fu["employer"], state=state, decider=fu["supervisor"])
    db.session.commit()
    before, numbers = row(followup.id), counts()
    with pytest.raises(FollowUpError) as refused:
        call(followup, fu)
    db.session.rollback()
    assert refused.value.status == 422 and refused.value.field
    assert row(followup.id) == before and counts() == numbers


# --- what is kept ------------------------------------------------------------------------


def test_an_escalation_keeps_its_obstacle_as_escalated(fu):
    obstacle = next(o for o in fu["visit"].obstacles if o.category == "no_smartphone")
    followup = _propose(fu, kind="escalation", obstacle=obstacle)
    db.session.commit()
    assert (followup.visit_id, followup.obstacle_id) == (fu["visit"].id, obstacle.id)
    assert (followup.obstacle_category, followup.people_affected) == ("no_smartphone", 3)
    # The visit is edited later and its obstacles rewritten: the copy stays.
    db.session.execute(sa.delete(Obstacle).where(Obstacle.id == obstacle.id))
    db.session.commit()
    kept = row(followup.id)
    assert kept["obstacle_id"] is None
    assert (kept["obstacle_category"], kept["people_affected"]) == ("no_smartphone", 3)


def test_every_transition_is_audited_with_the_state_before_and_after(fu):
    followup = factories.followup(fu["officer"], fu["employer"], state="done", decider=fu["supervisor"])
    db.session.commit()
    trail = [(e.action, e.before["state"], e.after["state"], e.org_unit_id) for e in audit_events(followup.id)]
    district = fu["org"]["HN-BD"].id
    assert trail == [("follow_up.propose", None, "proposed", district),
                     ("follow_up.approve", "proposed", "approved", district),
                     ("follow_up.start", "approved", "in_progress", district),
                     ("follow_up.complete", "in_progress", "done", district)]
    assert audit_events(followup.id)[-1].after["outcome"]


def test_overdue_is_derived_from_the_due_date_and_never_stored(fu):
    assert not any("overdue" in column.name for column in FollowUp.__table__.columns)
    late = factories.followup(fu["officer"], fu["employer"], state="approved", decider=fu["supervisor"],
                              due_date=date(2023, 6, 30), today=date(2023, 6, 1))
    closed = factories.followup(fu["officer"], fu["employer"], state="done", decider=fu["supervisor"],
                                due_date=date(2023, 6, 30), today=date(2023, 6, 1))
    on_time = factories.followup(fu["officer"], fu["employer"], state="approved", decider=fu["supervisor"],
                                 due_date=local_today())
    assert late.is_overdue(local_today()) and not closed.is_overdue(local_today()) and not on_time.is_overdue(local_today())
    assert not late.is_overdue(date(2023, 6, 30))
    overdue_ids = db.session.scalars(sa.select(FollowUp.id).where(FollowUp.overdue_clause(local_today()))).all()
    assert overdue_ids == [late.id]


def test_notices_go_to_the_people_concerned_never_to_the_actor(fu):
    followup = ops.propose_followup(fu["officer"], kind="revisit", employer=fu["employer"], assignee=fu["officer2"],
                                    due_date=local_today() + timedelta(days=3))
    ops.approve_followup(fu["supervisor"], followup)
    ops.reassign_followup(fu["supervisor"], followup, fu["officer"])
    db.session.commit()
    notices = db.session.execute(
        sa.select(FollowUpNotice.user_id, FollowUpNotice.event).order_by(FollowUpNotice.id)).all()
    assert notices == [
        (fu["officer2"].id, "assigned"),  # proposed for them
        (fu["officer"].id, "approved"),  # their proposal
        (fu["officer2"].id, "assigned"),  # approved: theirs to do
        (fu["officer"].id, "assigned"),  # given to the proposer
        (fu["officer2"].id, "unassigned"),
    ]


# --- the database's own checks ------------------------------------------------------------


@pytest.mark.parametrize("values", [
    {"state": "rejected", "reason": ""},
    {"state": "cancelled", "reason": " "},
    {"state": "done", "outcome": "", "started_at": datetime(2023, 6, 2), "completed_at": datetime(2023, 6, 3)},
    {"state": "done", "outcome": "Xong", "started_at": datetime(2023, 6, 2), "completed_at": None},
    {"state": "in_progress", "started_at": None},
    {"state": "lost"},
    {"kind": "escalation"},
    {"decided_by_id": None},
    {"done_visit_id": "visit"},
])
def test_the_database_refuses_rows_that_break_the_rules(fu, values):
    followup = factories.followup(fu["officer"], fu["employer"], state="approved", decider=fu["supervisor"])
    db.session.commit()
    values = {k: (fu["visit"].id if v == "visit" else v) for k, v in values.items()}
    table = FollowUp.__table__
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as connection:
            connection.execute(sa.update(table).where(table.c.id == followup.id).values(**values))
