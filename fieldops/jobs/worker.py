"""The worker: claims queued jobs one at a time and runs their handlers.

    flask --app wsgi jobs work            # a loop; Ctrl-C or SIGTERM stops it after the current job
    flask --app wsgi jobs work --once     # run at most one job and exit (tests, cron)

While a handler runs, a thread beats the job's heartbeat every
HEARTBEAT_SECONDS on its own connection; a job whose heartbeat is older than
the stale limit (its worker was killed, its server lost) goes back to the
queue, and fails once its attempts are used up. Any number of workers may run
against one database.

Between jobs it does the features' chores (registry.CHORES): computing again
the dashboards their readers found aged. It runs at a lower CPU priority than
the web servers (JOB_WORKER_NICE), so on a shared machine its work waits for
the officers' requests rather than slowing them.
"""
import logging
import os
import signal
import socket
import threading
from datetime import timedelta

from fieldops.extensions import db
from fieldops.jobs import operations
from fieldops.jobs.models import Job
from fieldops.jobs.registry import CHORES, handler_for

log = logging.getLogger("fieldops.jobs")
HEARTBEAT_SECONDS = 20


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _Heartbeat(threading.Thread):
    def __init__(self, app, job_id, every):
        super().__init__(daemon=True, name=f"heartbeat-{job_id}")
        self.app, self.job_id, self.every = app, job_id, every
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(self.every):
            try:
                with self.app.app_context():
                    operations.heartbeat(self.job_id)
            except Exception:  # a missed beat is not fatal; the next one may pass
                log.warning("job %s: heartbeat failed", self.job_id, exc_info=True)

    def stop(self):
        self.stopped.set()


def run_job(app, job: Job) -> Job:
    """Run one claimed job to done or failed (committed either way)."""
    job_id = job.id
    fn = handler_for(job.kind)
    beat = _Heartbeat(app, job_id, app.config.get("JOB_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))
    beat.start()
    try:
        if fn is None:
            raise LookupError(f"no handler for jobs of kind {job.kind!r}")

        def report(progress, note=""):
            operations.report_progress(job_id, progress, note)

        result = fn(job, report)
        operations.finish(job, result)
        db.session.commit()
        log.info("job %s (%s) done", job_id, job.kind)
    except Exception as error:
        db.session.rollback()
        job = operations.fail(job_id, error)  # logs the error, under the reference its page shows
    finally:
        beat.stop()
    return job


def run_once(app, worker_id=None, stale_minutes=None) -> Job | None:
    """Requeue stale jobs, then claim and run one job. The job run, or None."""
    stale = timedelta(minutes=stale_minutes or app.config.get("JOB_STALE_MINUTES", 10))
    operations.requeue_stale(stale)
    job = operations.claim_next(worker_id or worker_name())
    if job is None:
        return None
    return run_job(app, job)


def do_chores(app) -> int:
    """Each chore once; how much they did. A failing chore is logged, and the others done."""
    done = 0
    for fn in CHORES:
        try:
            done += fn(app)
        except Exception:  # the database went away, say: the next round tries again
            log.exception("chore %s failed", fn.__qualname__)
            db.session.rollback()
    return done


def work(app, poll_seconds=2.0, stale_minutes=None, worker_id=None) -> None:
    """Run jobs and chores until SIGTERM or SIGINT; the current one is finished first."""
    stopping = threading.Event()

    def stop(_signum, _frame):
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    worker_id = worker_id or worker_name()
    log.info("worker %s started", worker_id)
    while not stopping.is_set():
        try:
            job = run_once(app, worker_id, stale_minutes)
        except Exception:  # the database went away, say: wait and try again
            log.exception("worker %s: could not take a job", worker_id)
            db.session.rollback()
            job = None
        finally:
            db.session.remove()
        done = do_chores(app)
        db.session.remove()
        if job is None and not done:
            stopping.wait(poll_seconds)
    log.info("worker %s stopped", worker_id)
