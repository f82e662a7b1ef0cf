"""Reading outreach activities, through the scoping helper (fieldops/org/scope.py)."""
import sqlalchemy as sa

from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.org.scope import area_of, in_area
from fieldops.outreach.models import OutreachActivity, OutreachKind, OutreachPhoto, OutreachState

A = OutreachActivity
# Held activities waiting for verification first, then planned ones (to be held or cancelled), then the newest.
_WAITING_FIRST = sa.case((A.state == OutreachState.held.value, 0), (A.state == OutreachState.planned.value, 1),
                         else_=2)


def activities(user, state=None, kind=None):
    """The activities of the user's area (a statement, to be paged)."""
    stmt = sa.select(A).where(in_area(A.district_id)).params(**area_of(user))
    if state in {s.value for s in OutreachState}:
        stmt = stmt.where(A.state == state)
    if kind in {k.value for k in OutreachKind}:
        stmt = stmt.where(A.kind == kind)
    return stmt.order_by(_WAITING_FIRST, A.starts_on.desc(), A.id.desc())


def employer_by_code(district, code: str):
    """The employer of `district` with this unit code (codes are compared without case), or None."""
    code = (code or "").strip()
    if not code:
        return None
    return db.session.scalars(sa.select(Employer).where(Employer.district_id == district.id,
                                                        sa.func.upper(Employer.unit_code) == code.upper())).first()


def photo_ids(activity) -> list[int]:
    return list(db.session.scalars(sa.select(OutreachPhoto.id).where(OutreachPhoto.activity_id == activity.id)
                                   .order_by(OutreachPhoto.id)))
