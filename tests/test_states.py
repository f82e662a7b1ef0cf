"""The state machines as tables (fieldops/core/states.py): each table is the one
DESIGN.md draws, every state of its enum is in it, the `can_*` rules read it,
and the one helper takes a step the same way everywhere: the conditional
update, the refresh, the audit event, and the answer to a stale decision."""
from datetime import datetime

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.core.states import Machine, Refused, Stale, move
from fieldops.extensions import db
from fieldops.followups.models import FOLLOW_UP, FollowUpState
from fieldops.jobs.models import JOB, Job, JobState
from fieldops.jobs.operations import enqueue
from fieldops.outreach.models import OUTREACH, OutreachActivity, OutreachState
from fieldops.returns.models import RETURN, GroupReturn, ReturnState
from fieldops.reviews.models import (DOSSIER, NOMINATION, PERIOD, Dossier, DossierStatus, Nomination, NominationState,
                                     PeriodState, ReviewPeriod)
from fieldops.visits.models import REVIEW, ReviewState, Visit
from tests import factories

# The tables as DESIGN.md and the models' docstrings draw them.
DESIGNED = {
    "visit": {
        ("submitted", "edit"): "submitted",
        ("returned", "resubmit"): "submitted",
        ("submitted", "verify"): "verified",
        ("submitted", "return"): "returned",
    },
    "group_return": {
        ("filed", "change"): "filed",
        ("filed", "lock"): "locked",
        ("locked", "correct"): "locked",
    },
    "job": {
        ("queued", "claim"): "running",
        ("running", "done"): "done",
        ("running", "fail"): "failed",
        ("running", "requeue"): "queued",
        ("failed", "retry"): "queued",
    },
    "follow_up": {
        ("proposed", "approve"): "approved",
        ("proposed", "reject"): "rejected",
        ("proposed", "reassign"): "proposed",
        ("approved", "reassign"): "approved",
        ("in_progress", "reassign"): "in_progress",
        ("approved", "start"): "in_progress",
        ("in_progress", "complete"): "done",
        ("approved", "cancel"): "cancelled",
        ("in_progress", "cancel"): "cancelled",
    },
    "review_period": {
        ("open", "close"): "closed",
    },
    "nomination": {
        ("proposed", "edit"): "proposed",
        ("endorsed", "edit"): "proposed",
        ("proposed", "endorse"): "endorsed",
        ("endorsed", "approve"): "approved",
        ("endorsed", "reject"): "rejected",
        ("proposed", "withdraw"): "withdrawn",
        ("endorsed", "withdraw"): "withdrawn",
        ("approved", "revoke"): "revoked",
    },
    "dossier": {
        ("draft", "final"): "final",
        ("final", "printed"): "printed",
    },
    "outreach": {
        ("planned", "change"): "planned",
        ("held", "change"): "held",
        ("planned", "hold"): "held",
        ("planned", "cancel"): "cancelled",
        ("held", "verify"): "verified",
    },
}
MACHINES = {"visit": (REVIEW, ReviewState), "group_return": (RETURN, ReturnState), "job": (JOB, JobState),
            "follow_up": (FOLLOW_UP, FollowUpState), "review_period": (PERIOD, PeriodState),
            "nomination": (NOMINATION, NominationState), "dossier": (DOSSIER, DossierStatus),
            "outreach": (OUTREACH, OutreachState)}
# The names stored audit rows carry: every step's event keeps the name it was written under.
EVENTS = {("nomination", "approve"): "nomination.decide", ("nomination", "reject"): "nomination.decide"}


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_each_table_is_the_designed_one(name):
    machine, _states = MACHINES[name]
    assert machine.name == name
    assert {(str(s), str(a)): str(t) for (s, a), t in machine.steps.items()} == DESIGNED[name]


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_each_step_keeps_its_audit_name(name):
    machine, _states = MACHINES[name]
    for _state, action in machine.steps:
        assert machine.event(action) == EVENTS.get((name, action), f"{name}.{action}")


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_every_state_is_reached_or_left_in_the_table(name):
    machine, states = MACHINES[name]
    named = {s for s, _a in machine.steps} | set(machine.steps.values())
    assert named == set(states)


TOY = Machine("toy", {("a", "go"): "b", ("b", "go"): "c", ("a", "stop"): "a"})


