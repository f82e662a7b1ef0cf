"""The returns' import page and its template file, and the page of the returns
still missing for the last closed month (with its count for the home page)."""
from flask import Response, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.core.import_layout import import_upload
from fieldops.core.paging import page_of
from fieldops.core.exporting import Sheet, csv_chunks
from fieldops.extensions import db
from fieldops.returns import bp, queries
from fieldops.returns.forms import ImportForm
from fieldops.returns.importing import COLUMNS, GROUP_NAMES, MAX_ROWS, import_returns
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


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*IMPORTERS)
def import_file():
    form = ImportForm()
    result, conflict, failed = import_upload(
        form, lambda stream, filename, dry_run: import_returns(current_user, stream, filename, dry_run=dry_run),
        IntegrityError,  # a return of the file was filed by someone else while it was being imported
        lambda: _("Returns were filed while the file was being imported; nothing was imported. "
                  "Import it again to see which."))
    return render_template("returns/import.html", form=form, result=result, conflict=conflict,
                           columns=column_help(), max_rows=MAX_ROWS), (422 if failed else 200)


@bp.get("/import/template.csv")
@roles_required(*IMPORTERS)
def import_template():
    """The columns, and a row per district of one's area and group for the last closed month to fill in."""
    campaign, month = queries.last_closed_month(local_today())
    groups = queries.expected_groups(campaign) if campaign else []
    rows = [(d.code, str(g), month.strftime("%Y-%m")) + ("",) * (len(COLUMNS) - 3)
            for d in db.session.scalars(queries.districts(current_user)) for g in groups] if month else []
    response = Response(csv_chunks(Sheet(_("Group returns"), [c.vietnamese for c in COLUMNS], rows)),
                        mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = "attachment; filename=group-returns.csv"
    return response


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
