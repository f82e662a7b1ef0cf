"""Group returns: each month a district reports the people it reaches outside
employers, per participant group (voluntary social insurance, household health
insurance, students, other state-supported groups): participants at month end
and how many of them are registered on the app (and of those, how many
installed and use it), new participants in the month and how many of those
are registered. How many use the app was added later: NULL on the returns filed
before, unknown (never 0).

    filed → locked (by a supervisor of the district)

A filed return may be changed freely (the audit log keeps each change); a locked
one only by a correction, which needs a reason and keeps the earlier figures
(`ReturnCorrection`). Both states count towards the figures.
"""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.auth.models import Role, User
from fieldops.campaigns.models import ParticipantGroup
from fieldops.core.states import Machine
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import InDistrict, PartOf, within
from fieldops.timeutil import utcnow

# The groups reached outside employers (the compulsory group is counted at employers, by visits).
RETURN_GROUPS = (ParticipantGroup.voluntary, ParticipantGroup.household, ParticipantGroup.students,
                 ParticipantGroup.other)
FIGURES = ("participants", "registered", "using", "new_participants", "new_registered")
REASON_MAX = 500
# Who files a district's returns (and is reminded of those missing).
FILING_ROLES = (Role.officer, Role.supervisor)


class ReturnState(enum.StrEnum):
    filed = "filed"
    locked = "locked"


# (state, action) → the state after; fieldops/returns/operations.py takes these
# steps through fieldops/core/states.py.
RETURN = Machine("group_return", {
    (ReturnState.filed, "change"): ReturnState.filed,
    (ReturnState.filed, "lock"): ReturnState.locked,
    (ReturnState.locked, "correct"): ReturnState.locked,
})


def _figure_checks(prefix=""):
    p = prefix
    return (
        sa.CheckConstraint(f"{p}participants >= 0", name=f"{p}participants"),
        sa.CheckConstraint(f"{p}registered >= 0 AND {p}registered <= {p}participants", name=f"{p}registered"),
        sa.CheckConstraint(f"{p}new_participants >= 0 AND {p}new_participants <= {p}participants",
                           name=f"{p}new_participants"),
        sa.CheckConstraint(f"{p}new_registered >= 0 AND {p}new_registered <= {p}new_participants"
                           f" AND {p}new_registered <= {p}registered", name=f"{p}new_registered"),
        # Quoted: USING is a reserved word in SQL.
        sa.CheckConstraint(f'"{p}using" IS NULL OR ("{p}using" >= 0 AND "{p}using" <= {p}registered)',
                           name=f"{p}using"),
    )


class GroupReturn(InDistrict, db.Model):
    __tablename__ = "group_return"
    __table_args__ = (
        sa.UniqueConstraint("district_id", "participant_group", "month", name="uq_group_return_district_group_month"),
        # "As of a day" reads the latest month per district and group: by group, then month.
        sa.Index("ix_group_return_group_month", "participant_group", "month"),
        *_figure_checks(),
        sa.CheckConstraint("participant_group <> 'compulsory'", name="outside_employers"),
        sa.CheckConstraint("(state = 'locked') = (locked_by_id IS NOT NULL AND locked_at IS NOT NULL)",
                           name="lock"),
        sa.CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"))
    participant_group: Mapped[ParticipantGroup] = mapped_column(
        sa.Enum(ParticipantGroup, name="participant_group", native_enum=False, create_constraint=True, length=20)
    )
    # The first day of the month reported on.
    month: Mapped[date] = mapped_column(sa.Date)
    participants: Mapped[int] = mapped_column(sa.Integer)
    registered: Mapped[int] = mapped_column(sa.Integer)
    new_participants: Mapped[int] = mapped_column(sa.Integer)
    new_registered: Mapped[int] = mapped_column(sa.Integer)
    # Of the participants registered at month end, how many installed and use the app; NULL: not known.
    using: Mapped[int | None] = mapped_column(sa.Integer)
    state: Mapped[ReturnState] = mapped_column(
        sa.Enum(ReturnState, name="return_state", native_enum=False, create_constraint=True, length=20),
        default=ReturnState.filed,
    )
    # Every change adds one: a form sent over a change made meanwhile is refused.
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    filed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    filed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    locked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    locked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    district: Mapped[OrgUnit] = relationship()
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    updated_by: Mapped[User] = relationship(foreign_keys=[updated_by_id])
    locked_by: Mapped[User | None] = relationship(foreign_keys=[locked_by_id])
    corrections: Mapped[list["ReturnCorrection"]] = relationship(
        back_populates="group_return", cascade="all, delete-orphan", order_by="ReturnCorrection.id"
    )

    @property
    def audit_unit_id(self):
        return self.district_id

    @property
    def figures(self) -> dict:
        return {name: getattr(self, name) for name in FIGURES}

    @property
    def unregistered(self) -> int:
        return self.participants - self.registered

    @property
    def is_locked(self) -> bool:
        return self.state == ReturnState.locked

    # --- who may do what ------------------------------------------------------

    @staticmethod
    def can_file(user, district: OrgUnit) -> bool:
        """The district's officers and supervisors (or theirs above it) file its returns."""
        return (user.role in FILING_ROLES and district.level == UnitLevel.district
                and within(district, user.org_unit))

    @staticmethod
    def can_import(user, district: OrgUnit) -> bool:
        """Who files a district's returns, and the admins of its area: an import is bulk work for them too."""
        return GroupReturn.can_file(user, district) or (
            user.role == Role.admin and district.level == UnitLevel.district and within(district, user.org_unit))

    def can_edit(self, user) -> bool:
        return RETURN.allows(self.state, "change") and self.can_file(user, self.district)

    def supervised_by(self, user) -> bool:
        return user.role == Role.supervisor and within(self.district, user.org_unit)

    def can_lock(self, user) -> bool:
        return RETURN.allows(self.state, "lock") and self.supervised_by(user)

    def can_correct(self, user) -> bool:
        return RETURN.allows(self.state, "correct") and self.supervised_by(user)


class ReturnCorrection(PartOf, db.Model):
    """A correction of a locked return: the figures before and after, and why."""

    __tablename__ = "return_correction"
    __table_args__ = (
        *_figure_checks("before_"),
        *_figure_checks("after_"),
        sa.CheckConstraint("length(trim(reason)) > 0", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_return_id: Mapped[int] = mapped_column(sa.ForeignKey("group_return.id"), index=True)
    before_participants: Mapped[int] = mapped_column(sa.Integer)
    before_registered: Mapped[int] = mapped_column(sa.Integer)
    before_new_participants: Mapped[int] = mapped_column(sa.Integer)
    before_new_registered: Mapped[int] = mapped_column(sa.Integer)
    before_using: Mapped[int | None] = mapped_column(sa.Integer)
    after_participants: Mapped[int] = mapped_column(sa.Integer)
    after_registered: Mapped[int] = mapped_column(sa.Integer)
    after_new_participants: Mapped[int] = mapped_column(sa.Integer)
    after_new_registered: Mapped[int] = mapped_column(sa.Integer)
    after_using: Mapped[int | None] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX))
    corrected_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    corrected_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    group_return: Mapped[GroupReturn] = relationship(back_populates="corrections")
    corrected_by: Mapped[User] = relationship()

    @property
    def before(self) -> dict:
        return {name: getattr(self, f"before_{name}") for name in FIGURES}

    @property
    def after(self) -> dict:
        return {name: getattr(self, f"after_{name}") for name in FIGURES}

    @property
    def audit_unit_id(self):
        return self.group_return.district_id

    scope_parent = (GroupReturn, "group_return_id")
