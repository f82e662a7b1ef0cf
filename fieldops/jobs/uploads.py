"""Imports too large for a request, run by the job worker: the file sent is kept
with its job (in the database, so whichever worker takes the job reads it), the
import runs as the user who sent it, in their language, all or nothing, and its
result is kept as plain values for the page that reports it. A feature registers
its importer with `upload_handler`; its import page answers with `import_or_queue`
and `import_page`, and the job's page (the import page, the job's progress in the
report's place until the report takes it) with `import_job`."""
import io
from collections import Counter
from types import SimpleNamespace

import sqlalchemy as sa
from flask import abort, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user

from fieldops.auth.models import User
from fieldops.core.import_layout import ImportResult, import_upload, refused_at_once
from fieldops.core.spreadsheet import MAX_FILE_BYTES
from fieldops.core.translations import gettext as _
from fieldops.extensions import db, htmx
from fieldops.jobs.models import Job, JobFile, JobState
from fieldops.jobs.operations import enqueue
from fieldops.jobs.registry import handler
from fieldops.org.scope import get_or_404

# The id of the report's place on an import page: what a job's progress, polled, replaces.
REPORT = "import-report"


def too_large_for_a_request(stream, limit: int) -> bool:
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    return size > limit


def queue_upload(actor, kind: str, content: bytes, filename: str, dry_run: bool, options=None):
    """`options`: what else the importer is given (plain values), as keyword arguments."""
    job = enqueue(actor, kind, {"filename": filename[:200], "dry_run": dry_run, "actor_id": actor.id,
                                "options": options or {}}, actor.org_unit_id, max_attempts=1)
    db.session.add(JobFile(job_id=job.id, name=filename[:255], content=content))
    db.session.flush()
    return job


def plain_result(result) -> dict:
    return {"conflict": False, "filename": result.filename, "dry_run": bool(result.dry_run), "rows": result.rows,
            "error_count": result.error_count, "errors": [[e.row, e.column, e.message, e.value] for e in result.errors],
            "counts": dict(result.counts), "ignored_columns": list(result.ignored_columns)}


def kept_result(job):
    """(result for the report template, conflict?) of a finished import job."""
    kept = dict(job.result or {})
    # A report kept before problems quoted the value found has three items a problem.
    errors = [SimpleNamespace(row=r, column=c, message=m, value=(v or [""])[0])
              for r, c, m, *v in kept.pop("errors", [])]
    counts = Counter(kept.pop("counts", {}))
    result = SimpleNamespace(**kept, errors=errors, counts=counts, ok=not kept.get("error_count"))
    return result, bool(kept.get("conflict"))


def upload_handler(kind, importer, conflicts, title, report_endpoint):
    """Register the job that runs `importer(actor, fileobj, filename, dry_run=…,
    progress=…, **options)` on a file queued by `queue_upload`; `conflicts`: the exceptions
    meaning the database changed under the import (nothing written, try again);
    `title(filename)`: what the job is, in words; `report_endpoint`: its page (job_id=)."""

    def link(job):
        return url_for(report_endpoint, job_id=job.id), _("See the report")

    @handler(kind, title=lambda job: title((job.params or {}).get("filename", "")), link=link)
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
                                  dry_run=params.get("dry_run", False), progress=progress, **params.get("options", {}))
                outcome = plain_result(result)
            except conflicts:
                outcome = {"conflict": True}
        if outcome["conflict"] or outcome["error_count"] or outcome["dry_run"]:
            db.session.rollback()  # all or nothing
        db.session.execute(sa.delete(JobFile).where(JobFile.job_id == job.id))
        return outcome

    return run


def import_or_queue(form, kind, run, *, limit, check_header, conflict=(), conflict_message=None, options=None):
    """An import page's POST. A file larger than `limit` (yet within the file limit: above
    it the request refuses it) is queued for the job worker once what costs little to
    read passes (`check_header`, see refused_at_once); any other is imported now, as
    `import_upload` does. Returns (the job queued, result, conflict's message, failed)."""
    if form.validate_on_submit():
        upload = form.file.data
        stream, filename = upload.stream, upload.filename or ""
        if too_large_for_a_request(stream, limit) and not too_large_for_a_request(stream, MAX_FILE_BYTES):
            result = ImportResult(filename=filename[:200], dry_run=form.dry_run.data)
            if refused_at_once(stream, filename, result, check_header):
                return None, result, None, True
            job = queue_upload(current_user, kind, stream.read(), filename, form.dry_run.data, options)
            db.session.commit()
            return job, None, None, False
    result, message, failed = import_upload(form, run, conflict, conflict_message)
    return None, result, message, failed


def polled() -> bool:
    """The report's place asked for again by a job's progress (a background request)."""
    return request.method == "GET" and htmx.target == REPORT


def import_job(job_id, kind, conflict_message):
    """(job, result, conflict's message) of an import job of `kind` in the user's area (404 otherwise)."""
    job = get_or_404(Job, job_id, current_user)
    if job.kind != kind:
        abort(404)
    result = message = None
    if job.state == JobState.done:
        result, conflict = kept_result(job)
        if conflict:
            result, message = None, conflict_message()
    return job, result, message


def import_page(page, fragment, *, job=None, failed=False, report_url=None, **context):
    """The import page, or only its report's place when a job's progress polls it. A job
    just queued: its page (`report_url`), where its progress takes the report's place
    until the report does (an htmx submit gets that page and its address)."""
    queued = job is not None and request.method == "POST"
    if queued and not htmx:
        return redirect(report_url, 303)
    context.update(job=job, report_url=report_url)
    template = fragment if htmx.target == REPORT else page
    response = make_response(render_template(template, **context), 422 if failed else 200)
    if queued:
        response.headers["HX-Push-Url"] = report_url
    return response
