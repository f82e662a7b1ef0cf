"""Campaigns from the command line:

    flask --app wsgi campaigns list     # one line per campaign: code (or number), name, run dates, state
"""
import click
from flask.cli import AppGroup

from fieldops.campaigns.models import CampaignState
from fieldops.campaigns.queries import all_campaigns, campaign_in_force
from fieldops.timeutil import local_today

campaigns_cli = AppGroup("campaigns", help="Campaigns: what is set up.")


@campaigns_cli.command("list")
def list_command():
    """Every campaign, latest first: its code (or number), name, run dates, counting-from date and state."""
    in_force = campaign_in_force(local_today())
    for c in all_campaigns():
        state = "draft" if c.state == CampaignState.draft else ("in force" if in_force and c.id == in_force.id
                                                                 else "active")
        decision = f"\t{c.decision_number} ({c.decision_date:%d/%m/%Y})" if c.decision_number and c.decision_date \
            else ""
        click.echo(f"{c.code or c.id}\t{c.name}\t{c.starts_on:%d/%m/%Y}–{c.ends_on:%d/%m/%Y}"
                   f"\tcounts from {c.counts_from:%d/%m/%Y}\t{state}{decision}")


def register(app):
    app.cli.add_command(campaigns_cli)
