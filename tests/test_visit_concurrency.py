"""Visits to one employer recorded, reviewed and imported over at the same moment:
the departments' current figures and the progress timeline still say what the
history says, and no writer waits for another forever.

Real concurrent transactions on PostgreSQL, each thread with its own app context
(session and connection); SQLite serialises every writer, so these run on
PostgreSQL only. Without threads the same rules are tested on both databases in
test_visit_figures.py and test_progress_timeline.py.
"""
import io
import threading
import time
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from fieldops.auth.models import Role, User
from fieldops.employers import import_writer
from fieldops.employers.importing import import_employers
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.progress.models import ActivityCount, ObstacleCount, StockDelta
from fieldops.progress.timeline import rebuild_all
from fieldops.visits import operations
from fieldops.visits.figures import figures_from_history, kept_figures
from fieldops.visits.forms import LineInput, VisitInput
from fieldops.visits.models import Visit, VisitPurpose
from tests import factories
from tests.concurrency import run_at_once


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("needs concurrent writers: runs on PostgreSQL (FIELDOPS_TEST_DATABASE_URL)")


@pytest.fixture
def world(org, users):
    factories.campaign()
    employer = factories.employer(org["HN-BD"], unit_code="TC0001", name="Công ty Cổ phần Sông Đà",
                                  departments=[("Văn phòng", 40), ("Phân xưởng", 120)])
    officer2 = factories.user(org["HN-BD"], Role.officer, username="officer2.hn", full_name="Vũ Thị Lan")
    waiting = factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 6, 5),
                              figures={"Văn phòng": (40, 20, 10)}, now=datetime(2023, 6, 5, 9))
    db.session.commit()
    return {"employer_id": employer.id, "officers": [users["HN"]["officer"].id, officer2.id],
            "supervisor_id": users["HN"]["supervisor"].id, "admin_id": users["HN"]["admin"].id,
            "waiting_id": waiting.id}


def _in_thread(app, results, key, work, before=None):
    """`work()` in a transaction of this thread's own, committed; what happened goes to results[key]."""
    with app.app_context():
        try:
            if before is not None:
                before()
            started = time.monotonic()
            work()
            db.session.commit()
            results[key] = ("ok", time.monotonic() - started)
        except Exception as error:  # surfaced by the assertions
            db.session.rollback()
            results[key] = ("failed", repr(error))
        finally:
            db.session.remove()


def _new_visit(officer_id, employer_id, day, registered, key):
    def work():
        officer, employer = db.session.get(User, officer_id), db.session.get(Employer, employer_id)
        counted = {d: min(registered, d.insured_declared) for d in employer.departments}
        lines = [LineInput(department=d, new_name="", insured=d.insured_declared, registered=n, active=0,
                           newly_registered=min(n, 1)) for d, n in counted.items()]
        data = VisitInput(visit_date=day, purpose=VisitPurpose.registration_drive, notes="", latitude=None,
                          longitude=None, lines=lines)
        operations.create_visit(officer, employer, data, idempotency_key=key, content_hash=key)
    return work


def _assert_figures_follow_the_history():
    db.session.expire_all()
    for department in db.session.scalars(sa.select(LabourDepartment)):
        assert kept_figures(department) == figures_from_history(department.id), department.name
    kept = {model: sorted(tuple(r) for r in db.session.execute(sa.select(model.__table__)))
            for model in (StockDelta, ActivityCount, ObstacleCount)}
    rebuild_all()
    db.session.flush()
    assert {model: sorted(tuple(r) for r in db.session.execute(sa.select(model.__table__)))
            for model in kept} == kept
    db.session.rollback()


