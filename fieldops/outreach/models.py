"""Outreach: the communication and mobilization activities a district plans and
holds to bring people to the app — a conference, a training, a registration
drive, a school session, a commune meeting, a media slot, printed material —
for one or more participant groups, with what they reached.

    planned → held (with figures) → verified (by a supervisor, not the recorder)
    planned → cancelled (reason)

A held activity's figures may be changed until it is verified. OUTREACH below
is this machine as a table: the `can_*` rules read it and
fieldops/outreach/operations.py takes its steps through fieldops/core/states.py.
Registrations on the spot are contacts counted by the activity, never added to
the funnel's people (fieldops/outreach/figures.py). A district's plan for a month or a
quarter says how many activities of each kind it means to hold for each group.
"""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.auth.models import Role, User
from fieldops.campaigns.models import ParticipantGroup
from fieldops.core.states import Machine
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import InDistrict, within
from fieldops.timeutil import utcnow

# More people than any one activity reaches (a national TV slot is counted by its district's share).
MAX_REACHED = 1_000_000
MAX_PLANNED = 1000
MAX_PHOTOS = 6
REASON_MAX = 500


class OutreachKind(enum.StrEnum):
    conference = "conference"  # conference or meeting
    training = "training"
    registration_drive = "registration_drive"  # on-site registration drive
    school_session = "school_session"
    commune_meeting = "commune_meeting"  # commune / ward meeting
    radio = "radio"
    tv = "tv"
    press = "press"
    social_media = "social_media"
    printed_material = "printed_material"
    other = "other"


class OutreachState(enum.StrEnum):
    planned = "planned"
    held = "held"
    verified = "verified"
    cancelled = "cancelled"


class PlanPeriod(enum.StrEnum):
    month = "month"
    quarter = "quarter"


# (state, action) → the state after; "change" is new details (and figures, once held).
OUTREACH = Machine("outreach", {
    (OutreachState.planned, "change"): OutreachState.planned,
    (OutreachState.held, "change"): OutreachState.held,
    (OutreachState.planned, "hold"): OutreachState.held,
    (OutreachState.planned, "cancel"): OutreachState.cancelled,
    (OutreachState.held, "verify"): OutreachState.verified,
})

# Every participant group, the employees at employers (compulsory) included.
OUTREACH_GROUPS = tuple(ParticipantGroup)
# Held and verified activities are the ones that happened.
HELD_STATES = (OutreachState.held, OutreachState.verified)


def _enum(kind, name, length):
    return sa.Enum(kind, name=name, native_enum=False, create_constraint=True, length=length)


