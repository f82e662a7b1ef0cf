"""The review period, nomination, dossier and outreach machines taken step by
step through their operations (tests/test_states.py holds their tables): every
step a table lists is taken and audited under the name stored rows carry; every
step it does not list is refused with nothing written; a decision over a row
that moved meanwhile is answered as the pages answer it, with the object showing
the row as it now is; and of two decisions at once exactly one stands
(PostgreSQL: real concurrent writers)."""
import threading
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import Role, User
from fieldops.extensions import db
from fieldops.outreach import operations as outreach
from fieldops.outreach.models import OUTREACH, OutreachActivity, OutreachState
from fieldops.reviews import award_operations, nomination_operations as nominations, operations as reviews
from fieldops.reviews.models import (DOSSIER, NOMINATION, PERIOD, AwardTitle, Dossier, DossierStatus, Nomination,
                                     NominationState, PeriodState, ReviewFigure, ReviewPeriod)
from fieldops.timeutil import local_today
from tests import factories
from tests.concurrency import run_at_once
from tests.outreach_helpers import TODAY, activity


@pytest.fixture
def world(org, users):
    """A Hà Nội review, a second HR and a second supervisor of Hà Nội, and a national title
    (nominees are endorsed with a justification: they need one while the review is open)."""
    campaign = factories.campaign()
    hr2 = factories.user(org["HN"], Role.hr, username="hr2.hn", full_name="Lê Thị Hoa")
    supervisor2 = factories.user(org["HN-BD"], Role.supervisor, username="supervisor2.hn")
    period = factories.review_period(users["HN"]["hr"], campaign, org["HN"])
    title = factories.award_titles()["Lao động tiên tiến"]
    db.session.commit()
    return {"org": org, "hr": users["HN"]["hr"], "hr2": hr2, "officer": users["HN"]["officer"],
            "supervisor": users["HN"]["supervisor"], "supervisor2": supervisor2, "period": period, "title": title}


# --- each machine: how to take each of its steps, and how to reach each of its states -----------------

def _details(a: OutreachActivity) -> outreach.ActivityInput:
    return outreach.ActivityInput(district=a.district, kind=a.kind, groups=tuple(a.groups), starts_on=a.starts_on,
                                  ends_on=a.ends_on, place="Nhà văn hoá phường", employer=a.employer)


STEPS = {
    "review_period": {
        "close": lambda w, p, actor=None: reviews.close_period(actor or w["hr"], p),
    },
    "nomination": {
        "edit": lambda w, n, actor=None: nominations.edit_nomination(actor or w["hr"], n, w["title"],
                                                                     "Báo cáo mới."),
        "endorse": lambda w, n, actor=None: nominations.endorse(actor or w["hr"], n, "Phạm Minh Tuấn", "",
                                                                 justification="Gương mẫu, tận tuỵ."),
        "approve": lambda w, n, actor=None: nominations.decide(actor or w["hr"], n, True, 5, 1, 0, ""),
        "reject": lambda w, n, actor=None: nominations.decide(actor or w["hr"], n, False, 1, 5, 0, ""),
        "withdraw": lambda w, n, actor=None: nominations.withdraw(actor or w["hr"], n, "Đơn vị rút đề nghị."),
        "revoke": lambda w, n, actor=None: award_operations.revoke(actor or w["hr"], n, "Sai phạm", "12/QĐ-BHXH",
                                                                   local_today()),
    },
    "dossier": {
        "final": lambda w, d, actor=None: reviews.mark_dossier(actor or w["hr"], d, "final"),
        "printed": lambda w, d, actor=None: reviews.mark_dossier(actor or w["hr"], d, "printed"),
    },
    "outreach": {
        "change": lambda w, a, actor=None: outreach.change_activity(
            actor or w["officer"], a, _details(a), outreach.Figures(80, 8) if a.is_held else None, a.version,
            today=TODAY),
        "hold": lambda w, a, actor=None: outreach.record_held(actor or w["officer"], a, outreach.Figures(50, 5),
                                                              a.version, today=TODAY),
        "cancel": lambda w, a, actor=None: outreach.cancel_activity(actor or w["officer"], a, "Mưa bão.", a.version),
        "verify": lambda w, a, actor=None: outreach.verify_activity(actor or w["supervisor"], a, a.version),
    },
}
MACHINES = {"review_period": (PERIOD, PeriodState, "state", reviews.ReviewError),
            "nomination": (NOMINATION, NominationState, "state", reviews.ReviewError),
            "dossier": (DOSSIER, DossierStatus, "status", reviews.ReviewError),
            "outreach": (OUTREACH, OutreachState, "state", outreach.OutreachError)}
# The steps that bring a new object to each state.
PATHS = {
    "review_period": {"open": [], "closed": ["close"]},
    "nomination": {"proposed": [], "endorsed": ["endorse"], "approved": ["endorse", "approve"],
                   "rejected": ["endorse", "reject"], "withdrawn": ["withdraw"],
                   "revoked": ["endorse", "approve", "revoke"]},
    "dossier": {"draft": [], "final": ["final"], "printed": ["final", "printed"]},
    "outreach": {"planned": [], "held": ["hold"], "verified": ["hold", "verify"], "cancelled": ["cancel"]},
}


