"""`flask --app wsgi followups export --kind escalation --format xlsx|csv --out FILE [--unit CODE]`;
`flask --app wsgi followups notify-due` (daily, from cron)."""
from types import SimpleNamespace

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import force_locale

from fieldops.core.exporting import Sheet, write_csv, write_xlsx
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.followups.models import FollowUpKind, FollowUpState
from fieldops.followups.notices import notify_due_tomorrow
from fieldops.followups.queries import export_header, export_rows
from fieldops.org.models import OrgUnit, UnitLevel

followups_cli = AppGroup("followups", help="Follow-ups: export for the Customer Care Center; remind of those due.")


def _area(code):
    """The unit whose subtree is exported: --unit, or the national root."""
    stmt = sa.select(OrgUnit)
    stmt = stmt.where(OrgUnit.code == code.upper()) if code else stmt.where(OrgUnit.level == UnitLevel.national)
    unit = db.session.scalars(stmt.order_by(OrgUnit.id)).first()
    if unit is None:
        raise click.UsageError(f"no org unit {code!r}" if code else "no national org unit yet")
    return unit


@followups_cli.command("export")
@click.option("--kind", type=click.Choice([k.value for k in FollowUpKind] + ["all"]), default="escalation",
              show_default=True, help="Which follow-ups.")
@click.option("--state", type=click.Choice([s.value for s in FollowUpState]), help="Only those in this state.")
@click.option("--with-proposals", is_flag=True,
              help="Escalations: also those no supervisor approved yet (by default, approved ones only).")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True, help="File to write.")
@click.option("--unit", default="", help="Code of the org unit whose area is exported (default: the whole country).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of the header and the labels.")
def export_command(kind, state, with_proposals, fmt, out, unit, lang):
    """Write the follow-ups as XLSX or CSV; text cells that a spreadsheet would run
    as formulas are neutralised."""
    area = SimpleNamespace(org_unit=_area(unit))
    kind = None if kind == "all" else FollowUpKind(kind)
    with force_locale(lang):
        rows = _counting(export_rows(area, kind, FollowUpState(state) if state else None, proposals=with_proposals))
        sheet = Sheet(_("Follow-ups"), export_header(), rows)
        if fmt == "csv":
            with open(out, "w", encoding="utf-8", newline="") as stream:
                write_csv(stream, sheet)
        else:
            with open(out, "wb") as stream:
                write_xlsx(stream, [sheet])
    click.echo(f"{rows.count} follow-ups written to {out}")


class _counting:
    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


@followups_cli.command("notify-due")
def notify_due_command():
    """Tell each assignee of a follow-up due tomorrow: once per follow-up and due
    date, however often it runs (cron: daily)."""
    added = notify_due_tomorrow()
    db.session.commit()
    click.echo(f"{added} notices of follow-ups due tomorrow added")


def register(app):
    app.cli.add_command(followups_cli)
