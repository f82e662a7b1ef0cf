"""The review work done by the background worker (fieldops/jobs): dossiers with
many nominees, and closing a review whose area holds many officers."""
import sqlalchemy as sa

from fieldops.auth.models import Role, User
from fieldops.extensions import db
from fieldops.jobs.operations import enqueue
from fieldops.jobs.registry import handler
from fieldops.org.models import OrgUnit
from fieldops.reviews.models import ReviewPeriod

DOSSIER = "dossier.render"
CLOSE = "review.close"


def officers_count(period: ReviewPeriod) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(User.id)).join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(User.role == Role.officer, OrgUnit.scope_clause(period.org_unit)))


def queue_dossier(actor, period, unit):
    return enqueue(actor, DOSSIER, {"period_id": period.id, "unit_id": unit.id, "actor_id": actor.id}, unit.id)


def queue_close(actor, period):
    return enqueue(actor, CLOSE, {"period_id": period.id, "actor_id": actor.id}, period.org_unit_id, max_attempts=1)


def _explain(error):
    """A refusal inside a job: its message (in Vietnamese, there being no reader's
    language in the worker) becomes the job's error."""
    from flask_babel import force_locale

    from fieldops.jobs.operations import JobRefused

    with force_locale("vi"):
        raise JobRefused(error.message) from error


def _load(job):
    params = job.params or {}
    actor = db.session.get(User, params.get("actor_id"))
    period = db.session.get(ReviewPeriod, params.get("period_id"))
    if actor is None or period is None:
        raise LookupError("the user or the review of this job no longer exists")
    return actor, period, params


def _dossier_title(job):
    from fieldops.core.translations import gettext as _

    unit = db.session.get(OrgUnit, (job.params or {}).get("unit_id"))
    return _("Commendation dossier of %(unit)s", unit=unit.name if unit else "?")


def _dossier_link(job):
    from flask import url_for
    from fieldops.core.translations import gettext as _

    return url_for("reviews.dossier_pdf", dossier_id=job.result["dossier_id"]), _("Download the dossier")


def _close_title(job):
    from fieldops.core.translations import gettext as _

    return _("Closing a review")


def _close_link(job):
    from flask import url_for
    from fieldops.core.translations import gettext as _

    return url_for("reviews.period", period_id=job.result["period_id"]), _("Open the review")


@handler(DOSSIER, title=_dossier_title, link=_dossier_link)
def render_dossier_job(job, report):
    from fieldops.reviews.dossier import generate_dossier

    actor, period, params = _load(job)
    unit = db.session.get(OrgUnit, params.get("unit_id"))
    if unit is None:
        raise LookupError("the unit of this job no longer exists")
    from fieldops.reviews.operations import ReviewError

    report(5, "starting")
    try:
        dossier = generate_dossier(actor, period, unit, report=report)
    except ReviewError as error:
        _explain(error)
    return {"dossier_id": dossier.id, "code": dossier.verification_code, "pages": dossier.pages}


@handler(CLOSE, title=_close_title, link=_close_link)
def close_review_job(job, report):
    from fieldops.reviews.operations import ReviewError, close_period

    actor, period, _params = _load(job)
    try:
        frozen = close_period(actor, period, report=report)
    except ReviewError as error:
        _explain(error)
    return {"period_id": period.id, "frozen": frozen}
