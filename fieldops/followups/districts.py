"""Employers moved to another district: their finished visits and follow-ups carry the new one.

Here, above both, rather than in employers (fieldops/employers/operations.py calls it
through a hook registered at app start, fieldops/core/hooks.py)."""
import sqlalchemy as sa

from fieldops.core import hooks
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.followups.models import OPEN_STATES, FollowUp
from fieldops.visits.models import ReviewState, Visit


def districts_follow(employer_ids) -> None:
    """After employers changed district, their finished work (verified visits,
    closed follow-ups) carries the new one; open work stays with the district
    that held the employer when it was made, so the officer who made it still
    corrects it and that district's supervisor still reviews it (README, "When an
    employer moves"). The employer edit and the employer import call this, as
    they call the timeline."""
    ids = sorted({i for i in employer_ids if i is not None})
    for model, finished in ((Visit, Visit.state == ReviewState.verified),
                            (FollowUp, FollowUp.state.not_in(OPEN_STATES))):
        district = sa.select(Employer.district_id).where(Employer.id == model.employer_id).scalar_subquery()
        for start in range(0, len(ids), 1000):
            db.session.execute(
                sa.update(model).where(model.employer_id.in_(ids[start:start + 1000]), model.district_id != district,
                                       finished)
                .values(district_id=district).execution_options(synchronize_session=False))


def register_hooks() -> None:
    hooks.register("districts_follow", districts_follow)
