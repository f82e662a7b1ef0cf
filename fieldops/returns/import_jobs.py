"""A large file of group returns sent from the web is imported by the job worker
(fieldops/jobs/uploads.py): each row is checked against the returns filed, a few
thousand rows a second, so a province's year would hold a web worker too long."""
from sqlalchemy.exc import IntegrityError

from fieldops.jobs.uploads import upload_handler
from fieldops.returns.importing import import_returns

IMPORT = "returns.import"


def _title(job):
    from flask_babel import gettext as _

    return _("Returns import: %(file)s", file=(job.params or {}).get("filename", ""))


def _link(job):
    from flask import url_for
    from flask_babel import gettext as _

    return url_for("returns.import_report", job_id=job.id), _("See the report")


# A return of the file filed by someone else meanwhile breaks the unique key: nothing imported.
upload_handler(IMPORT, import_returns, IntegrityError, _title, _link)
