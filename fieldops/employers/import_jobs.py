"""A large employer import sent from the web runs in the job worker: a request
checks and writes ~8,000 rows a second at best, so a province's file (up to
16 MB) would hold a web worker for a minute. The file is kept with its job;
the job's page follows the rows checked and written, then links to the report."""
import io

import sqlalchemy as sa
from flask_babel import force_locale

from fieldops.auth.models import User
from fieldops.extensions import db
from fieldops.jobs.models import JobFile
from fieldops.jobs.operations import enqueue
from fieldops.jobs.registry import handler

IMPORT = "employers.import"


def queue_import(actor, content: bytes, filename: str, dry_run: bool):
    job = enqueue(actor, IMPORT, {"filename": filename[:200], "dry_run": dry_run, "actor_id": actor.id},
                  actor.org_unit_id, max_attempts=1)
    db.session.add(JobFile(job_id=job.id, name=filename[:255], content=content))
    db.session.flush()
    return job


def _title(job):
    from flask_babel import gettext as _

    return _("Employer import: %(file)s", file=(job.params or {}).get("filename", ""))


def _link(job):
    from flask import url_for
    from flask_babel import gettext as _

    return url_for("employers.import_report", job_id=job.id), _("See the report")


def result_of(result, conflict=False) -> dict:
    """An import's result as plain values, kept as the job's result."""
    return {"conflict": conflict, "filename": result.filename if result else "", "dry_run": bool(result and result.dry_run),
            "rows": result.rows if result else 0, "error_count": result.error_count if result else 0,
            "errors": [[e.row, e.column, e.message] for e in result.errors] if result else [],
            "counts": dict(result.counts) if result else {}, "ignored_columns": result.ignored_columns if result else []}


@handler(IMPORT, title=_title, link=_link)
def run_import(job, report):
    from fieldops.employers.importing import ImportConflict, import_employers

    params = job.params or {}
    actor = db.session.get(User, params.get("actor_id"))
    stored = db.session.scalars(sa.select(JobFile).where(JobFile.job_id == job.id)).one()
    # CSV rows are lines; a workbook's count is known only once read (its progress says rows, not %).
    expected = stored.content.count(b"\n") if not stored.content.startswith(b"PK") else 0

    def progress(stage, rows):
        share = min(rows / expected, 1) if expected else 0
        report(int(share * (50 if stage == "checked" else 49)) + (50 if stage == "written" else 0),
               f"{stage}: {rows}")

    with force_locale(str(actor.preferred_language)):
        try:
            result = import_employers(actor, io.BytesIO(stored.content), stored.name,
                                      dry_run=params.get("dry_run", False), progress=progress)
            outcome = result_of(result)
        except ImportConflict:
            outcome = result_of(None, conflict=True)
    if outcome["conflict"] or outcome["error_count"] or outcome["dry_run"]:
        db.session.rollback()  # all or nothing
    db.session.execute(sa.delete(JobFile).where(JobFile.job_id == job.id))
    return outcome
