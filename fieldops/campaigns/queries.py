from datetime import date

import sqlalchemy as sa

from fieldops.campaigns.models import Campaign
from fieldops.extensions import db


def current_campaign(today: date) -> Campaign | None:
    """The campaign in force: the latest one already counting today."""
    return db.session.scalars(
        sa.select(Campaign).where(Campaign.counts_from <= today).order_by(Campaign.counts_from.desc()).limit(1)
    ).first()
