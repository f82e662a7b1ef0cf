"""Visits: one officer at one employer on one date, a line per labour department,
obstacles, and every submitted revision kept.

Review state: submitted → verified, or submitted → returned (reason) → submitted
again (a new revision). A returned visit does not count towards the current
figures until it is resubmitted (see fieldops/visits/figures.py).
"""
from datetime import date, datetime

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.auth.models import Role, User
from fieldops.core.expressions import inline
from fieldops.core.states import Machine
from fieldops.definitions import line_order
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.org.scope import InDistrict, PartOf
from fieldops.timeutil import utcnow

# The most a count on one line may be: well above any real department, well below
# the database's integer.
MAX_COUNT = 1_000_000


class VisitPurpose(enum.StrEnum):
    guidance = "guidance"
    registration_drive = "registration_drive"
    verification = "verification"
    communication_session = "communication_session"


class ReviewState(enum.StrEnum):
    submitted = "submitted"
    verified = "verified"
    returned = "returned"


class ObstacleCategory(enum.StrEnum):
    no_smartphone = "no_smartphone"
    no_own_phone_number = "no_own_phone_number"
    identity_data_mismatch = "identity_data_mismatch"
    otp_not_received = "otp_not_received"
    app_error = "app_error"
    employer_declined = "employer_declined"
    worker_declined = "worker_declined"
    other = "other"


# The review (module docstring): (state, action) → the state after. The officer's
# edit is "edit" before review and "resubmit" after a return. The operations take
# these steps through fieldops/core/states.py.
REVIEW = Machine("visit", {
    (ReviewState.submitted, "edit"): ReviewState.submitted,
    (ReviewState.returned, "resubmit"): ReviewState.submitted,
    (ReviewState.submitted, "verify"): ReviewState.verified,
    (ReviewState.submitted, "return"): ReviewState.returned,
})
REVISIONS = ("edit", "resubmit")
DECISIONS = ("verify", "return")

# Visits in these states feed the current figures ("everything submitted");
# a returned visit is being corrected and counts again once resubmitted.
COUNTING_STATES = (ReviewState.submitted, ReviewState.verified)


