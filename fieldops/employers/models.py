from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.textfold import fold
from fieldops.timeutil import utcnow

WHOLE_EMPLOYER = "Toàn đơn vị"


class Employer(db.Model):
    """Đơn vị sử dụng lao động, managed by one district unit."""

    __tablename__ = "employer"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    tax_code: Mapped[str] = mapped_column(sa.String(20), default="", index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    sector: Mapped[str] = mapped_column(sa.String(120), default="")
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), index=True)
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

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        from fieldops.org.scope import units_in_scope

        return cls.district_id.in_(units_in_scope(root))


class LabourDepartment(db.Model):
    """A part of an employer where insured workers are counted."""

    __tablename__ = "labour_department"
    __table_args__ = (
        sa.UniqueConstraint("employer_id", "name", name="uq_labour_department_employer_name"),
        sa.CheckConstraint("insured_declared >= 0", name="insured_declared"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    # Headcount of insured workers as the agency's register (an import) declares it;
    # what officers count on visits is kept apart, in the visit lines.
    insured_declared: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    employer: Mapped[Employer] = relationship(back_populates="departments")

    @property
    def audit_unit_id(self):
        return self.employer.district_id

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        return cls.employer_id.in_(sa.select(Employer.id).where(Employer.scope_clause(root)))
