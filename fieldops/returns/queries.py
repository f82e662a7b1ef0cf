"""Reading group returns: a month's returns of the districts in the user's area,
and one return's history. The figures they add to progress: figures.py."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from fieldops.audit.models import AuditEvent
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


def history(group_return: GroupReturn):
    """The return's audit events, oldest first (filed, changed, locked, corrected)."""
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == GroupReturn.__tablename__,
                                    AuditEvent.object_id == str(group_return.id))
        .options(selectinload(AuditEvent.actor)).order_by(AuditEvent.created_at, AuditEvent.id)
    ).all()
