"""Employers moved to another district: their visits and follow-ups carry the new one.

Here, above both, rather than in employers (fieldops/employers/operations.py calls it
through a hook registered at app start, fieldops/core/hooks.py)."""
import sqlalchemy as sa

from fieldops.core import hooks
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.followups.models import FollowUp
from fieldops.visits.models import Visit


def districts_follow(employer_ids) -> None:
    """After employers changed district, their visits and follow-ups carry the new
    one (both are scoped or counted by district). The employer edit and the
    employer import call this, as they call the timeline."""
    ids = sorted({i for i in employer_ids if i is not None})
    for model in (Visit, FollowUp):
        district = sa.select(Employer.district_id).where(Employer.id == model.employer_id).scalar_subquery()
        for start in range(0, len(ids), 1000):
            db.session.execute(
                sa.update(model).where(model.employer_id.in_(ids[start:start + 1000]), model.district_id != district)
                .values(district_id=district).execution_options(synchronize_session=False))


def register_hooks() -> None:
    hooks.register("districts_follow", districts_follow)
