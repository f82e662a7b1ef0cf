"""Background jobs: work too long for a request (a dossier of hundreds of
nominees, closing a national review), kept in the database so any number of
app servers and workers share one queue.

    queued → running → done
                     → failed (error) → queued again (retry)
    running with a stale heartbeat → queued again (its worker died), or failed
    once it has used up its attempts

`fieldops/jobs/operations.py` changes the state; `fieldops/jobs/worker.py`
claims and runs jobs; handlers register themselves per kind in
`fieldops/jobs/registry.py`.
"""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.auth.models import Role, User
from fieldops.core.states import Machine
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import InUnit
from fieldops.timeutil import utcnow

NOTE_MAX = 200
ERROR_MAX = 2000


class JobState(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


ACTIVE_STATES = (JobState.queued, JobState.running)

# (state, action) → the state after. A person retries a failed job, through
# fieldops/core/states.py; the worker takes the other steps on the job it claimed
# (fieldops/jobs/operations.py).
JOB = Machine("job", {
    (JobState.queued, "claim"): JobState.running,
    (JobState.running, "done"): JobState.done,
    (JobState.running, "fail"): JobState.failed,
    (JobState.running, "requeue"): JobState.queued,  # its worker stopped answering
    (JobState.failed, "retry"): JobState.queued,
})


class Job(InUnit, db.Model):
    __tablename__ = "job"
    __table_args__ = (
        sa.Index("ix_job_state_id", "state", "id"),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
        sa.CheckConstraint("attempts >= 0", name="attempts"),
        sa.CheckConstraint("state <> 'running' OR (worker_id IS NOT NULL AND heartbeat_at IS NOT NULL)",
                           name="running"),
        sa.CheckConstraint("state <> 'done' OR finished_at IS NOT NULL", name="done"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state: Mapped[JobState] = mapped_column(
        sa.Enum(JobState, name="job_state", native_enum=False, create_constraint=True, length=10),
        default=JobState.queued,
    )
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)
    note: Mapped[str] = mapped_column(sa.String(NOTE_MAX), default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    # A failure's details stay in the server's log under this reference; the page shows only it.
    error_reference: Mapped[str | None] = mapped_column(sa.String(20))
    # What the job produced, as plain values (e.g. {"dossier_id": 12}).
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(sa.Integer, default=3)
    # The unit the job works for: who may see it (scope), and the audit trail.
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    worker_id: Mapped[str | None] = mapped_column(sa.String(100))

    org_unit: Mapped[OrgUnit] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def audit_unit_id(self):
        return self.org_unit_id

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    def can_retry(self, user) -> bool:
        return JOB.allows(self.state, "retry") and user.role in (Role.hr, Role.admin)

    def __repr__(self):
        return f"<Job {self.id} {self.kind} {self.state}>"


class JobFile(db.Model):
    """The file a job works on (an import sent from the web), kept in the database
    so that whichever worker takes the job reads it; removed once the job is done."""

    __tablename__ = "job_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("job.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
