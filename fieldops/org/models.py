from datetime import datetime

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.extensions import db
from fieldops.timeutil import utcnow


class UnitLevel(enum.StrEnum):
    national = "national"
    province = "province"
    district = "district"
    team = "team"


CHILD_LEVEL = {
    UnitLevel.national: UnitLevel.province,
    UnitLevel.province: UnitLevel.district,
    UnitLevel.district: UnitLevel.team,
}


class OrgUnit(db.Model):
    """A node of national → province → district → team.

    `path` is the materialised path of ids ("/1/4/9/"), so a subtree is one
    indexed prefix query on SQLite and PostgreSQL alike.
    """

    __tablename__ = "org_unit"
    __table_args__ = (
        sa.Index(
            "ix_org_unit_path_prefix",
            "path",
            postgresql_ops={"path": "text_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    level: Mapped[UnitLevel] = mapped_column(
        sa.Enum(UnitLevel, name="level", native_enum=False, create_constraint=True, length=20)
    )
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    parent: Mapped["OrgUnit | None"] = relationship(remote_side="OrgUnit.id", back_populates="children")
    children: Mapped[list["OrgUnit"]] = relationship(back_populates="parent", order_by="OrgUnit.code")

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def child_level(self) -> UnitLevel | None:
        return CHILD_LEVEL.get(self.level)

    @classmethod
    def scope_clause(cls, root: "OrgUnit"):
        return cls.path.startswith(root.path, autoescape=True)

    # The tree read from the materialised path: the only place that parses it.

    @property
    def ancestor_ids(self) -> list[int]:
        """The ids from the root down to this unit, both included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def contains(self, other: "OrgUnit") -> bool:
        """Is `other` in this unit's subtree (itself included)? As `scope_clause`, in Python."""
        return other.path.startswith(self.path)

    @staticmethod
    def path_at_depth(path: str, depth: int) -> str | None:
        """The path of the unit `depth` steps below the root on the way down to
        `path` (the child of a unit one step less deep), or None when `path` is
        not that deep."""
        parts = path.split("/")
        return "/".join(parts[:depth + 1]) + "/" if len(parts) > depth + 1 else None

    def __repr__(self):
        return f"<OrgUnit {self.code}>"
