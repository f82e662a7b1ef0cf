"""A large employer file sent from the web is imported by the job worker: a
request checks and writes a few thousand rows a second, so a province's file
(up to 16 MB) would hold a web worker for a minute (fieldops/jobs/uploads.py)."""

from fieldops.core.translations import gettext as _
from fieldops.employers.importing import ImportConflict, import_employers
from fieldops.jobs.uploads import upload_handler

IMPORT = "employers.import"

upload_handler(IMPORT, import_employers, ImportConflict, lambda file: _("Employer import: %(file)s", file=file),
               "employers.import_report")