def _new(w, name):
    if name == "review_period":
        return w["period"]
    if name == "nomination":
        return factories.nomination(w["hr"], w["period"], w["officer"], w["title"])
    if name == "dossier":
        return factories.dossier_row(w["hr"], w["period"], w["org"]["HN-BD"])
    return activity(w["officer"], w["org"]["HN-BD"])


def _in_state(w, name, state):
    made = _new(w, name)
    for action in PATHS[name][str(state)]:
        STEPS[name][action](w, made)
    db.session.commit()
    return made


def _events(obj):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == obj.__tablename__,
                                                          AuditEvent.object_id == str(obj.id))
                              .order_by(AuditEvent.id)).all()


def _row(obj):
    """The object's row as stored (not as this session holds it)."""
    table = type(obj).__table__
    with db.engine.connect() as conn:
        return dict(conn.execute(sa.select(table).where(table.c.id == obj.id)).mappings().one())


LISTED = [(name, str(state), action) for name, (machine, _s, _c, _e) in MACHINES.items()
          for (state, action) in machine.steps]
UNLISTED = [(name, str(state), action) for name, (machine, states, _c, _e) in MACHINES.items()
            for state in states for action in STEPS[name] if not machine.allows(state, action)]


def test_every_state_and_step_is_covered():
    for name, (_machine, states, _column, _error) in MACHINES.items():
        assert set(PATHS[name]) == {str(s) for s in states}
    assert len(LISTED) == 16 and len(UNLISTED) == 44


@pytest.mark.parametrize("name, state, action", LISTED, ids=["-".join(case) for case in LISTED])
def test_every_listed_step_is_taken_and_audited(world, name, state, action):
    machine, _states, column, _error = MACHINES[name]
    made = _in_state(world, name, state)
    STEPS[name][action](world, made)
    db.session.commit()
    target = machine.after(state, action)
    assert getattr(made, column) == target and _row(made)[column] == target
    event = next(e for e in reversed(_events(made)) if e.action == machine.event(action))
    assert (event.before[column], event.after[column]) == (state, str(target))
    assert event.actor_id is not None


@pytest.mark.parametrize("name, state, action", UNLISTED, ids=["-".join(case) for case in UNLISTED])
def test_every_unlisted_step_is_refused_with_nothing_written(world, name, state, action):
    _machine, _states, column, error = MACHINES[name]
    made = _in_state(world, name, state)
    row, events = _row(made), len(_events(made))
    with pytest.raises(error) as refused:
        STEPS[name][action](world, made)
    assert refused.value.status in (403, 409)
    db.session.commit()  # whatever the operation had written would now be stored
    assert _row(made) == row and len(_events(made)) == events
    assert getattr(made, column) == state


# --- a decision over a row that moved meanwhile -------------------------------------------------------

def _behind_its_back(obj, **values):
    """Another request's change, committed, which this session's object has not seen."""
    table = type(obj).__table__
    with db.engine.begin() as conn:
        conn.execute(sa.update(table).where(table.c.id == obj.id).values(**values))


NOON = datetime(2024, 1, 10, 5)
MEANWHILE = {
    # (machine, state seen, step taken, what another request did meanwhile, the answer, the state now)
    "period-closed-meanwhile": ("review_period", "open", "close",
                                {"state": "closed", "closed_at": NOON}, "already_closed", "closed"),
    "nomination-decided-before-the-edit": ("nomination", "endorsed", "edit",
                                           {"state": "approved", "votes_for": 5, "votes_against": 0,
                                            "votes_abstain": 0, "decided_at": NOON}, "changed", "approved"),
    "nomination-withdrawn-before-the-endorsement": ("nomination", "proposed", "endorse",
                                                    {"state": "withdrawn", "withdraw_reason": "Rút"}, "changed",
                                                    "withdrawn"),
    "nomination-withdrawn-before-the-decision": ("nomination", "endorsed", "reject",
                                                 {"state": "withdrawn", "withdraw_reason": "Rút"}, "changed",
                                                 "withdrawn"),
    "nomination-decided-before-the-withdrawal": ("nomination", "endorsed", "withdraw",
                                                 {"state": "rejected", "votes_for": 1, "votes_against": 5,
                                                  "votes_abstain": 0, "decided_at": NOON}, "changed", "rejected"),
    "award-revoked-meanwhile": ("nomination", "approved", "revoke",
                                {"state": "revoked", "revoke_reason": "Sai phạm", "revoke_decision_number": "1/QĐ",
                                 "revoke_decision_date": date(2024, 1, 10), "revoked_at": NOON},
                                "already_revoked", "revoked"),
    "dossier-marked-meanwhile": ("dossier", "draft", "final", {"status": "final", "finalized_at": NOON},
                                 "changed", "final"),
    "activity-verified-meanwhile": ("outreach", "held", "change",
                                    {"state": "verified", "verified_at": NOON, "version": 3}, "already_verified",
                                    "verified"),
    "activity-changed-before-the-verification": ("outreach", "held", "verify", {"people_reached": 70, "version": 3},
                                                 "changed", "held"),
    "activity-cancelled-before-it-is-held": ("outreach", "planned", "hold",
                                             {"state": "cancelled", "cancel_reason": "Mưa", "version": 2},
                                             "changed", "cancelled"),
}


