"""A background job's progress, polled by htmx while it runs; a failed job says
why and can be retried."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.core.sessions import background
from fieldops.core.translations import gettext as _
from fieldops.extensions import db, htmx
from fieldops.jobs import bp, operations
from fieldops.jobs.models import Job
from fieldops.org.scope import get_or_404

MANAGERS = (Role.hr, Role.admin)


@bp.record_once
def _register(state):
    from fieldops.jobs.registry import link_of, title_of

    state.app.jinja_env.globals.update(job_title=title_of, job_link=link_of)


@bp.get("/<int:job_id>")
@background(when=lambda: bool(htmx.target and htmx.target.startswith("job-")))
@roles_required(*MANAGERS)
def show(job_id):
    job = get_or_404(Job, job_id, current_user)
    template = "jobs/_job.html" if htmx.target == f"job-{job.id}" else "jobs/show.html"
    return render_template(template, job=job)


@bp.post("/<int:job_id>/retry")
@roles_required(*MANAGERS)
def retry(job_id):
    from fieldops.core.forms import Form

    job = get_or_404(Job, job_id, current_user)
    if not Form().validate_on_submit() or not job.can_retry(current_user):
        message = _("Only a failed job can be retried.")
        if htmx.target == f"job-{job.id}":
            return render_template("jobs/_job.html", job=job, error=message), 409
        flash(message, "error")
        return redirect(url_for("jobs.show", job_id=job.id)), 303
    try:
        operations.retry(current_user, job)
        db.session.commit()
    except operations.JobError:
        db.session.rollback()
        flash(_("Only a failed job can be retried."), "error")
        return redirect(url_for("jobs.show", job_id=job.id)), 303
    if htmx.target == f"job-{job.id}":
        return render_template("jobs/_job.html", job=job)
    flash(_("The job is queued again."), "success")
    return redirect(url_for("jobs.show", job_id=job.id))
