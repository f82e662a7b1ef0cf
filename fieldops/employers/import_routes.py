"""The admins' import page: upload a CSV or XLSX file of employers, check it, import it."""
from flask import current_app, request, url_for
from flask_login import current_user

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.core.import_layout import template_file
from fieldops.core.sessions import background
from fieldops.core.translations import gettext as _, lazy_gettext as _l
from fieldops.employers import bp
from fieldops.employers.forms import ImportForm
from fieldops.employers.import_jobs import IMPORT
from fieldops.employers.import_rows import COLUMNS, MAX_INSURED_TEXT, Layout
from fieldops.employers.importing import ImportConflict, import_employers
from fieldops.employers.models import WHOLE_EMPLOYER
from fieldops.extensions import db
from fieldops.jobs.uploads import import_job, import_or_queue, import_page, polled
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import scoped


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


def _conflict():
    return _("The employers changed while the file was being imported; nothing was imported. Try again.")


def _page(**context):
    return import_page("employers/import.html", "employers/_import_report.html", columns=column_help(),
                       **context)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.admin)
def import_file():
    form = ImportForm()
    whole_employer = form.whole_employer.data or None
    job, result, conflict, failed = import_or_queue(
        form, IMPORT, lambda stream, filename, dry_run: import_employers(
            current_user, stream, filename, dry_run=dry_run, whole_employer=whole_employer),
        limit=current_app.config["EMPLOYER_IMPORT_INLINE_MAX_BYTES"], check_header=Layout,
        conflict=ImportConflict, conflict_message=_conflict, options={"whole_employer": whole_employer})
    return _page(form=form, job=job, result=result, conflict=conflict, failed=bool(form.errors or failed),
                 report_url=job and url_for("employers.import_report", job_id=job.id))


@bp.get("/import/jobs/<int:job_id>")
@background(when=polled)
@roles_required(Role.admin)
def import_report(job_id):
    """An import the job worker runs: its progress, then its report."""
    job, result, conflict = import_job(job_id, IMPORT, _conflict)
    return _page(form=ImportForm(formdata=None), job=job, result=result, conflict=conflict,
                 report_url=url_for("employers.import_report", job_id=job.id))


@bp.get("/import/template")
@roles_required(Role.admin)
def import_template():
    """The columns the import reads, and an example row that imports as it is (into one's area)."""
    district = db.session.scalars(scoped(OrgUnit, current_user).where(OrgUnit.level == UnitLevel.district)
                                  .order_by(OrgUnit.code)).first()
    example = {"unit_code": "VD-0001", "name": "Công ty TNHH Ví Dụ", "tax_code": "0100000001",
               "district_code": district.code if district else "", "department": "Văn phòng", "insured": 120,
               "address": "1 Phố Ví Dụ", "sector": "Dịch vụ", "contact_name": "Nguyễn Văn A",
               "contact_phone": "0912 345 678"}
    return template_file(COLUMNS, example, request.args.get("format"), "employers-template")
