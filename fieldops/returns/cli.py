"""`flask --app wsgi returns import FILE --user USERNAME [--dry-run]`: the import page's work, for bulk files;
`flask --app wsgi returns notify-missing` (daily, from cron)."""
import os

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from fieldops.auth.models import User
from fieldops.core.import_layout import finish_command
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.returns.import_routes import IMPORTERS
from fieldops.returns.importing import import_returns
from fieldops.returns.reminders import notify_missing_returns

returns_cli = AppGroup("returns", help="Group returns: import from CSV or XLSX; remind of those missing.")


@returns_cli.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", required=True, metavar="USERNAME",
              help="Import as this officer, supervisor or admin, within their area.")
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change; write nothing.")
def import_command(path, username, dry_run):
    """Import group returns from a CSV or XLSX FILE: all or nothing."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        actor = db.session.scalars(sa.select(User).where(User.username == username, User.active.is_(True),
                                                         User.role.in_(IMPORTERS))).first()
        if actor is None:
            raise click.UsageError(_("No active officer, supervisor or admin is named %(name)s.", name=username))
    with force_locale(str(actor.preferred_language)), open(path, "rb") as f:
        try:
            result = import_returns(actor, f, os.path.basename(path), dry_run=dry_run)
        except IntegrityError:
            db.session.rollback()
            raise click.ClickException(_("Returns were filed while the file was being imported; nothing was "
                                         "imported. Import it again to see which.")) from None
        finish_command(result, dry_run, [
            _("Returns filed: %(created)s; already filed with the same figures: %(unchanged)s.",
              created=result.counts["created"], unchanged=result.counts["unchanged"])])


@returns_cli.command("notify-missing")
def notify_missing_command():
    """Tell the people who file each district's returns which of the month just closed
    are missing: once per district and month, however often it runs (cron: daily)."""
    added = notify_missing_returns()
    db.session.commit()
    click.echo(f"{added} notices of missing returns added")


def register(app):
    app.cli.add_command(returns_cli)
