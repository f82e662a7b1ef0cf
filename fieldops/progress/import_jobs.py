"""A large targets file sent from the web is imported by the job worker
(fieldops/jobs/uploads.py), into the campaign chosen on the page."""
from fieldops.campaigns.models import Campaign
from fieldops.extensions import db
from fieldops.jobs.uploads import upload_handler
from fieldops.progress.importing import import_targets

IMPORT = "targets.import"


def _import(actor, fileobj, filename, *, dry_run, progress, campaign_id):
    return import_targets(actor, db.session.get(Campaign, campaign_id), fileobj, filename, dry_run=dry_run,
                          progress=progress)


def _title(job):
    from flask_babel import gettext as _

    return _("Targets import: %(file)s", file=(job.params or {}).get("filename", ""))


def _link(job):
    from flask import url_for
    from flask_babel import gettext as _

    return url_for("progress.targets_import_report", job_id=job.id), _("See the report")


upload_handler(IMPORT, _import, (), _title, _link)
