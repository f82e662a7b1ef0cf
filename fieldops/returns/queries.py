"""Reading group returns: a month's returns of the districts in the user's area;
the districts that have not filed for the last closed month.
The figures they add to progress: figures.py."""
from datetime import date, timedelta

import sqlalchemy as sa

from fieldops.campaigns.queries import campaign_in_force
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import scoped
from fieldops.returns.models import RETURN_GROUPS, GroupReturn


def districts(user):
    """The districts of the user's area, for paging: by code."""
    return scoped(OrgUnit, user).where(OrgUnit.level == UnitLevel.district).order_by(OrgUnit.code)


def returns_of(district_ids, month: date) -> dict:
    """{(district id, group): GroupReturn} of these districts for `month`."""
    rows = db.session.scalars(sa.select(GroupReturn).where(GroupReturn.district_id.in_(list(district_ids)),
                                                           GroupReturn.month == month))
    return {(r.district_id, r.participant_group): r for r in rows}



def last_closed_month(today: date):
    """(campaign, month) the missing returns are counted for: the month before
    today's, but no later than the campaign's last month; month None when the
    campaign counts nothing yet (campaign None: there is none)."""
    campaign = campaign_in_force(today)
    if campaign is None:
        return None, None
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    month = min(month, campaign.ends_on.replace(day=1))
    return campaign, (month if month >= campaign.counts_from.replace(day=1) else None)


def last_month_due(today: date) -> date:
    """The month the returns page opens on: the month just closed (no later than the
    campaign's last month); this month while the campaign counts nothing closed yet."""
    campaign, month = last_closed_month(today)
    if month is not None:
        return month
    this_month = today.replace(day=1)
    return this_month if campaign is not None else (this_month - timedelta(days=1)).replace(day=1)


def expected_groups(campaign) -> list:
    """The groups the campaign asks returns for."""
    return [g for g in RETURN_GROUPS if str(g) in (campaign.participant_groups or [])]


def short_of_returns(month: date, groups):
    """The condition on a district (OrgUnit): it lacks a return of one of `groups` for `month`."""
    filed = (sa.select(sa.func.count(GroupReturn.id))
             .where(GroupReturn.district_id == OrgUnit.id, GroupReturn.month == month,
                    GroupReturn.participant_group.in_(groups))
             .scalar_subquery())
    return filed < len(groups)


def missing(user, month: date, groups):
    """The districts of the user's area without a return of each of `groups` for `month`: by code."""
    return districts(user).where(short_of_returns(month, groups))


def missing_count(user, month: date, groups) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(missing(user, month, groups).subquery()))
