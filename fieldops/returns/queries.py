"""Reading group returns: a month's returns of the districts in the user's area.
The figures they add to progress: figures.py."""
from datetime import date

import sqlalchemy as sa

from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import scoped
from fieldops.returns.models import GroupReturn


def districts(user):
    """The districts of the user's area, for paging: by code."""
    return scoped(OrgUnit, user).where(OrgUnit.level == UnitLevel.district).order_by(OrgUnit.code)


def returns_of(district_ids, month: date) -> dict:
    """{(district id, group): GroupReturn} of these districts for `month`."""
    rows = db.session.scalars(sa.select(GroupReturn).where(GroupReturn.district_id.in_(list(district_ids)),
                                                           GroupReturn.month == month))
    return {(r.district_id, r.participant_group): r for r in rows}

