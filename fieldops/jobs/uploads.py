"""Imports too large for a request, run by the job worker: the file sent is kept
with its job (in the database, so whichever worker takes the job reads it), the
import runs as the user who sent it, in their language, all or nothing, and its
result is kept as plain values for the page that reports it. A feature registers
its importer with `upload_handler`."""
import io
from collections import Counter
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import force_locale

from fieldops.auth.models import User
from fieldops.extensions import db
from fieldops.jobs.models import JobFile
from fieldops.jobs.operations import enqueue
from fieldops.jobs.registry import handler


def too_large_for_a_request(stream, limit: int) -> bool:
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    return size > limit


def queue_upload(actor, kind: str, content: bytes, filename: str, dry_run: bool):
    job = enqueue(actor, kind, {"filename": filename[:200], "dry_run": dry_run, "actor_id": actor.id},
                  actor.org_unit_id, max_attempts=1)
    db.session.add(JobFile(job_id=job.id, name=filename[:255], content=content))
    db.session.flush()
    return job


def plain_result(result) -> dict:
    return {"conflict": False, "filename": result.filename, "dry_run": bool(result.dry_run), "rows": result.rows,
            "error_count": result.error_count, "errors": [[e.row, e.column, e.message] for e in result.errors],
            "counts": dict(result.counts), "ignored_columns": list(result.ignored_columns)}


def kept_result(job):
    """(result for the report template, conflict?) of a finished import job."""
    kept = dict(job.result or {})
    errors = [SimpleNamespace(row=r, column=c, message=m) for r, c, m in kept.pop("errors", [])]
    counts = Counter(kept.pop("counts", {}))
    result = SimpleNamespace(**kept, errors=errors, counts=counts, ok=not kept.get("error_count"))
    return result, bool(kept.get("conflict"))


def upload_handler(kind, importer, conflicts, title, link):
    """Register the job that runs `importer(actor, fileobj, filename, dry_run=…,
    progress=…)` on a file queued by `queue_upload`; `conflicts`: the exceptions
    meaning the database changed under the import (nothing written, try again)."""

    @handler(kind, title=title, link=link)
    def run(job, report):
        params = job.params or {}
        actor = db.session.get(User, params.get("actor_id"))
        stored = db.session.scalars(sa.select(JobFile).where(JobFile.job_id == job.id)).one()
        # CSV rows are lines; a workbook's rows are known only once read (its progress then stays low).
        expected = 0 if stored.content.startswith(b"PK") else stored.content.count(b"\n")

        def progress(stage, rows):
            share = min(rows / expected, 1) if expected else 0
            report((50 if stage == "written" else 0) + int(share * 49))

        with force_locale(str(actor.preferred_language)):
            try:
                result = importer(actor, io.BytesIO(stored.content), stored.name,
                                  dry_run=params.get("dry_run", False), progress=progress)
                outcome = plain_result(result)
            except conflicts:
                outcome = {"conflict": True}
        if outcome["conflict"] or outcome["error_count"] or outcome["dry_run"]:
            db.session.rollback()  # all or nothing
        db.session.execute(sa.delete(JobFile).where(JobFile.job_id == job.id))
        return outcome

    return run
