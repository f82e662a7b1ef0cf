"""The background job worker (fieldops/jobs): queued → running → done; a failure
is kept with its reason and can be retried; a job whose worker died goes back to
the queue; two workers never take the same job."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldops.extensions import db
from fieldops.jobs import operations, worker
from fieldops.jobs.models import Job, JobState
from fieldops.jobs.registry import HANDLERS, handler
from fieldops.timeutil import utcnow
from tests.review_helpers import audit_actions, in_english

CALLS = []


@pytest.fixture
def kinds():
    """Two test kinds: one that reports progress and succeeds, one that fails until told not to."""
    state = {"fail": True}

    @handler("test.ok")
    def ok(job, report):
        report(50, "half way")
        with db.engine.connect() as other:  # what a page polling meanwhile reads
            CALLS.append(("ok", other.execute(sa.select(Job.progress).where(Job.id == job.id)).scalar()))
        return {"n": job.params["n"] * 2}

    @handler("test.flaky")
    def flaky(job, report):
        if state["fail"]:
            raise ValueError("the printer is out of paper")
        return {"ok": True}

    yield state
    HANDLERS.pop("test.ok", None)
    HANDLERS.pop("test.flaky", None)
    CALLS.clear()


def _job(users, kind, params=None):
    hr = users["HN"]["hr"]
    job = operations.enqueue(hr, kind, params or {}, hr.org_unit_id)
    db.session.commit()
    return job


def test_a_queued_job_runs_to_done(app, users, kinds):
    job = _job(users, "test.ok", {"n": 21})
    assert job.state == JobState.queued and job.progress == 0
    done = worker.run_once(app)
    assert done.id == job.id
    db.session.refresh(job)
    assert (job.state, job.progress, job.result, job.attempts) == (JobState.done, 100, {"n": 42}, 1)
    assert job.started_at and job.finished_at and job.worker_id
    # Progress was written on its own connection, seen while the job ran.
    assert CALLS == [("ok", 50)]
    assert audit_actions("job", job.id) == ["job.enqueue", "job.done"]
    assert worker.run_once(app) is None


def test_a_failed_job_gives_a_reference_to_the_log_and_can_be_retried(app, users, kinds, client_as, caplog):
    job = _job(users, "test.flaky")
    worker.run_once(app)
    db.session.refresh(job)
    assert job.state == JobState.failed and job.error == "" and job.error_reference.startswith(f"{job.id}-")
    # The details are in the server's log, under the reference; never on the page.
    logged = [r for r in caplog.records if job.error_reference in r.getMessage()]
    assert logged and "the printer is out of paper" in str(logged[0].exc_info[1])
    client = in_english(client_as("hr"))
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert job.error_reference in page and 'data-action="retry"' in page and "hx-trigger" not in page
    assert "printer" not in page and "ValueError" not in page and ".py" not in page
    # Only HR and admins of the area see it.
    assert client_as("hr", "HT").get(f"/jobs/{job.id}").status_code == 404
    assert client_as("viewer").get(f"/jobs/{job.id}").status_code == 403
    # Retry (by htmx: the job's block comes back, polling again).
    kinds["fail"] = False
    response = client.post(f"/jobs/{job.id}/retry", headers={"HX-Request": "true", "HX-Target": f"job-{job.id}"})
    assert response.status_code == 200 and 'hx-trigger="every 2s"' in response.get_data(as_text=True)
    db.session.refresh(job)
    assert (job.state, job.error, job.error_reference, job.progress) == (JobState.queued, "", None, 0)
    worker.run_once(app)
    db.session.refresh(job)
    assert job.state == JobState.done and job.attempts == 2
    # A job that is not failed is not retried.
    assert client.post(f"/jobs/{job.id}/retry").status_code == 303
    assert audit_actions("job", job.id) == ["job.enqueue", "job.fail", "job.retry", "job.done"]


def test_an_unknown_kind_fails_with_a_reference(app, users):
    job = _job(users, "test.nobody-handles-this")
    worker.run_once(app)
    db.session.refresh(job)
    assert job.state == JobState.failed and job.error_reference


def test_a_job_whose_worker_died_goes_back_to_the_queue(app, users, kinds):
    job = _job(users, "test.ok", {"n": 1})
    claimed = operations.claim_next("dead-worker:1")
    assert claimed.id == job.id and claimed.state == JobState.running
    # Its heartbeat stops; after the stale limit the next worker takes it again.
    db.session.execute(sa.update(Job).where(Job.id == job.id).values(heartbeat_at=utcnow() - timedelta(minutes=30)))
    db.session.commit()
    assert operations.requeue_stale(timedelta(minutes=10)) == (1, 0)
    db.session.refresh(job)
    assert job.state == JobState.queued and job.worker_id is None
    worker.run_once(app)
    db.session.refresh(job)
    assert job.state == JobState.done and job.attempts == 2
    # Out of attempts, a stale job fails and says why.
    other = _job(users, "test.ok", {"n": 1})
    db.session.execute(sa.update(Job).where(Job.id == other.id).values(
        state=JobState.running, worker_id="dead:2", attempts=3, heartbeat_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert operations.requeue_stale(timedelta(minutes=10)) == (0, 1)
    db.session.refresh(other)
    assert other.state == JobState.failed and "stopped answering" in other.error


def test_two_workers_never_take_the_same_job(app, users, kinds):
    first, second = _job(users, "test.ok", {"n": 1}), _job(users, "test.ok", {"n": 2})
    a = operations.claim_next("worker-a")
    b = operations.claim_next("worker-b")
    assert {a.id, b.id} == {first.id, second.id} and a.worker_id == "worker-a" and b.worker_id == "worker-b"
    assert operations.claim_next("worker-c") is None


def test_the_worker_command(app, users, kinds):
    _job(users, "test.flaky")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "work", "--once"])
    assert result.exit_code == 1 and "failed" in result.output
    result = runner.invoke(args=["jobs", "work", "--once"])
    assert result.exit_code == 0 and "No job waiting." in result.output


def test_the_worker_does_its_chores_between_jobs_and_yields_the_cpu(app, monkeypatch, caplog):
    """The chores (the dashboards wanted again) run with --once and in the loop; a failing
    one is logged and the others done; the loop runs at the configured lower priority."""
    done = []

    def fails(app_):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(worker, "CHORES", [fails, lambda app_: done.append("refreshed") or 2])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "work", "--once"])
    assert result.exit_code == 0 and "Chores done: 2." in result.output and "No job waiting." in result.output
    assert done == ["refreshed"] and "the database went away" in caplog.text

    niced, looped = [], []
    monkeypatch.setattr("os.nice", niced.append)
    monkeypatch.setattr(worker, "work", lambda app_, **options: looped.append(options))
    assert runner.invoke(args=["jobs", "work", "--poll", "5"]).exit_code == 0
    assert niced == [app.config["JOB_WORKER_NICE"]] == [10] and looped[0]["poll_seconds"] == 5
    assert runner.invoke(args=["jobs", "work", "--once"]).exit_code == 0 and niced == [10]  # a single round: as is


def test_concurrent_workers_on_postgresql_take_different_jobs(app, users, kinds):
    """Real concurrent claims (FOR UPDATE SKIP LOCKED), each thread with its own connection."""
    import threading

    if db.engine.dialect.name == "sqlite":
        pytest.skip("needs concurrent writers: runs on PostgreSQL (FIELDOPS_TEST_DATABASE_URL)")
    made = [_job(users, "test.ok", {"n": n}).id for n in range(8)]
    taken, barrier = [], threading.Barrier(4)

    def claim(name):
        with app.app_context():
            try:
                barrier.wait()
                while True:
                    job = operations.claim_next(name)
                    if job is None:
                        return
                    taken.append((job.id, name))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(i for i, _w in taken) == sorted(made)


def test_a_refusal_explained_by_its_handler_is_shown_as_it_is(app, users):
    @handler("test.refuses")
    def refuses(job, report):
        raise operations.JobRefused("Quá nhiều người được đề nghị cho một hồ sơ.")

    try:
        job = _job(users, "test.refuses")
        worker.run_once(app)
        db.session.refresh(job)
        assert job.state == JobState.failed and job.error_reference is None
        assert job.error == "Quá nhiều người được đề nghị cho một hồ sơ."
    finally:
        HANDLERS.pop("test.refuses", None)