@pytest.mark.parametrize("case", sorted(MEANWHILE))
def test_a_stale_decision_writes_nothing_and_says_what_happened_instead(world, case):
    name, state, action, meanwhile, reason, now = MEANWHILE[case]
    _machine, _states, column, error = MACHINES[name]
    made = _in_state(world, name, state)
    if "verified_at" in meanwhile:
        meanwhile = meanwhile | {"verified_by_id": world["supervisor2"].id}
    if "closed_at" in meanwhile:
        meanwhile = meanwhile | {"closed_by_id": world["hr2"].id}
    _behind_its_back(made, **meanwhile)
    assert getattr(made, column) == state  # what the actor saw
    events = len(_events(made))
    with pytest.raises(error) as refused:
        STEPS[name][action](world, made)
    assert (refused.value.reason, refused.value.status) == (reason, 409)
    assert getattr(made, column) == now  # refreshed: the page shows what happened instead
    db.session.rollback()
    assert len(_events(made)) == events
    if name == "review_period":
        assert db.session.scalar(sa.select(sa.func.count(ReviewFigure.id))) == 0


# --- two decisions at once (PostgreSQL) ----------------------------------------------------------------

RACES = {
    # (machine, state, (first actor, step), (second actor, step), the loser's possible answers)
    "two-hr-close-a-review": ("review_period", "open", ("hr", "close"), ("hr2", "close"), {"already_closed"}),
    "approve-and-reject": ("nomination", "endorsed", ("hr", "approve"), ("hr2", "reject"), {"changed"}),
    "approve-and-withdraw": ("nomination", "endorsed", ("hr", "approve"), ("hr2", "withdraw"), {"changed"}),
    "two-hr-mark-a-dossier-final": ("dossier", "draft", ("hr", "final"), ("hr2", "final"), {"changed"}),
    "change-and-verify": ("outreach", "held", ("officer", "change"), ("supervisor", "verify"),
                          {"changed", "already_verified"}),
    "two-supervisors-verify": ("outreach", "held", ("supervisor", "verify"), ("supervisor2", "verify"),
                               {"already_verified"}),
}
MODELS = {"review_period": ReviewPeriod, "nomination": Nomination, "dossier": Dossier, "outreach": OutreachActivity}


def _decide(app, user_ids, title_id, name, obj_id, who, action, barrier, results):
    """In a thread of its own: load, wait for the other, decide, commit; record what happened."""
    with app.app_context():
        try:
            w = {key: db.session.get(User, value) for key, value in user_ids.items()}
            w["title"] = db.session.get(AwardTitle, title_id)
            obj = db.session.get(MODELS[name], obj_id)
            barrier.wait()
            STEPS[name][action](w, obj, w[who])
            db.session.commit()
            results[who] = ("decided", action)
        except (reviews.ReviewError, outreach.OutreachError) as error:
            db.session.rollback()
            results[who] = ("refused", error.reason, error.status)
        except Exception as error:  # surfaced by the assertions below
            db.session.rollback()
            results[who] = ("crashed", repr(error))
        finally:
            db.session.remove()


@pytest.mark.parametrize("round_", range(3))
@pytest.mark.parametrize("race", sorted(RACES))
def test_of_two_decisions_at_once_exactly_one_stands(app, world, race, round_):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("needs concurrent writers: runs on PostgreSQL (FIELDOPS_TEST_DATABASE_URL)")
    name, state, first, second, answers = RACES[race]
    machine, _states, column, _error = MACHINES[name]
    made = _in_state(world, name, state)
    events = len(_events(made))
    # Plain ids for the threads: the objects belong to this thread's session.
    ids = {key: world[key].id for key in ("hr", "hr2", "officer", "supervisor", "supervisor2")}
    title_id, made_id = world["title"].id, made.id
    barrier, results = threading.Barrier(2), {}
    a, b = (first, second) if round_ % 2 == 0 else (second, first)
    run_at_once(*(lambda who=who, action=action: _decide(app, ids, title_id, name, made_id, who, action, barrier,
                                                         results)
                  for who, action in (a, b)))
    outcomes = sorted(r[0] for r in results.values())
    assert outcomes == ["decided", "refused"], results
    [won] = [r[1] for r in results.values() if r[0] == "decided"]
    [lost] = [r[1:] for r in results.values() if r[0] == "refused"]
    assert lost[0] in answers and lost[1] == 409, results
    db.session.expire_all()
    assert _row(made)[column] == machine.after(state, won)
    assert [e.action for e in _events(made)][events:] == [machine.event(won)]
    if name == "review_period":
        frozen = db.session.scalar(sa.select(sa.func.count(ReviewFigure.id)))
        assert frozen == db.session.scalar(sa.select(sa.func.count(sa.distinct(ReviewFigure.subject_key))))