class OutreachActivity(InDistrict, db.Model):
    __tablename__ = "outreach_activity"
    __table_args__ = (
        sa.Index("ix_outreach_activity_district_starts", "district_id", "starts_on"),
        sa.Index("ix_outreach_activity_officer_state", "officer_id", "state"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates"),
        sa.CheckConstraint(f"people_reached IS NULL OR (people_reached >= 0 AND people_reached <= {MAX_REACHED})",
                           name="people_reached"),
        sa.CheckConstraint("registrations IS NULL OR (registrations >= 0 AND registrations <= people_reached)",
                           name="registrations"),
        sa.CheckConstraint("state NOT IN ('held', 'verified') OR (people_reached IS NOT NULL AND "
                           "registrations IS NOT NULL)", name="held_figures"),
        sa.CheckConstraint("(state = 'cancelled') = (length(trim(cancel_reason)) > 0)", name="cancel_reason"),
        sa.CheckConstraint("(state = 'verified') = (verified_by_id IS NOT NULL AND verified_at IS NOT NULL)",
                           name="verified"),
        sa.CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"))
    # Who recorded it: its figures count towards them (reviews).
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[OutreachKind] = mapped_column(_enum(OutreachKind, "outreach_kind", 30))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employer.id"), index=True)
    partners: Mapped[str] = mapped_column(sa.String(500), default="")
    people_reached: Mapped[int | None] = mapped_column(sa.Integer)
    registrations: Mapped[int | None] = mapped_column(sa.Integer)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[OutreachState] = mapped_column(_enum(OutreachState, "outreach_state", 20),
                                                 default=OutreachState.planned)
    cancel_reason: Mapped[str] = mapped_column(sa.String(REASON_MAX), default="")
    # Every change adds one: a form sent over a change made meanwhile is refused.
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    held_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    verified_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    district: Mapped[OrgUnit] = relationship()
    officer: Mapped[User] = relationship(foreign_keys=[officer_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    employer: Mapped[Employer | None] = relationship()
    group_rows: Mapped[list["OutreachActivityGroup"]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="OutreachActivityGroup.participant_group")
    photos: Mapped[list["OutreachPhoto"]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="OutreachPhoto.id")

    @property
    def audit_unit_id(self):
        return self.district_id

    @property
    def groups(self) -> list[ParticipantGroup]:
        return [ParticipantGroup(row.participant_group) for row in self.group_rows]

    @property
    def is_held(self) -> bool:
        return self.state in HELD_STATES

    @property
    def per_100(self):
        return per_100(self.registrations, self.people_reached)

    # --- who may do what ------------------------------------------------------

    @staticmethod
    def can_record(user, district: OrgUnit) -> bool:
        """The district's officers and supervisors (or theirs above it) plan and record its activities."""
        return (user.role in (Role.officer, Role.supervisor) and district.level == UnitLevel.district
                and within(district, user.org_unit))

    def _may_change(self, user) -> bool:
        """The recorder, or a supervisor of the district."""
        return self.can_record(user, self.district) and (user.id == self.officer_id or user.role == Role.supervisor)

    def can_change(self, user) -> bool:
        return OUTREACH.allows(self.state, "change") and self._may_change(user)

    def can_hold(self, user) -> bool:
        return OUTREACH.allows(self.state, "hold") and self._may_change(user)

    def can_cancel(self, user) -> bool:
        return OUTREACH.allows(self.state, "cancel") and self._may_change(user)

    def can_verify(self, user) -> bool:
        return (OUTREACH.allows(self.state, "verify") and user.role == Role.supervisor
                and user.id != self.officer_id and within(self.district, user.org_unit))


def per_100(registrations, reached):
    """Registrations on the spot per 100 people reached, one decimal; None when nobody was reached."""
    return None if not reached else round(100.0 * (registrations or 0) / reached, 1)


class OutreachActivityGroup(db.Model):
    """A group an activity is aimed at: an activity for two groups counts in both groups' rows."""

    __tablename__ = "outreach_activity_group"
    __table_args__ = (sa.Index("ix_outreach_activity_group_group", "participant_group", "activity_id"),)

    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("outreach_activity.id"), primary_key=True)
    participant_group: Mapped[ParticipantGroup] = mapped_column(_enum(ParticipantGroup, "participant_group", 20),
                                                                primary_key=True)

    activity: Mapped[OutreachActivity] = relationship(back_populates="group_rows")


class OutreachPhoto(db.Model):
    """A photo of an activity, re-encoded as JPEG when received (fieldops/outreach/photos.py)."""

    __tablename__ = "outreach_photo"
    __table_args__ = (sa.CheckConstraint("size > 0", name="size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("outreach_activity.id"), index=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)  # read only when sent
    size: Mapped[int] = mapped_column(sa.Integer)
    width: Mapped[int] = mapped_column(sa.Integer)
    height: Mapped[int] = mapped_column(sa.Integer)
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    activity: Mapped[OutreachActivity] = relationship(back_populates="photos")

    @property
    def audit_unit_id(self):
        return self.activity.district_id


class OutreachPlanLine(db.Model):
    """How many activities of a kind a district plans for a group in a month or a quarter."""

    __tablename__ = "outreach_plan_line"
    __table_args__ = (
        sa.UniqueConstraint("district_id", "period_kind", "period_start", "kind", "participant_group",
                            name="uq_outreach_plan_line"),
        sa.CheckConstraint(f"planned >= 0 AND planned <= {MAX_PLANNED}", name="planned"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"))
    period_kind: Mapped[PlanPeriod] = mapped_column(_enum(PlanPeriod, "plan_period", 10))
    # The first day of the month or quarter.
    period_start: Mapped[date] = mapped_column(sa.Date)
    kind: Mapped[OutreachKind] = mapped_column(_enum(OutreachKind, "outreach_kind", 30))
    participant_group: Mapped[ParticipantGroup] = mapped_column(_enum(ParticipantGroup, "participant_group", 20))
    planned: Mapped[int] = mapped_column(sa.Integer)
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    @property
    def audit_unit_id(self):
        return self.district_id

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        return cls.district_id.in_(sa.select(OrgUnit.id).where(OrgUnit.scope_clause(root)))