class Visit(InDistrict, db.Model):
    __tablename__ = "visit"
    __table_args__ = (
        # An employer's visits by date; with the officer, the review queue's "same day" count is one range.
        sa.Index("ix_visit_employer_date_officer", "employer_id", "visit_date", "officer_id"),
        sa.Index("ix_visit_officer_submitted", "officer_id", "submitted_at"),
        sa.Index("ix_visit_state_submitted", "state", "submitted_at"),
        # A district's review queue, oldest first, and its officers' visits: one range each.
        # With the officer in the index, the queue's count ("not your own") reads no table rows.
        sa.Index("ix_visit_district_state_submitted_officer", "district_id", "state", "submitted_at",
                 postgresql_include=["officer_id"]),
        sa.CheckConstraint("revision >= 1", name="revision"),
        sa.CheckConstraint("newly_registered >= 0", name="newly_registered"),
        sa.CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude"),
        sa.CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"))
    # The employer's district, kept with it (fieldops.followups.districts.districts_follow):
    # visits are scoped by district without reading every employer of the area.
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"))
    visit_date: Mapped[date] = mapped_column(sa.Date)
    purpose: Mapped[VisitPurpose] = mapped_column(
        sa.Enum(VisitPurpose, name="purpose", native_enum=False, create_constraint=True, length=30)
    )
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    state: Mapped[ReviewState] = mapped_column(
        sa.Enum(ReviewState, name="review_state", native_enum=False, create_constraint=True, length=20),
        default=ReviewState.submitted,
    )
    return_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    revision: Mapped[int] = mapped_column(sa.Integer, default=1)
    # Σ newly registered over its lines (its registrations assisted), written with them
    # (fieldops/visits/operations.py): an officer's work sums it from the visits' index,
    # not from a district's tens of thousands of lines.
    newly_registered: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # The key the form was opened with, and the SHA-256 of what it first sent:
    # the same key again with the same content is the same visit.
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    # First submission, and the latest one of changed figures (an edit, a resubmission):
    # with the visit date, the latest submission orders visits of one department.
    submitted_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    resubmitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    officer: Mapped[User] = relationship(foreign_keys=[officer_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    employer: Mapped[Employer] = relationship()
    lines: Mapped[list["VisitLine"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitLine.id"
    )
    obstacles: Mapped[list["Obstacle"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="Obstacle.position"
    )
    revisions: Mapped[list["VisitRevision"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitRevision.number"
    )

    @property
    def audit_unit_id(self):
        return self.employer.district_id

    @property
    def counts(self) -> bool:
        return self.state in COUNTING_STATES

    @property
    def figures_submitted_at(self) -> datetime:
        """When the figures it shows were last submitted."""
        return self.resubmitted_at or self.submitted_at

    @property
    def order_key(self):
        """Later visits win (fieldops/definitions.py's `line_order`)."""
        return line_order(self.visit_date, self.figures_submitted_at, self.id)

    @property
    def revision_action(self) -> str | None:
        """What the officer's edit is in this state ("edit", "resubmit"), None once verified."""
        return next((action for action in REVISIONS if REVIEW.allows(self.state, action)), None)

    def can_edit(self, user) -> bool:
        return user.id == self.officer_id and self.revision_action is not None

    def can_review(self, user) -> bool:
        return (user.role == Role.supervisor and user.id != self.officer_id
                and any(REVIEW.allows(self.state, action) for action in DECISIONS))


def figures_submitted_at(visit=Visit):
    """The latest submission of a visit's (or an alias's) figures, in SQL (the
    `figures_submitted_at` of a row)."""
    return sa.func.coalesce(visit.resubmitted_at, visit.submitted_at)


FIGURES_SUBMITTED_AT = figures_submitted_at()
# Lists of an officer's own visits show returned ones first (they need work), then the newest.
RETURNED_FIRST = sa.case((Visit.state == inline(ReviewState.returned.value), inline(0)), else_=inline(1))
# Their first page read from the index, not sorted out of a year's visits (1,400 of them: 4.7 → 0.1 ms).
sa.Index("ix_visit_officer_returned_first", Visit.officer_id, RETURNED_FIRST, Visit.submitted_at.desc(),
         Visit.id.desc())


class VisitLine(PartOf, db.Model):
    """What the officer counted at one labour department. Unregistered = insured − registered."""

    __tablename__ = "visit_line"
    __table_args__ = (
        sa.UniqueConstraint("visit_id", "labour_department_id", name="uq_visit_line_visit_department"),
        # The lines of a visit with what they add to "registrations assisted": the
        # officers' figures of a district read them from the index alone.
        sa.Index("ix_visit_line_visit_newly", "visit_id", "newly_registered"),
        sa.CheckConstraint("insured >= 0", name="insured"),
        sa.CheckConstraint("registered >= 0 AND registered <= insured", name="registered"),
        sa.CheckConstraint("active >= 0 AND active <= registered", name="active"),
        sa.CheckConstraint("newly_registered >= 0 AND newly_registered <= registered", name="newly_registered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id"))
    labour_department_id: Mapped[int] = mapped_column(sa.ForeignKey("labour_department.id"), index=True)
    insured: Mapped[int] = mapped_column(sa.Integer)
    registered: Mapped[int] = mapped_column(sa.Integer)
    active: Mapped[int] = mapped_column(sa.Integer)
    newly_registered: Mapped[int] = mapped_column(sa.Integer, default=0)

    visit: Mapped[Visit] = relationship(back_populates="lines")
    department: Mapped[LabourDepartment] = relationship()

    @property
    def unregistered(self) -> int:
        return self.insured - self.registered

    @property
    def audit_unit_id(self):
        return self.visit.audit_unit_id

    scope_parent = (Visit, "visit_id")


class Obstacle(PartOf, db.Model):
    __tablename__ = "obstacle"
    __table_args__ = (sa.CheckConstraint("people_affected >= 0", name="people_affected"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    category: Mapped[ObstacleCategory] = mapped_column(
        sa.Enum(ObstacleCategory, name="category", native_enum=False, create_constraint=True, length=30)
    )
    people_affected: Mapped[int] = mapped_column(sa.Integer, default=0)
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    visit: Mapped[Visit] = relationship(back_populates="obstacles")

    @property
    def audit_unit_id(self):
        return self.visit.audit_unit_id

    scope_parent = (Visit, "visit_id")


class VisitRevision(PartOf, db.Model):
    """One submission of a visit, as sent, never changed afterwards: revision 1 is the
    first submission, each edit or resubmission adds the next. `content` holds plain
    values (date, purpose, notes, location, lines with department names, obstacles)."""

    __tablename__ = "visit_revision"
    __table_args__ = (
        sa.UniqueConstraint("visit_id", "number", name="uq_visit_revision_visit_number"),
        sa.CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    number: Mapped[int] = mapped_column(sa.Integer)
    content: Mapped[dict] = mapped_column(sa.JSON)
    # SHA-256 of the form as sent, so a double-sent edit is recognised.
    payload_hash: Mapped[str] = mapped_column(sa.String(64))
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    # The review this revision got, if any.
    review_state: Mapped[ReviewState] = mapped_column(
        sa.Enum(ReviewState, name="review_state", native_enum=False, create_constraint=True, length=20),
        default=ReviewState.submitted,
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    return_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    visit: Mapped[Visit] = relationship(back_populates="revisions")
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def audit_unit_id(self):
        return self.visit.audit_unit_id

    scope_parent = (Visit, "visit_id")
