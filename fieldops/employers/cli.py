"""`flask --app wsgi employers import FILE [--dry-run] [--as USERNAME]`."""
import os

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _

from fieldops.auth.models import Role, User
from fieldops.employers.importing import ImportConflict, import_employers
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel

employers_cli = AppGroup("employers", help="Employers: import from CSV or XLSX.")


def _importer(username):
    stmt = sa.select(User).where(User.role == Role.admin, User.active.is_(True))
    if username:
        user = db.session.scalars(stmt.where(User.username == username)).first()
        if user is None:
            raise click.UsageError(_("No active admin is named %(name)s.", name=username))
        return user
    # By default the import runs with national scope, as the first national admin.
    user = db.session.scalars(
        stmt.join(OrgUnit, User.org_unit_id == OrgUnit.id).where(OrgUnit.level == UnitLevel.national).order_by(User.id)
    ).first()
    if user is None:
        raise click.UsageError(_("There is no active national admin; name an admin with --as USERNAME."))
    return user


def summary_lines(result):
    counts = result.counts
    return [
        _("Rows: %(num)d", num=result.rows),
        _("Employers created: %(num)d, updated: %(updated)d, unchanged: %(unchanged)d",
          num=counts["employers_created"], updated=counts["employers_updated"],
          unchanged=counts["employers_unchanged"]),
        _("Departments created: %(num)d, updated: %(updated)d, unchanged: %(unchanged)d",
          num=counts["departments_created"], updated=counts["departments_updated"],
          unchanged=counts["departments_unchanged"]),
        _("Departments no longer in the file: %(num)d removed, %(kept)d kept because they have visit history",
          num=counts["departments_removed"], kept=counts["departments_kept"]),
    ] + ([_("Counted as one “Toàn đơn vị” and now listed by department: %(codes)s",
            codes=", ".join(result.wholes_replaced))] if result.wholes_replaced else [])


@employers_cli.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change; write nothing.")
@click.option("--as", "username", metavar="USERNAME", help="Import as this admin (default: the first national admin).")
@click.option("--whole-employer", type=click.Choice(["split", "keep"]),
              help="An employer counted as one “Toàn đơn vị” that the file lists by department: split the old "
                   "“Toàn đơn vị” into the departments from today, or keep it counting.")
def import_command(path, dry_run, username, whole_employer):
    """Import employers, labour departments and insured headcounts from a CSV or XLSX FILE."""
    # No request, so no locale selector: the default language until the user is known.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        actor = _importer(username)

    def progress(stage, rows):
        num = format(rows, ",")
        if stage == "checked":
            click.echo(_("%(num)s rows checked", num=num), err=True)
        else:
            click.echo(_("%(num)s rows written", num=num), err=True)

    with force_locale(str(actor.preferred_language)), open(path, "rb") as f:
        try:
            result = import_employers(actor, f, os.path.basename(path), dry_run=dry_run, progress=progress,
                                      whole_employer=whole_employer)
        except ImportConflict:
            db.session.rollback()
            raise click.ClickException(_("The employers changed while the file was being imported; "
                                         "nothing was imported. Try again."))
        if not result.ok:
            db.session.rollback()
            for error in result.errors:
                where = _("Row %(row)s", row=error.row) if error.row else _("File")
                click.echo(f"{where}" + (f", {error.column}" if error.column else "") + f": {error.message}")
            if result.error_count > len(result.errors):
                click.echo(_("… and %(num)d more problems.", num=result.error_count - len(result.errors)))
            click.echo(_("%(num)d problems found; nothing was imported.", num=result.error_count), err=True)
            raise SystemExit(1)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        for line in summary_lines(result):
            click.echo(line)
        click.echo(_("Dry run: the file is valid; nothing was written.") if dry_run else _("Import complete."))


def register(app):
    app.cli.add_command(employers_cli)
