"""`flask --app wsgi jobs work`: the background worker (see fieldops/jobs/worker.py)."""
import logging
import os

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Background jobs: run the worker.")


@jobs_cli.command("work")
@click.option("--once", is_flag=True, help="Run at most one queued job and the chores once, then exit.")
@click.option("--poll", default=2.0, show_default=True, help="Seconds to wait when the queue is empty.")
@click.option("--stale-minutes", default=None, type=click.IntRange(1, 24 * 60),
              help="A running job whose heartbeat is older than this goes back to the queue (default 10).")
def work_command(once, poll, stale_minutes):
    """Claim queued jobs and run them, one at a time."""
    from fieldops.jobs import worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = current_app._get_current_object()
    if once:
        job = worker.run_once(app, stale_minutes=stale_minutes)
        done = worker.do_chores(app)
        if done:
            click.echo(f"Chores done: {done}.")
        if job is None:
            click.echo("No job waiting.")
            return
        click.echo(f"Job {job.id} ({job.kind}): {job.state}" + (f" — {job.error}" if job.error else ""))
        if job.state == "failed":
            raise SystemExit(1)
        return
    os.nice(app.config["JOB_WORKER_NICE"])
    worker.work(app, poll_seconds=poll, stale_minutes=stale_minutes)


def register(app):
    app.cli.add_command(jobs_cli)
