import click
from flask.cli import with_appcontext

from fieldops.demo.data import ACCOUNTS, DEMO_PASSWORD, is_empty, load_demo_data
from fieldops.extensions import db


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds data.")
@with_appcontext
def demo_data_command(if_empty):
    """Load the deterministic demo data."""
    if not is_empty():
        if if_empty:
            click.echo("Database already holds data; demo data not loaded.")
            return
        raise click.ClickException("the database is not empty; demo data goes into an empty database only")
    load_demo_data()
    db.session.commit()
    click.echo("Demo data loaded.")


@click.command("demo-accounts")
def demo_accounts_command():
    """Print the demo accounts."""
    for username, full_name, role, unit in ACCOUNTS:
        click.echo(f"  {username:<15} {role:<11} {unit:<6} {full_name}")
    click.echo(f"  password for every account: {DEMO_PASSWORD}")


def register(app):
    app.cli.add_command(demo_data_command)
    app.cli.add_command(demo_accounts_command)
