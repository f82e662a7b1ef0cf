"""A large file of group returns sent from the web is imported by the job worker
(fieldops/jobs/uploads.py): each row is checked against the returns filed, so a
province's year would hold a web worker too long."""
from sqlalchemy.exc import IntegrityError

from fieldops.core.translations import gettext as _
from fieldops.jobs.uploads import upload_handler
from fieldops.returns.importing import import_returns

IMPORT = "returns.import"

# A return of the file filed by someone else meanwhile breaks the unique key: nothing imported.
upload_handler(IMPORT, import_returns, IntegrityError, lambda file: _("Returns import: %(file)s", file=file),
               "returns.import_report")
