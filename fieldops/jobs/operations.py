"""State changes of jobs. `enqueue` and `retry` are called by views (which
commit); the rest by the worker, which commits after each.

Claiming is one UPDATE, so two workers never take the same job:
PostgreSQL picks the row with FOR UPDATE SKIP LOCKED (a worker never waits on
another's pick); SQLite runs one writer at a time, and the outer
`state = 'queued'` makes the UPDATE a no-op if the pick went stale.
"""
import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa

from fieldops.audit.operations import record
from fieldops.core.states import Refused, Stale, move
from fieldops.extensions import db
from fieldops.jobs.models import ERROR_MAX, JOB, NOTE_MAX, Job, JobState
from fieldops.timeutil import utcnow

log = logging.getLogger("fieldops.jobs")

# Attempts a retried job gets afresh (a stale worker uses one up).
RETRY_BUDGET = 3


class JobError(Exception):
    """reason: not_failed (only a failed job is retried)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def snapshot(job: Job) -> dict:
    return {"kind": job.kind, "state": str(job.state), "attempts": job.attempts, "progress": job.progress}


def enqueue(actor, kind: str, params: dict, org_unit_id: int, *, max_attempts=3, now=None) -> Job:
    job = Job(kind=kind, params=params, state=JobState.queued, progress=0, note="", error="", attempts=0,
              max_attempts=max_attempts, org_unit_id=org_unit_id, created_by_id=actor.id if actor else None,
              created_at=now or utcnow())
    db.session.add(job)
    db.session.flush()
    record("job.enqueue", actor=actor, obj=job, after=snapshot(job) | {"params": params})
    db.session.flush()
    return job


def retry(actor, job: Job, now=None) -> None:
    """A failed job goes back to the queue, from the start."""
    try:
        move(JOB, job, "retry", {"progress": 0, "note": "", "error": "", "error_reference": None, "worker_id": None, "heartbeat_at": None,
                                 "started_at": None, "finished_at": None,
                                 "max_attempts": Job.attempts + RETRY_BUDGET},
             actor=actor, after={"kind": job.kind, "attempts": job.attempts, "progress": 0}, now=now)
    except (Refused, Stale):
        raise JobError("not_failed") from None
    db.session.flush()


# --- the worker's side ----------------------------------------------------------------


def claim_next(worker_id: str, now=None) -> Job | None:
    """Take the oldest queued job for this worker (committed), or None."""
    now = now or utcnow()
    pick = sa.select(Job.id).where(Job.state == JobState.queued).order_by(Job.id).limit(1)
    if db.engine.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    stmt = (
        sa.update(Job).where(Job.id == pick.scalar_subquery(), Job.state == JobState.queued)
        .values(state=JobState.running, worker_id=worker_id[:100], started_at=now, heartbeat_at=now,
                attempts=Job.attempts + 1, progress=0, note="")
        .returning(Job.id)
    )
    job_id = db.session.execute(stmt).scalar()
    db.session.commit()
    if job_id is None:
        return None
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    return job


def report_progress(job_id: int, progress: int, note: str = "") -> None:
    """Progress and heartbeat on a connection of their own: committed at once,
    seen by the page that polls while the job's own transaction goes on. Best
    effort: a report that cannot be written (SQLite busy) never fails the job."""
    try:
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(Job.__table__).where(Job.__table__.c.id == job_id, Job.__table__.c.state == "running")
                .values(progress=max(0, min(100, int(progress))), note=(note or "")[:NOTE_MAX],
                        heartbeat_at=utcnow()))
    except sa.exc.OperationalError:
        import logging

        logging.getLogger("fieldops.jobs").warning("job %s: progress not written (database busy)", job_id)


def heartbeat(job_id: int) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(Job.__table__).where(Job.__table__.c.id == job_id, Job.__table__.c.state == "running")
            .values(heartbeat_at=utcnow()))


def finish(job: Job, result: dict | None, now=None) -> None:
    now = now or utcnow()
    job.state, job.progress, job.result, job.finished_at, job.error = JobState.done, 100, result, now, ""
    db.session.flush()
    record("job.done", obj=job, actor_name=f"worker:{job.worker_id}", after=snapshot(job) | {"result": result})
    db.session.flush()


class JobRefused(Exception):
    """A refusal a handler explains to its reader (in words, not as an error): the
    job's page shows its message as it is."""


def fail(job_id: int, error: BaseException | str, now=None) -> Job:
    """The job failed (after a rollback). A reason given as text, or a JobRefused,
    is kept for the page that shows it; any other exception is written to the
    server's log only, under a reference that the page shows (its details may name
    the server's files)."""
    now = now or utcnow()
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    if isinstance(error, (str, JobRefused)):
        job.error, job.error_reference = str(error)[:ERROR_MAX], None
    else:
        job.error, job.error_reference = "", f"{job_id}-{secrets.token_hex(4)}"
        log.error("job %s (%s) failed, reference %s", job_id, job.kind, job.error_reference,
                  exc_info=(type(error), error, error.__traceback__))
    job.state, job.finished_at = JobState.failed, now
    db.session.flush()
    record("job.fail", obj=job, actor_name=f"worker:{job.worker_id}",
           after=snapshot(job) | {"error": job.error, "reference": job.error_reference})
    db.session.commit()
    return job


def requeue_stale(stale_after: timedelta, now=None) -> tuple[int, int]:
    """Running jobs whose worker stopped beating: back to the queue, or failed once
    their attempts are used up. (requeued, failed), committed."""
    now = now or utcnow()
    limit = now - stale_after
    stale = db.session.scalars(
        sa.select(Job).where(Job.state == JobState.running, Job.heartbeat_at < limit).order_by(Job.id)).all()
    requeued = failed = 0
    for job in stale:
        before = snapshot(job)
        worker = job.worker_id
        if job.attempts >= job.max_attempts:
            job.state, job.finished_at = JobState.failed, now
            job.error = f"The worker {worker} stopped answering while running this job ({job.attempts} attempts)."
            failed += 1
        else:
            job.state, job.worker_id, job.heartbeat_at, job.progress, job.note = JobState.queued, None, None, 0, ""
            requeued += 1
        db.session.flush()
        record("job.stale", obj=job, actor_name="worker", before=before | {"worker_id": worker},
               after=snapshot(job))
    db.session.commit()
    return requeued, failed