@pytest.mark.parametrize("state, action, after", [
    ("a", "go", "b"), ("b", "go", "c"), ("a", "stop", "a"), ("c", "go", None), ("b", "stop", None),
    ("z", "go", None),
])
def test_a_machine_answers_from_its_table(state, action, after):
    assert TOY.after(state, action) == after
    assert TOY.allows(state, action) is (after is not None)


@pytest.mark.parametrize("action, sources", [("go", {"a", "b"}), ("stop", {"a"}), ("fly", set())])
def test_where_an_action_may_start(action, sources):
    assert TOY.sources(action) == sources


# --- the `can_*` rules read the tables ---------------------------------------------------------


@pytest.mark.parametrize("state", list(ReviewState), ids=str)
def test_visit_edit_and_review_follow_the_table(users, state):
    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    visit = Visit(officer_id=officer.id, state=state)
    revisable = REVIEW.allows(state, "edit") or REVIEW.allows(state, "resubmit")
    assert visit.can_edit(officer) is revisable
    assert visit.can_edit(supervisor) is False
    assert visit.can_review(supervisor) is (REVIEW.allows(state, "verify") and REVIEW.allows(state, "return"))
    assert visit.can_review(officer) is False
    assert visit.revision_action == ("resubmit" if state == ReviewState.returned
                                     else "edit" if state == ReviewState.submitted else None)


@pytest.mark.parametrize("state", list(ReturnState), ids=str)
def test_return_change_lock_and_correct_follow_the_table(org, users, state):
    filer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    group_return = GroupReturn(district=org["HN-BD"], state=state)
    assert group_return.can_edit(filer) is RETURN.allows(state, "change")
    assert group_return.can_lock(supervisor) is RETURN.allows(state, "lock")
    assert group_return.can_correct(supervisor) is RETURN.allows(state, "correct")
    assert not group_return.can_lock(filer) and not group_return.can_correct(filer)


@pytest.mark.parametrize("state", list(JobState), ids=str)
def test_job_retry_follows_the_table(users, state):
    assert Job(state=state).can_retry(users["HN"]["hr"]) is JOB.allows(state, "retry")
    assert Job(state=state).can_retry(users["HN"]["officer"]) is False


@pytest.mark.parametrize("state", list(PeriodState), ids=str)
def test_closing_a_review_follows_the_table(org, users, state):
    period = ReviewPeriod(org_unit=org["HN"], state=state)
    assert period.can_close(users["HN"]["hr"]) is PERIOD.allows(state, "close")
    assert period.can_close(users["HN"]["supervisor"]) is False


@pytest.mark.parametrize("state", list(NominationState), ids=str)
def test_nomination_steps_follow_the_table(users, state):
    hr, supervisor, officer = users["HN"]["hr"], users["HN"]["supervisor"], users["HN"]["officer"]
    nomination = Nomination(state=state)
    for can, action in ((nomination.can_edit, "edit"), (nomination.can_endorse, "endorse"),
                        (nomination.can_decide, "approve"), (nomination.can_decide, "reject"),
                        (nomination.can_withdraw, "withdraw"), (nomination.can_revoke, "revoke")):
        assert can(hr) is NOMINATION.allows(state, action)
        assert can(officer) is False
    assert nomination.can_endorse(supervisor) is NOMINATION.allows(state, "endorse")
    assert nomination.is_pending is (NOMINATION.allows(state, "endorse") or NOMINATION.allows(state, "approve"))


@pytest.mark.parametrize("status", list(DossierStatus), ids=str)
def test_marking_a_dossier_follows_the_table(users, status):
    dossier = Dossier(status=status)
    for mark in DossierStatus:
        assert dossier.can_mark(users["HN"]["hr"], mark) is DOSSIER.allows(status, str(mark))
        assert dossier.can_mark(users["HN"]["hr"], str(mark)) is DOSSIER.allows(status, str(mark))
        assert dossier.can_mark(users["HN"]["supervisor"], mark) is False


