"""`flask --app wsgi dossier render --review interim|final --unit CODE --out FILE`:
a dossier for batch printing. It is stored like one generated on the page (its
verification code resolves on /verify/<code>) and written to FILE."""
import click
import sqlalchemy as sa
from flask.cli import AppGroup

from fieldops.extensions import db

dossier_cli = AppGroup("dossier", help="Commendation dossiers.")


def period_for(kind, unit, today):
    """The current campaign's review of this kind organised by the unit or the
    nearest unit above it."""
    from fieldops.progress.dashboard import current_campaign
    from fieldops.reviews.models import ReviewPeriod

    campaign = current_campaign(today)
    if campaign is None:
        return None
    chain = unit.ancestor_ids
    found = db.session.scalars(sa.select(ReviewPeriod).where(
        ReviewPeriod.campaign_id == campaign.id, ReviewPeriod.kind == kind,
        ReviewPeriod.org_unit_id.in_(chain))).all()
    return max(found, key=lambda p: chain.index(p.org_unit_id), default=None)


@dossier_cli.command("render")
@click.option("--review", "kind", type=click.Choice(["interim", "final"]), required=True,
              help="Which review of the current campaign.")
@click.option("--unit", "code", required=True, help="The unit's code (its nominees and those below it).")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True, help="The PDF file.")
def render_command(kind, code, out):
    """Generate the dossier of a review for a unit and write its PDF."""
    from fieldops.org.models import OrgUnit
    from fieldops.reviews.dossier import generate_dossier
    from fieldops.reviews.operations import ReviewError
    from fieldops.timeutil import local_today

    unit = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code == code.strip().upper())).first()
    if unit is None:
        raise click.ClickException(f"no unit with the code {code!r}")
    period = period_for(kind, unit, local_today())
    if period is None:
        raise click.ClickException(f"no {kind} review of the current campaign covers {unit.code}")
    try:
        dossier = generate_dossier(None, period, unit)
        db.session.commit()
    except ReviewError as error:
        db.session.rollback()
        raise click.ClickException(error.reason)
    with open(out, "wb") as f:
        f.write(dossier.pdf)
    click.echo(f"{out}: {dossier.pages} pages, {dossier.nominees} nominees, verification code "
               f"{dossier.verification_code}, SHA-256 of the snapshot {dossier.snapshot_sha256}")


def register(app):
    app.cli.add_command(dossier_cli)
