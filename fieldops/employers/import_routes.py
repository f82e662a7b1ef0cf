"""The admins' import page: upload a CSV or XLSX file of employers, check it, import it."""
from flask import current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.core.spreadsheet import MAX_FILE_BYTES
from fieldops.employers import bp
from fieldops.employers.forms import ImportForm
from fieldops.employers.import_jobs import IMPORT
from fieldops.employers.import_rows import COLUMNS, MAX_INSURED_TEXT
from fieldops.employers.importing import ImportConflict, import_employers
from fieldops.employers.models import WHOLE_EMPLOYER
from fieldops.extensions import db
from fieldops.jobs.models import Job, JobState
from fieldops.jobs.uploads import kept_result, queue_upload, too_large_for_a_request
from fieldops.org.scope import get_or_404


def column_help():
    described = {
        "unit_code": _l("Letters, digits and dashes; the key: importing again updates the employer."),
        "name": _l("Required."),
        "tax_code": _l("Digits and dashes; may be empty."),
        "district_code": _l("Code of the district unit that manages the employer, in your area."),
        "department": _l("Empty for an employer counted as a whole (“%(whole)s”).", whole=WHOLE_EMPLOYER),
        "insured": _l("Whole number, 0 to %(max)s.", max=MAX_INSURED_TEXT),
        "address": _l("Optional column."),
        "sector": _l("Optional column."),
        "contact_name": _l("Optional column: whom the Customer Care Center calls."),
        "contact_phone": _l("Optional column: a Vietnamese phone number (0912 345 678, +84 912-345-678)."),
    }
    return [(c.vietnamese, c.field, described[c.field]) for c in COLUMNS]


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.admin)
def import_file():
    form = ImportForm()
    result, conflict = None, None
    if form.validate_on_submit():
        upload = form.file.data
        if too_large_for_a_request(upload.stream, current_app.config["EMPLOYER_IMPORT_INLINE_MAX_BYTES"]) \
                and not too_large_for_a_request(upload.stream, MAX_FILE_BYTES):
            job = queue_upload(current_user, IMPORT, upload.stream.read(), upload.filename or "", form.dry_run.data)
            db.session.commit()
            return redirect(url_for("jobs.show", job_id=job.id), 303)
        try:
            result = import_employers(current_user, upload.stream, upload.filename or "", dry_run=form.dry_run.data,
                                      whole_employer=form.whole_employer.data or None)
        except ImportConflict:
            db.session.rollback()
            conflict = _("The employers changed while the file was being imported; nothing was imported. Try again.")
        else:
            if result.ok and not result.dry_run:
                db.session.commit()
            else:
                db.session.rollback()
    failed = form.errors or conflict or (result is not None and not result.ok)
    return render_template(
        "employers/import.html", form=form, result=result, conflict=conflict, columns=column_help()
    ), (422 if failed else 200)


@bp.get("/import/jobs/<int:job_id>")
@roles_required(Role.admin)
def import_report(job_id):
    """The report of an import the job worker ran."""
    job = get_or_404(Job, job_id, current_user)
    if job.kind != IMPORT or job.state != JobState.done:  # its page says what it is and how far it got
        return redirect(url_for("jobs.show", job_id=job.id))
    result, conflict = kept_result(job)
    conflict = conflict and _("The employers changed while the file was being imported; nothing was imported. "
                              "Try again.")
    return render_template("employers/import.html", form=ImportForm(), result=None if conflict else result,
                           conflict=conflict, columns=column_help())
