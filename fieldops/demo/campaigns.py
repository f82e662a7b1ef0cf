"""The 2024 campaign of the demo, in draft: set up by the national admin, its
targets copied from 2023's, then the nation's targets allocated to the
provinces and each province's to its districts in proportion to their insured
people — the set-up flow of fieldops/campaigns, ready to be adjusted by hand.
Loaded last: being a draft, it is never the campaign in force, so nothing
loaded before it (visits, returns, reviews of 2023) is about it."""
from datetime import date

import sqlalchemy as sa

from fieldops.auth.models import User
from fieldops.campaigns.models import Campaign, CampaignState, ParticipantGroup
from fieldops.campaign_setup.operations import create_campaign
from fieldops.campaign_setup.targets import allocate_targets, copy_targets
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel

# Insured people as of the last day of the demo's figures: the same split whenever it is loaded.
AS_OF = date(2023, 12, 31)


def load_demo_campaigns() -> None:
    admin = db.session.scalars(sa.select(User).where(User.username == "admin")).one()
    previous = db.session.scalars(sa.select(Campaign).where(Campaign.code == "2023")).one()
    campaign = create_campaign(admin, {
        "name": "Phong trào thi đua cài đặt và sử dụng ứng dụng VssID năm 2024",
        "code": "2024", "decision_number": None, "decision_date": None,
        "starts_on": date(2024, 3, 1), "ends_on": date(2024, 12, 31), "counts_from": date(2024, 1, 1),
        "participant_groups": [g.value for g in ParticipantGroup], "state": CampaignState.draft,
    })
    copy_targets(admin, previous, campaign)
    nation = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.level == UnitLevel.national)).one()
    allocate_targets(admin, campaign, nation, "insured", AS_OF)
    for province in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.parent_id == nation.id)
                                       .order_by(OrgUnit.code)):
        allocate_targets(admin, campaign, province, "insured", AS_OF)
    db.session.flush()