@pytest.mark.parametrize("round_", range(4))
def test_visits_and_a_return_at_once_leave_the_figures_as_the_history_says(app, world, round_):
    """Four visits (two of one date, one back-dated, one later) and the return of
    the waiting visit, all started together: every outcome stands, and the kept
    figures are those of the history, in whatever order they committed."""
    days = [date(2023, 6, 10), date(2023, 6, 10), date(2023, 6, 1), date(2023, 6, 20)]
    barrier, results = threading.Barrier(5), {}
    sends = [_new_visit(world["officers"][i % 2], world["employer_id"], day, 5 + 7 * i, f"race-{round_}-{i}")
             for i, day in enumerate(days)]
    targets = [lambda i=i: _in_thread(app, results, i, sends[i], before=barrier.wait) for i in range(len(days))]

    def return_waiting():
        visit = db.session.get(Visit, world["waiting_id"])
        operations.return_visit(db.session.get(User, world["supervisor_id"]), visit, "Số liệu chưa khớp")

    targets.append(lambda: _in_thread(app, results, "return", return_waiting, before=barrier.wait))
    run_at_once(*targets)
    assert {key: outcome[0] for key, outcome in results.items()} == dict.fromkeys([0, 1, 2, 3, "return"], "ok")
    _assert_figures_follow_the_history()
    office = db.session.scalars(sa.select(LabourDepartment).where(LabourDepartment.name == "Văn phòng")).one()
    latest = db.session.get(Visit, office.current_visit_id)
    assert latest.visit_date == date(2023, 6, 20) and latest.idempotency_key == f"race-{round_}-3"


def test_an_import_and_a_visit_at_once_both_finish(app, world, monkeypatch):
    """The import changes the employer's declared headcounts and then refreshes its
    timeline; a visit sent in between waits for the import (the lock order of
    fieldops/progress/timeline.py) instead of holding the timeline while wanting
    a department the import holds: that would be a deadlock, one of them lost."""
    departments_written, results = threading.Event(), {}
    real = import_writer.employers_changed

    def slow_refresh(ids):
        departments_written.set()
        time.sleep(0.8)  # the visit is now waiting on a lock the import holds
        real(ids)

    monkeypatch.setattr(import_writer, "employers_changed", slow_refresh)
    csv = ("Mã đơn vị,Tên đơn vị,Mã số thuế,Mã cơ quan BHXH,Bộ phận,Số lao động tham gia\n"
           "TC0001,Công ty Cổ phần Sông Đà,,HN-BD,Văn phòng,44\n"
           "TC0001,Công ty Cổ phần Sông Đà,,HN-BD,Phân xưởng,125\n")

    def run_import():
        with force_locale("en"):
            result = import_employers(db.session.get(User, world["admin_id"]), io.BytesIO(csv.encode()), "a.csv")
        assert result.ok, result.errors

    visit = _new_visit(world["officers"][0], world["employer_id"], date(2023, 6, 12), 30, "during-import")
    run_at_once(lambda: _in_thread(app, results, "import", run_import),
                lambda: _in_thread(app, results, "visit", visit, before=lambda: departments_written.wait(10)))
    assert results["import"][0] == "ok" and results["visit"][0] == "ok", results
    assert results["visit"][1] >= 0.5  # it waited for the import to finish
    _assert_figures_follow_the_history()
    declared = dict(db.session.execute(sa.select(LabourDepartment.name, LabourDepartment.insured_declared)).all())
    assert declared == {"Văn phòng": 44, "Phân xưởng": 125}


def test_the_last_of_many_visits_sent_at_once_by_date_is_current(app, world):
    """Eight visits of one date sent together: the kept figures are those of the
    latest submission, whichever committed last."""
    barrier, results = threading.Barrier(8), {}
    day = date(2023, 7, 1)
    sends = [_new_visit(world["officers"][i % 2], world["employer_id"], day, i, f"same-day-{i}") for i in range(8)]
    run_at_once(*(lambda i=i: _in_thread(app, results, i, sends[i], before=barrier.wait) for i in range(8)))
    assert [results[i][0] for i in range(8)] == ["ok"] * 8, results
    _assert_figures_follow_the_history()
    visits = db.session.scalars(sa.select(Visit).where(Visit.visit_date == day)).all()
    office = db.session.scalars(sa.select(LabourDepartment).where(LabourDepartment.name == "Văn phòng")).one()
    assert office.current_visit_id == max(visits, key=lambda v: (v.submitted_at, v.id)).id
