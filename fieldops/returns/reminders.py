"""The daily reminder of returns not filed: once the month is closed (in Vietnam's
time), every district still missing a group's return for it tells the people who
file its returns (its active officers and supervisors, its teams' included), once
per district and month, however often the command runs."""
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from fieldops.auth.models import User
from fieldops.extensions import db
from fieldops.followups.models import FollowUpNotice, NoticeEvent
from fieldops.followups.notices import add_keyed
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.returns.models import FILING_ROLES
from fieldops.returns.queries import expected_groups, last_closed_month, short_of_returns
from fieldops.timeutil import to_local, utcnow


def notify_missing_returns(now=None) -> int:
    """Notices for the month just closed in Vietnam as of `now` (UTC); how many were added."""
    now = now or utcnow()
    campaign, month = last_closed_month(to_local(now).date())
    if month is None:
        return 0
    groups = expected_groups(campaign)
    if not groups:
        return 0
    own_unit = aliased(OrgUnit)
    rows = db.session.execute(
        sa.select(User.id, OrgUnit.id)
        .join(own_unit, User.org_unit_id == own_unit.id)
        .join(OrgUnit, own_unit.path.startswith(OrgUnit.path))
        .where(OrgUnit.level == UnitLevel.district, short_of_returns(month, groups),
               User.active.is_(True), User.role.in_(FILING_ROLES))
    )
    return add_keyed((FollowUpNotice(user_id=user_id, district_id=district_id, month=month,
                                     event=NoticeEvent.return_missing, key=f"return_missing:{district_id}:{month:%Y-%m}")
                      for user_id, district_id in rows), now)
