from datetime import date, datetime

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fieldops.extensions import db
from fieldops.timeutil import utcnow


class ParticipantGroup(enum.StrEnum):
    compulsory = "compulsory"  # compulsory insurance at employers
    voluntary = "voluntary"
    household = "household"  # household health insurance
    students = "students"
    other = "other"


class Campaign(db.Model):
    """An emulation movement: run dates and the date results count from."""

    __tablename__ = "campaign"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="run_dates"),
        sa.CheckConstraint("counts_from <= starts_on", name="counts_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    counts_from: Mapped[date] = mapped_column(sa.Date)
    participant_groups: Mapped[list] = mapped_column(sa.JSON, default=lambda: [g.value for g in ParticipantGroup])
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    # Campaigns are national: everyone may read them.
    @classmethod
    def scope_clause(cls, root):
        return sa.true()
