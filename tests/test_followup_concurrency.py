"""Two supervisors deciding the same follow-up at the same moment: exactly one
decision stands, and the other supervisor is told who decided and how.

Real concurrent transactions on PostgreSQL: each thread has its own app context,
so its own session and its own connection. SQLite serialises every writer, so
these tests run on PostgreSQL only (CI runs the suite there as well); the same
conditional UPDATE is tested on both databases, without threads, in
test_followups.py::test_a_stale_copy_loses_to_a_decision_committed_meanwhile.
"""
import threading
import time

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import User
from fieldops.extensions import db
from fieldops.followups import operations as ops
from fieldops.followups.models import FollowUp
from fieldops.followups.operations import FollowUpError
from tests import factories
from tests.concurrency import run_at_once
from tests.conftest import sign_in
from tests.followup_helpers import fu, in_english, row  # noqa: F401


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("needs concurrent writers: runs on PostgreSQL (FIELDOPS_TEST_DATABASE_URL)")


def _decide(app, user_id, followup_id, decision, results, key, before=None, after=None):
    """In a thread of its own: load, (wait,) decide, commit; record what happened."""
    started = time.monotonic()
    with app.app_context():
        try:
            actor = db.session.get(User, user_id)
            followup = db.session.get(FollowUp, followup_id)
            assert followup.state == "proposed"
            if before is not None:
                before()
            started = time.monotonic()
            if decision == "approve":
                ops.approve_followup(actor, followup)
            else:
                ops.reject_followup(actor, followup, f"Từ chối bởi {actor.username}")
            if after is not None:
                after()
            db.session.commit()
            results[key] = ("decided", time.monotonic() - started)
        except FollowUpError as error:
            db.session.rollback()
            results[key] = ("refused", time.monotonic() - started, error.reason, error.status,
                            error.followup.decided_by_id, str(error.followup.state))
        except Exception as error:  # surfaced by the assertions below
            db.session.rollback()
            results[key] = ("crashed", repr(error))
        finally:
            db.session.remove()


def _decisions(followup_id):
    return db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "follow_up",
                                           AuditEvent.object_id == str(followup_id),
                                           AuditEvent.action.in_(["follow_up.approve", "follow_up.reject"]))
    ).all()


def test_the_second_decider_waits_for_the_first_and_loses(app, fu):
    """Supervisor A has changed the row but not committed; B's decision blocks on the
    row lock and, once A commits, finds it decided: A's approval stands."""
    followup = factories.followup(fu["officer"], fu["employer"])
    db.session.commit()
    # Plain ids for the threads: the objects belong to this thread's session.
    followup_id, a_id, b_id = followup.id, fu["supervisor"].id, fu["supervisor2"].id
    a_updated, results = threading.Event(), {}

    def hold():
        a_updated.set()
        time.sleep(0.6)  # B is now blocked on the row

    run_at_once(lambda: _decide(app, a_id, followup_id, "approve", results, "a", after=hold),
         lambda: _decide(app, b_id, followup_id, "reject", results, "b", before=lambda: a_updated.wait(10)))
    assert results["a"][0] == "decided", results
    outcome, waited, reason, status, decided_by, state = results["b"]
    assert (outcome, reason, status, decided_by, state) == (
        "refused", "already_decided", 409, fu["supervisor"].id, "approved")
    assert waited >= 0.4  # it really waited for A's transaction
    stored = row(followup.id)
    assert (stored["state"], stored["decided_by_id"], stored["reason"]) == ("approved", fu["supervisor"].id, "")
    assert _decisions(followup.id) == ["follow_up.approve"]


@pytest.mark.parametrize("round_", range(10))
def test_racing_deciders_leave_exactly_one_decision(app, fu, round_):
    followup = factories.followup(fu["officer"], fu["employer"])
    db.session.commit()
    followup_id, a_id, b_id = followup.id, fu["supervisor"].id, fu["supervisor2"].id
    barrier, results = threading.Barrier(2), {}
    first, second = ("approve", "reject") if round_ % 2 else ("reject", "approve")
    run_at_once(lambda: _decide(app, a_id, followup_id, first, results, "a", before=barrier.wait),
         lambda: _decide(app, b_id, followup_id, second, results, "b", before=barrier.wait))
    outcomes = sorted(r[0] for r in results.values())
    assert outcomes == ["decided", "refused"], results
    winner = fu["supervisor"] if results["a"][0] == "decided" else fu["supervisor2"]
    loser = next(r for r in results.values() if r[0] == "refused")
    stored = row(followup.id)
    assert stored["decided_by_id"] == winner.id
    assert loser[2:] == ("already_decided", 409, winner.id, stored["state"])
    assert len(_decisions(followup.id)) == 1


def test_over_http_the_loser_gets_409_naming_the_winner(app, fu):
    followup = factories.followup(fu["officer"], fu["employer"])
    db.session.commit()
    followup_id = followup.id
    clients = {name: in_english(sign_in(app.test_client(), fu[name])) for name in ("supervisor", "supervisor2")}
    barrier, responses = threading.Barrier(2), {}

    def post(name, action):
        barrier.wait()
        responses[name] = clients[name].post(f"/followups/{followup_id}/{action}", data={"reason": "Chưa cần"})

    run_at_once(lambda: post("supervisor", "approve"), lambda: post("supervisor2", "reject"))
    codes = sorted(r.status_code for r in responses.values())
    assert codes == [302, 409], codes
    winner = next(n for n, r in responses.items() if r.status_code == 302)
    loser_page = next(r for r in responses.values() if r.status_code == 409).get_data(as_text=True)
    how = "approved" if winner == "supervisor" else "rejected"
    assert f"{fu[winner].full_name} already {how} this follow-up" in loser_page
    assert row(followup.id)["decided_by_id"] == fu[winner].id
    assert len(_decisions(followup.id)) == 1
