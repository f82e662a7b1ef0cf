"""A large targets file sent from the web is imported by the job worker
(fieldops/jobs/uploads.py), into the campaign chosen on the page."""

from fieldops.campaigns.models import Campaign
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.jobs.uploads import upload_handler
from fieldops.progress.importing import import_targets

IMPORT = "targets.import"


def _import(actor, fileobj, filename, *, dry_run, progress, campaign_id):
    return import_targets(actor, db.session.get(Campaign, campaign_id), fileobj, filename, dry_run=dry_run,
                          progress=progress)


upload_handler(IMPORT, _import, (), lambda file: _("Targets import: %(file)s", file=file),
               "progress.targets_import_report")
