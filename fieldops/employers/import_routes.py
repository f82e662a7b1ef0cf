"""The admins' import page: upload a CSV or XLSX file of employers, check it, import it."""
from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.core.import_layout import import_upload
from fieldops.employers import bp
from fieldops.employers.forms import ImportForm
from fieldops.employers.import_rows import COLUMNS, MAX_INSURED_TEXT
from fieldops.employers.importing import ImportConflict, import_employers
from fieldops.employers.models import WHOLE_EMPLOYER


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
    }
    return [(c.vietnamese, c.field, described[c.field]) for c in COLUMNS]


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.admin)
def import_file():
    form = ImportForm()
    result, conflict, failed = import_upload(
        form, lambda stream, filename, dry_run: import_employers(current_user, stream, filename, dry_run=dry_run),
        ImportConflict,
        lambda: _("The employers changed while the file was being imported; nothing was imported. Try again."))
    return render_template(
        "employers/import.html", form=form, result=result, conflict=conflict, columns=column_help()
    ), (422 if failed else 200)
