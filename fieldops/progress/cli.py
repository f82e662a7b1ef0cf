"""Progress from the command line, for scheduled reports and bulk work:

    flask --app wsgi progress report --unit CODE --period 2023-09|2023-Q3|2023 --format pdf|xlsx|zip --out FILE
        (or --format csv --table NAME: one table)
                                    [--campaign CODE|ID]
    flask --app wsgi progress targets-import FILE [--dry-run] [--as USERNAME] [--campaign CODE|ID]
    flask --app wsgi progress rebuild          # compute the timeline again from the whole history
"""
import os

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from fieldops.auth.queries import import_actor
from fieldops.campaigns.queries import chosen_campaign
from fieldops.core.import_layout import finish_command
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.progress import dashboard, exports, report as printed
from fieldops.progress.periods import PeriodError
from fieldops.timeutil import local_today

progress_cli = AppGroup("progress", help="Progress monitoring: reports, targets, the timeline.")


def _unit(code):
    unit = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code == code.strip().upper())).first()
    if unit is None:
        raise click.UsageError(_("No org unit has the code %(code)s.", code=code))
    return unit


def _campaign(campaign_arg, today):
    """--campaign (its code or number), else the campaign in force."""
    found = chosen_campaign(campaign_arg, today)
    if campaign_arg and found is None:
        raise click.UsageError(_("No campaign has this code or number: %(campaign)s.", campaign=campaign_arg))
    if found is None:
        raise click.UsageError(_("No campaign has been set up yet: there is nothing to measure."))
    return found


@progress_cli.command("report")
@click.option("--unit", "code", required=True, help="Code of the org unit (VN, HT, HT-TP…).")
@click.option("--period", required=True, help="2023-09 (a month), 2023-Q3, 2023, campaign, or a date 2023-09-15.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "zip", "csv"]), required=True,
              help="zip: a CSV file per table; csv: one table (--table).")
@click.option("--table", type=click.Choice(exports.TABLES), help="Only this table (XLSX, ZIP or CSV).")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True, help="File to write.")
@click.option("--rank", type=click.Choice(dashboard.RANK_CHOICES), default="overall", show_default=True,
              help="What the leaderboard ranks by.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of the XLSX/CSV headers (the PDF is in Vietnamese).")
@click.option("--campaign", "campaign_arg", help="The campaign's code or number (default: the campaign in force).")
def report_command(code, period, fmt, out, rank, lang, campaign_arg, table):
    """Write a unit's progress report for a period: the printable PDF, or its tables as XLSX, as a ZIP of
    CSV files, or one table as CSV."""
    if fmt == "csv" and not table:
        raise click.UsageError("--format csv writes one table: name it with --table, or write every table "
                               "with --format zip or xlsx.")
    today = local_today()
    with force_locale(lang):
        unit = _unit(code)
        campaign = _campaign(campaign_arg, today)
        try:
            chosen = dashboard.resolve_period(period, campaign, today)
        except PeriodError as error:
            raise click.UsageError(str(error)) from None
        if fmt == "pdf":
            body = printed.report_pdf(unit, campaign, chosen, today, rank)
        else:
            report = dashboard.unit_report(unit, campaign, chosen, today, rank)
            body, _kind = exports.report_file(report, fmt, (table,) if table else exports.TABLES)
    with open(out, "wb") as stream:
        stream.write(body)
    click.echo(f"{unit.code} · {campaign.code or campaign.id} · {chosen.code} → {out} ({len(body):,} bytes)")


@progress_cli.command("targets-import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change; write nothing.")
@click.option("--as", "username", metavar="USERNAME", help="Import as this admin (default: the first national admin).")
@click.option("--campaign", "campaign_arg", help="The campaign's code or number (default: the campaign in force).")
def targets_import_command(path, dry_run, username, campaign_arg):
    """Import targets (unit code, metric, value) from a CSV or XLSX FILE: all or nothing."""
    from fieldops.progress.importing import import_targets

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        actor = import_actor(username)
        campaign = _campaign(campaign_arg, local_today())
    with force_locale(str(actor.preferred_language)), open(path, "rb") as f:
        result = import_targets(actor, campaign, f, os.path.basename(path), dry_run=dry_run)
        c = result.counts
        finish_command(result, dry_run, [
            _("Targets created: %(created)s, changed: %(updated)s, unchanged: %(unchanged)s.",
              created=c["created"], updated=c["updated"], unchanged=c["unchanged"])])


@progress_cli.command("rebuild")
def rebuild_command():
    """Compute the timeline of figures and the departments' current figures again
    from the whole visit history (a repair)."""
    from fieldops.progress.timeline import rebuild_all

    done = rebuild_all(progress=lambda n: click.echo(f"{n:,} employers", err=True) if n % 10_000 == 0 else None)
    db.session.commit()
    click.echo(f"Timeline rebuilt for {done:,} employers.")


def register(app):
    app.cli.add_command(progress_cli)
