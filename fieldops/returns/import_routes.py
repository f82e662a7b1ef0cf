"""The returns' import page (a large file imported by the job worker, the page
following it), its template file, and the page of the returns still missing for
the last closed month (with its count for the home page)."""
from flask import current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.core.import_layout import header_check, template_file
from fieldops.core.paging import page_of
from fieldops.core.sessions import background
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.jobs.uploads import import_job, import_or_queue, import_page, polled
from fieldops.returns import bp, queries
from fieldops.returns.forms import ImportForm
from fieldops.returns.import_jobs import IMPORT
from fieldops.returns.importing import COLUMNS, GROUP_NAMES, MAX_ROWS, import_returns
from fieldops.returns.models import GroupReturn
from fieldops.timeutil import local_today

IMPORTERS = (Role.officer, Role.supervisor, Role.admin)
READERS_OF_MISSING = (Role.supervisor, Role.viewer, Role.admin, Role.hr)


def column_help():
    groups = "; ".join(f"{names[0]} (“{names[-1]}”)" for names in GROUP_NAMES.values())
    count = _("A whole number, 0 or more.")
    described = {
        "district_code": _("Code of a district in your area (HN-BD, HT-TP…)."),
        "group": _("One of: %(groups)s.", groups=groups),
        "month": _("The month reported on: 2023-09 or 09/2023; within the campaign, not in the future."),
        "participants": count,
        "registered": _("At most the participants."),
        "new_participants": _("At most the participants."),
        "new_registered": _("At most the new participants, and at most the registered."),
        "using": _("Of the registered, how many installed and use the app at month end: at most the registered. "
                   "Optional: left blank, it is not known."),
    }
    return [(c.vietnamese, c.field, described[c.field]) for c in COLUMNS]


def _conflict():
    return _("Returns were filed while the file was being imported; nothing was imported. Import it again to see "
             "which.")


def _page(**context):
    return import_page("returns/import.html", "returns/_import_report.html", columns=column_help(),
                       max_rows=MAX_ROWS, **context)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*IMPORTERS)
def import_file():
    form = ImportForm()
    job, result, conflict, failed = import_or_queue(
        form, IMPORT, lambda stream, filename, dry_run: import_returns(current_user, stream, filename, dry_run=dry_run),
        limit=current_app.config["IMPORT_INLINE_MAX_BYTES"], check_header=header_check(COLUMNS),
        conflict=IntegrityError,  # a return of the file was filed by someone else while it was being imported
        conflict_message=_conflict)
    return _page(form=form, job=job, result=result, conflict=conflict, failed=bool(form.errors or failed),
                 report_url=job and url_for("returns.import_report", job_id=job.id))


@bp.get("/import/jobs/<int:job_id>")
@background(when=polled)
@roles_required(*IMPORTERS)
def import_report(job_id):
    """An import the job worker runs: its progress, then its report."""
    job, result, conflict = import_job(job_id, IMPORT, _conflict)
    return _page(form=ImportForm(formdata=None), job=job, result=result, conflict=conflict,
                 report_url=url_for("returns.import_report", job_id=job.id))


@bp.get("/import/template")
@roles_required(*IMPORTERS)
def import_template():
    """The columns the import reads, and an example row for a district of one's area and the last closed month."""
    campaign, month = queries.last_closed_month(local_today())
    groups = queries.expected_groups(campaign) if campaign else []
    district = next((d for d in db.session.scalars(queries.districts(current_user))
                     if GroupReturn.can_import(current_user, d)), None)
    example = {"district_code": district.code if district else "",
               "group": GROUP_NAMES[groups[0]][2] if groups else "", "month": month.strftime("%m/%Y") if month else "",
               "participants": 100, "registered": 60, "new_participants": 10, "new_registered": 8, "using": 50}
    return template_file(COLUMNS, example, request.args.get("format"), "group-returns-template")


# --- missing returns ------------------------------------------------------------------


def _missing_month():
    """(month, groups) the missing returns are counted for, or (None, [])."""
    campaign, month = queries.last_closed_month(local_today())
    if month is None:
        return None, []
    return month, queries.expected_groups(campaign)


@bp.app_template_global("missing_returns")
def missing_returns():
    """(month, number of districts of the user's area missing a return of it), for the home page; None when
    there is no month to count."""
    if current_user.role not in READERS_OF_MISSING:  # the button leads where they may go
        return None
    month, groups = _missing_month()
    if month is None or not groups:
        return None
    return month, queries.missing_count(current_user, month, groups)


@bp.get("/missing")
@roles_required(*READERS_OF_MISSING)
def missing():
    month, groups = _missing_month()
    page = returns = None
    if month is not None and groups:
        page = page_of(queries.missing(current_user, month, groups))
        returns = queries.returns_of([d.id for d in page.items], month)
    return render_template("returns/missing.html", month=month, groups=groups, page=page, returns=returns)
