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


class CampaignState(enum.StrEnum):
    draft = "draft"  # being set up: never the campaign in force
    active = "active"


class Campaign(db.Model):
    """An emulation movement: the decision it implements, run dates and the date results count from."""

    __tablename__ = "campaign"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="run_dates"),
        sa.CheckConstraint("counts_from <= starts_on", name="counts_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    # A short name for addresses and the command line (?campaign=2023, --campaign 2023).
    code: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    decision_number: Mapped[str | None] = mapped_column(sa.String(60))
    decision_date: Mapped[date | None] = mapped_column(sa.Date)
    state: Mapped[CampaignState] = mapped_column(
        sa.Enum(CampaignState, name="campaign_state", native_enum=False, create_constraint=True, length=10),
        default=CampaignState.active, server_default=CampaignState.active.value,
    )
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    counts_from: Mapped[date] = mapped_column(sa.Date)
    participant_groups: Mapped[list] = mapped_column(sa.JSON, default=lambda: [g.value for g in ParticipantGroup])
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    # Campaigns are national: everyone may read them.
    @classmethod
    def scope_clause(cls, root):
        return sa.true()

    @property
    def label(self) -> str:
        """How lists and selectors name it: its code, then its name."""
        return f"{self.code} · {self.name}" if self.code else self.name
