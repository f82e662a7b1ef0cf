"""`flask --app wsgi employers import FILE [--dry-run] [--as USERNAME]`."""
import os

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from fieldops.auth.queries import import_actor
from fieldops.core.import_layout import finish_command
from fieldops.core.translations import gettext as _
from fieldops.employers.importing import ImportConflict, import_employers
from fieldops.extensions import db

employers_cli = AppGroup("employers", help="Employers: import from CSV or XLSX.")


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
        actor = import_actor(username)

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
        finish_command(result, dry_run, summary_lines(result), count_unlisted=True)


def register(app):
    app.cli.add_command(employers_cli)
