import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import InDistrict, PartOf
from fieldops.textfold import fold
from fieldops.timeutil import utcnow

WHOLE_EMPLOYER = "Toàn đơn vị"
CONTACT_MAX = 120
REASON_MAX = 500


class DepartmentEnd(enum.StrEnum):
    """How a department stopped counting (fieldops/employers/lifecycle.py)."""

    retired = "retired"
    split = "split"  # into several parts
    merged = "merged"  # with others, into one


class Employer(InDistrict, db.Model):
    """Đơn vị sử dụng lao động, managed by one district unit."""

    __tablename__ = "employer"
    __table_args__ = (
        # A district's employers in name order, with what a search matches on:
        # the list stops after its page, and its count reads no table rows
        # (18,000 employers in the largest district: 10,000 table pages otherwise).
        sa.Index("ix_employer_district_name", "district_id", "name", "id", postgresql_include=["search_text"]),
        # A tablet's incremental sync: the few employers changed since its last one (with
        # the district first, SQLite would take it for the name search). Their departments'
        # changes are read from the timeline (fieldops/offline/sync.py).
        sa.Index("ix_employer_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    tax_code: Mapped[str] = mapped_column(sa.String(20), default="", index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    sector: Mapped[str] = mapped_column(sa.String(120), default="")
    # Whom the Customer Care Center calls about an escalation.
    contact_name: Mapped[str] = mapped_column(sa.String(CONTACT_MAX), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"))
    # Folded name and codes, so "nguyen" finds "Nguyễn" on every database.
    search_text: Mapped[str] = mapped_column(sa.String(600), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    district: Mapped[OrgUnit] = relationship()
    departments: Mapped[list["LabourDepartment"]] = relationship(
        back_populates="employer", order_by="LabourDepartment.name", cascade="all, delete-orphan"
    )

    @property
    def audit_unit_id(self):
        return self.district_id

    def refresh_search_text(self):
        self.search_text = fold(f"{self.name} {self.unit_code} {self.tax_code}")[:600]


class LabourDepartment(PartOf, db.Model):
    """A part of an employer where insured workers are counted."""

    __tablename__ = "labour_department"
    __table_args__ = (
        sa.UniqueConstraint("employer_id", "name", name="uq_labour_department_employer_name"),
        sa.CheckConstraint("insured_declared >= 0", name="insured_declared"),
        # With no visit line yet: no visit figures (insured falls back to the declared headcount).
        sa.CheckConstraint(
            "(current_visit_id IS NULL AND current_insured IS NULL AND current_registered = 0 AND current_active = 0)"
            " OR (current_visit_id IS NOT NULL AND current_insured >= 0"
            " AND current_registered >= 0 AND current_registered <= current_insured"
            " AND current_active >= 0 AND current_active <= current_registered)",
            name="current_figures",
        ),
        sa.CheckConstraint("retired_on IS NULL OR starts_on IS NULL OR retired_on >= starts_on", name="life"),
        sa.CheckConstraint("(retired_on IS NULL) = (ended_how IS NULL)", name="ended_how"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    # Headcount of insured workers as the agency's register (an import) declares it;
    # what officers count on visits is kept apart, in the visit lines.
    insured_declared: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    # Any change of the row, its current figures' included (an UPDATE statement sets it too). A tablet's
    # sync reads the change from the employer's timeline instead (fieldops/offline/sync.py).
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)
    # Current figures: those of the latest counting visit line of this department (by
    # visit date, then submission time), kept up to date on write by
    # fieldops/visits/figures.py. The line they come from is the one of
    # `current_visit_id` for this department. Before any visit they are empty:
    # insured is then the declared headcount and registered/active 0 (see `insured`).
    current_insured: Mapped[int | None] = mapped_column(sa.Integer)
    current_registered: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    current_active: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    current_visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    current_visit_date: Mapped[date | None] = mapped_column(sa.Date)
    # Its life (fieldops/definitions.py `counts_on`): it counts from `starts_on` (a
    # part of a split or a merge; NULL: always) to the day before `retired_on`.
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    retired_on: Mapped[date | None] = mapped_column(sa.Date)
    ended_how: Mapped[DepartmentEnd | None] = mapped_column(
        sa.Enum(DepartmentEnd, name="department_end", native_enum=False, create_constraint=True, length=10))
    ended_reason: Mapped[str] = mapped_column(sa.String(REASON_MAX), default="", server_default="")

    employer: Mapped[Employer] = relationship(back_populates="departments")

    @hybrid_property
    def insured(self) -> int:
        """Insured workers now: the latest visit's count, else the declared headcount."""
        return self.current_insured if self.current_insured is not None else self.insured_declared

    @insured.inplace.expression
    @classmethod
    def _insured_expression(cls):
        return sa.func.coalesce(cls.current_insured, cls.insured_declared)

    @property
    def registered(self) -> int:
        return self.current_registered

    @property
    def active(self) -> int:
        return self.current_active

    @property
    def unregistered(self) -> int:
        return self.insured - self.current_registered

    @property
    def audit_unit_id(self):
        return self.employer.district_id

    @property
    def counts_now(self) -> bool:
        from fieldops.definitions import counts_on
        from fieldops.timeutil import local_today

        return counts_on(local_today(), self.starts_on, self.retired_on)

    scope_parent = (Employer, "employer_id")