@pytest.mark.parametrize("state", list(OutreachState), ids=str)
def test_outreach_steps_follow_the_table(org, users, state):
    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    activity = OutreachActivity(district=org["HN-BD"], officer_id=officer.id, state=state)
    assert activity.can_change(officer) is OUTREACH.allows(state, "change")
    assert activity.can_hold(officer) is OUTREACH.allows(state, "hold")
    assert activity.can_cancel(officer) is OUTREACH.allows(state, "cancel")
    assert activity.can_verify(supervisor) is OUTREACH.allows(state, "verify")
    assert activity.can_verify(officer) is False  # not the recorder
    assert not activity.can_change(users["HT"]["officer"])  # another province


# --- one step, the same way everywhere ------------------------------------------------------------

NOW = datetime(2023, 9, 1, 8, 30)


@pytest.fixture
def job(org, users):
    made = enqueue(users["HN"]["hr"], "test.noop", {}, org["HN-BD"].id)
    db.session.commit()
    db.session.refresh(made)  # what the actor saw
    return made


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def _claim(job, actor, **options):
    return move(JOB, job, "claim", {"worker_id": "w1", "heartbeat_at": NOW, "started_at": NOW}, actor=actor,
                now=NOW, **options)


def test_a_step_updates_refreshes_and_audits(job, users):
    hr = users["HN"]["hr"]
    event = _claim(job, hr, before={"attempts": 0}, after={"worker_id": "w1"})
    db.session.commit()
    assert job.state == JobState.running and job.worker_id == "w1"
    [stored] = _events("job.claim")
    assert stored is event and stored.actor_id == hr.id and stored.object_id == str(job.id)
    assert stored.before == {"state": "queued", "attempts": 0}
    assert stored.after == {"state": "running", "worker_id": "w1"}
    assert stored.created_at == NOW


def test_a_step_the_table_does_not_list_is_refused_and_writes_nothing(job, users):
    with pytest.raises(Refused):
        move(JOB, job, "retry", actor=users["HN"]["hr"], now=NOW)
    db.session.commit()
    assert job.state == JobState.queued and _events("job.retry") == []


def _behind_its_back(job, **values):
    """Another request's change, committed, which this session's object has not seen."""
    with db.engine.begin() as conn:
        conn.execute(sa.update(Job.__table__).where(Job.__table__.c.id == job.id).values(**values))


@pytest.mark.parametrize("meanwhile, where", [
    ({"state": "running", "worker_id": "w2", "heartbeat_at": NOW}, ()),  # claimed by another worker
    ({"note": "changed"}, (Job.note == "",)),  # its state is the same, but not what `where` asks
], ids=["state", "where"])
def test_a_stale_decision_writes_nothing_and_shows_the_row_as_it_is(job, users, meanwhile, where):
    _behind_its_back(job, **meanwhile)
    assert job.state == JobState.queued  # what the actor saw
    with pytest.raises(Stale):
        _claim(job, users["HN"]["hr"], where=where)
    db.session.commit()
    assert _events("job.claim") == []
    assert {k: getattr(job, k) for k in meanwhile} == {k: JobState(v) if k == "state" else v
                                                       for k, v in meanwhile.items()}


def test_from_states_lets_a_step_over_a_move_it_does_not_mind(job, users):
    _behind_its_back(job, state="running", worker_id="w2", heartbeat_at=NOW)
    _claim(job, users["HN"]["hr"], from_states={JobState.queued, JobState.running})
    db.session.commit()
    assert job.state == JobState.running and job.worker_id == "w1"
    assert [e.before["state"] for e in _events("job.claim")] == ["queued"]


def test_a_visit_reviewed_meanwhile_is_answered_as_changed(users):
    from fieldops.visits.operations import VisitStateError, return_visit

    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    visit = factories.visit(officer, factories.employer(officer.org_unit))
    db.session.commit()
    assert visit.can_review(supervisor)  # what the supervisor saw
    with db.engine.begin() as conn:
        conn.execute(sa.update(Visit.__table__).where(Visit.__table__.c.id == visit.id)
                     .values(state="verified", reviewed_by_id=supervisor.id, reviewed_at=NOW))
    with pytest.raises(VisitStateError) as refused:
        return_visit(supervisor, visit, "Thiếu số liệu")
    assert refused.value.reason == "changed"
    assert visit.state == ReviewState.verified  # refreshed: the page says what happened instead
    db.session.rollback()
    assert _events("visit.return") == []
