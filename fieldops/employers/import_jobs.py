"""A large employer file sent from the web is imported by the job worker: a
request checks and writes a few thousand rows a second, so a province's file
(up to 16 MB) would hold a web worker for a minute (fieldops/jobs/uploads.py)."""
from fieldops.employers.importing import ImportConflict, import_employers
from fieldops.jobs.uploads import upload_handler

IMPORT = "employers.import"


def _title(job):
    from flask_babel import gettext as _

    return _("Employer import: %(file)s", file=(job.params or {}).get("filename", ""))


def _link(job):
    from flask import url_for
    from flask_babel import gettext as _

    return url_for("employers.import_report", job_id=job.id), _("See the report")


upload_handler(IMPORT, import_employers, ImportConflict, _title, _link)
