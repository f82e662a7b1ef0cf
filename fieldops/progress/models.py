"""Progress monitoring: targets, and the figures kept on write that dashboards read.

The timeline (see fieldops/progress/timeline.py for how it is kept):

- `EmployerTimeline` — one row per employer: the step function of its figures
  over time (from its counting visit lines, the declared headcount before the
  first), its visit activity per day and its obstacles per day, as last
  computed, plus its current totals (for the worklist). It is the "before" that
  the next change of the employer is compared with.
- `EmployerFullDay` — the days on which an employer reaches 100% (not at
  100% the day before), from its step function: who brought employers to 100%
  over a period is one indexed read, not every visited employer's step function.
- `StockDelta` — per district and day, how the stock figures of the district's
  employers change on that day (insured, registered, active, registered on
  verified visits, employers, employers at 100%). A unit's stock figures as of
  D are the sum of the deltas with day ≤ D over the districts of its subtree.
- `ActivityCount`, `ObstacleCount` — per district and day, the visits made,
  how many verified, registrations assisted (Σ newly registered), and obstacles
  by category: flows over a period are sums over its days.

Each of the three district tables holds every change twice: at grain "day"
(the day itself) and at grain "month" (the first day of its month, summed over
the month). A window of time is read as whole months from the month rows plus
the odd days at its ends from the day rows, so a national figure reads a few
thousand rows, whatever the length of the campaign.
"""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.campaigns.models import Campaign
from fieldops.core.expressions import inline
from fieldops.definitions import Comparison
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import InUnit
from fieldops.timeutil import utcnow
from fieldops.visits.models import ObstacleCategory, Visit


class Metric(enum.StrEnum):
    registered_employer = "registered_employer"  # people registered, employer channel
    coverage_pct = "coverage_pct"  # Σ registered ÷ Σ insured, in %
    employers_full = "employers_full"  # employers at 100%
    visits = "visits"  # visits made
    registered_all = "registered_all"  # people registered, all groups: employer channel + group returns
    new_voluntary_pct = "new_voluntary_pct"  # Σ new voluntary registered ÷ Σ new voluntary participants, in %
    active_employer = "active_employer"  # people using the app (installed and used), employer channel
    active_all = "active_all"  # people using the app, all groups: the campaign's headline figure


# Metrics given in percent; the others are counts.
PERCENT_METRICS = (Metric.coverage_pct, Metric.new_voluntary_pct)
# What a team (which manages no employers) can be given a target for: its officers' work.
TEAM_METRICS = (Metric.visits,)
PERCENT_CHECK = "metric NOT IN ({}) OR value <= 100".format(", ".join(f"'{m.value}'" for m in PERCENT_METRICS))
MAX_TARGET = 200_000_000  # far above the whole country
# The campaign's headline figure, first on every dashboard that has its target.
HEADLINE_METRICS = (Metric.active_all, Metric.active_employer, Metric.registered_all, Metric.registered_employer)


class Target(InUnit, db.Model):
    """What a unit is to reach in a campaign, per metric."""

    __tablename__ = "target"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "org_unit_id", "metric", name="uq_target_campaign_unit_metric"),
        sa.CheckConstraint("value >= 0", name="value"),
        sa.CheckConstraint(PERCENT_CHECK, name="percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"))
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), index=True)
    metric: Mapped[Metric] = mapped_column(
        sa.Enum(Metric, name="metric", native_enum=False, create_constraint=True, length=30)
    )
    value: Mapped[float] = mapped_column(sa.Numeric(14, 2))
    # "at least" (≥) or "more than" (>) the value: the seed's "over 35 million" is "more than".
    comparison: Mapped[Comparison] = mapped_column(
        sa.Enum(Comparison, name="comparison", native_enum=False, create_constraint=True, length=20),
        default=Comparison.at_least, server_default=Comparison.at_least.value,
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship()
    org_unit: Mapped[OrgUnit] = relationship()

    @property
    def audit_unit_id(self):
        return self.org_unit_id


# --- the timeline, kept on write ------------------------------------------------------

GRAINS = ("day", "month")


class EmployerTimeline(db.Model):
    """An employer's figures over time as last computed from its history (plain
    JSON lists of day ordinals and counts), and its current totals."""

    __tablename__ = "progress_employer"
    __table_args__ = (
        # A district's rows ordered by unregistered, with what the worklist reads
        # (index-only on PostgreSQL).
        sa.Index("ix_progress_employer_district_unregistered", "district_id", "unregistered",
                 postgresql_include=["employer_id", "insured", "registered"]),
        sa.Index("ix_progress_employer_unregistered", "unregistered"),
        # A tablet's incremental sync: its district's employers whose departments changed since.
        sa.Index("ix_progress_employer_district_departments_updated_at", "district_id", "departments_updated_at"),
    )

    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"), primary_key=True, autoincrement=False)
    # The district its figures were counted in when last computed (a move is a change too).
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"))
    insured: Mapped[int] = mapped_column(sa.Integer, default=0)
    registered: Mapped[int] = mapped_column(sa.Integer, default=0)
    unregistered: Mapped[int] = mapped_column(sa.Integer, default=0)
    # [[day ordinal, insured, registered, active, registered on verified visits], ...], the first at SENTINEL
    steps: Mapped[list] = mapped_column(sa.JSON, default=list)
    # [[day ordinal, visits, verified visits, registrations assisted, of them on verified visits], ...]
    activity: Mapped[list] = mapped_column(sa.JSON, default=list)
    # [[day ordinal, category, obstacles, people affected], ...]
    obstacles: Mapped[list] = mapped_column(sa.JSON, default=list)
    # {campaign id: [[day ordinal, *ReviewedStock.FIELDS], ...]}: over the departments reviewed in each campaign
    reviewed: Mapped[dict | None] = mapped_column(sa.JSON, default=dict)
    # The latest `updated_at` of its departments (added, renamed, retired, new current figures), kept by the
    # refresh, which every change of a department goes through: read by district, a tablet's sync finds the
    # employers whose departments changed in its district alone (the departments' own time has no district).
    departments_updated_at: Mapped[datetime | None] = mapped_column(sa.DateTime)


class EmployerFullDay(db.Model):
    """A day on which the employer's figures reach 100% (fieldops/definitions.py,
    `brought_to_full` from the day before), kept on write beside its step function."""

    __tablename__ = "progress_employer_full_day"
    __table_args__ = ({"sqlite_with_rowid": False},)

    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"), primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)


# Employers below 100% (nobody insured: no coverage at all), and their coverage,
# registered ÷ insured: the order of the officer's "furthest from 100%".
BELOW_FULL = sa.and_(EmployerTimeline.insured > inline(0), EmployerTimeline.unregistered > inline(0))
# Written as the index has it: SQLAlchemy's own division casts the divisor again.
COVERAGE = sa.cast(EmployerTimeline.registered, sa.Float).op("/", return_type=sa.Float)(
    sa.cast(EmployerTimeline.insured, sa.Float))
# A district's employers below 100% in that order: the first eight are read, not
# sorted out of the district's thousands (14,000 in the largest: 16 ms → 0.1 ms).
sa.Index("ix_progress_employer_district_coverage", EmployerTimeline.district_id, COVERAGE,
         EmployerTimeline.unregistered.desc(), EmployerTimeline.employer_id,
         postgresql_include=["insured", "registered"], postgresql_where=BELOW_FULL, sqlite_where=BELOW_FULL)


def _grain_check():
    return sa.CheckConstraint("grain IN ('day', 'month')", name="grain")


def _across_districts(name, columns, include):
    """The rows of a range of days for every district at once, figures included
    (an index-only scan on PostgreSQL): what a national or province page reads.
    The primary key, district first, serves a district's own pages."""
    return sa.Index(name, *columns, postgresql_include=list(include))


class StockDelta(db.Model):
    __tablename__ = "progress_stock"
    __table_args__ = (
        _grain_check(),
        _across_districts("ix_progress_stock_grain_day", ("grain", "day", "district_id"),
                          ("insured", "registered", "active", "registered_verified", "employers", "employers_full")),
        {"sqlite_with_rowid": False},
    )

    # Primary key (district, grain, day): a unit's rows are read district by district, a range of days each.
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), primary_key=True, autoincrement=False)
    grain: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    insured: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    registered: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    active: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    registered_verified: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    employers: Mapped[int] = mapped_column(sa.Integer, default=0)
    employers_full: Mapped[int] = mapped_column(sa.Integer, default=0)

    FIELDS = ("insured", "registered", "active", "registered_verified", "employers", "employers_full")


class ReviewedStock(db.Model):
    """Per district, campaign and day, how the figures over the labour departments
    *reviewed* in the campaign (visited on or after its counting-from date) change:
    the seed's coverage "at labour departments reviewed" and its employers at 100%,
    beside how many departments there are at all."""

    __tablename__ = "progress_reviewed"
    __table_args__ = (
        _grain_check(),
        _across_districts("ix_progress_reviewed_campaign_grain_day", ("campaign_id", "grain", "day", "district_id"),
                          ("departments", "departments_reviewed", "insured", "registered", "active", "employers",
                           "employers_full")),
        {"sqlite_with_rowid": False},
    )

    # Primary key (district, grain, day, campaign), as the timeline's keys come (campaign last, like a category).
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), primary_key=True, autoincrement=False)
    grain: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), primary_key=True, autoincrement=False)
    departments: Mapped[int] = mapped_column(sa.Integer, default=0)
    departments_reviewed: Mapped[int] = mapped_column(sa.Integer, default=0)
    insured: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    registered: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    active: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    employers: Mapped[int] = mapped_column(sa.Integer, default=0)
    employers_full: Mapped[int] = mapped_column(sa.Integer, default=0)

    FIELDS = ("departments", "departments_reviewed", "insured", "registered", "active", "employers", "employers_full")


class ActivityCount(db.Model):
    __tablename__ = "progress_activity"
    __table_args__ = (
        _grain_check(),
        _across_districts("ix_progress_activity_grain_day", ("grain", "day", "district_id"),
                          ("visits", "visits_verified", "registrations", "registrations_verified")),
        {"sqlite_with_rowid": False},
    )

    # Primary key (district, grain, day): a unit's rows are read district by district, a range of days each.
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), primary_key=True, autoincrement=False)
    grain: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    visits: Mapped[int] = mapped_column(sa.Integer, default=0)
    visits_verified: Mapped[int] = mapped_column(sa.Integer, default=0)
    registrations: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    registrations_verified: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    FIELDS = ("visits", "visits_verified", "registrations", "registrations_verified")


class ObstacleCount(db.Model):
    __tablename__ = "progress_obstacle"
    __table_args__ = (
        _grain_check(),
        _across_districts("ix_progress_obstacle_grain_day", ("grain", "day", "district_id", "category"),
                          ("obstacles", "people")),
        {"sqlite_with_rowid": False},
    )

    # Primary key (district, grain, day): a unit's rows are read district by district, a range of days each.
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), primary_key=True, autoincrement=False)
    grain: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    category: Mapped[ObstacleCategory] = mapped_column(
        sa.Enum(ObstacleCategory, name="category", native_enum=False, create_constraint=True, length=30),
        primary_key=True,
    )
    obstacles: Mapped[int] = mapped_column(sa.Integer, default=0)
    people: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    FIELDS = ("obstacles", "people")


# An officer's visits in a period (their achievements, a team's work): by officer, then visit date; on
# PostgreSQL with what the work reads of them, so it is counted and joined from the index alone (the
# largest district's year of 58,000 visits: 75 → 11 ms).
sa.Index("ix_visit_officer_date", Visit.officer_id, Visit.visit_date,
         postgresql_include=["state", "employer_id", "newly_registered"])


class ReportSnapshot(db.Model):
    """A unit's progress report as computed at `computed_at`, kept for a short
    while (fieldops/progress/snapshots.py): the report as JSON and its figures
    and download links as HTML, keyed by what it depends on."""

    __tablename__ = "progress_report_snapshot"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)
    report: Mapped[str] = mapped_column(sa.Text)
    figures: Mapped[str] = mapped_column(sa.Text)
    downloads: Mapped[str] = mapped_column(sa.Text)
    # When a reader found it aged and asked the job worker to compute it again; None once it has.
    wanted_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    # The worker looks for the wanted copies every few seconds: only they are indexed.
    __table_args__ = (sa.Index("ix_progress_report_snapshot_wanted", "wanted_at",
                               postgresql_where=sa.text("wanted_at IS NOT NULL"),
                               sqlite_where=sa.text("wanted_at IS NOT NULL")),)


class ReportFile(db.Model):
    """A file exported from a kept report (XLSX, CSV, a ZIP of CSV files), made
    once for every app server (fieldops/progress/kept_files.py): `what` names its
    format and tables, `computed_at` the copy it was made from."""

    __tablename__ = "progress_report_file"

    key: Mapped[str] = mapped_column(
        sa.String(200), sa.ForeignKey("progress_report_snapshot.key", ondelete="CASCADE"), primary_key=True)
    what: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime)
    kind: Mapped[str] = mapped_column(sa.String(4))
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    # When a reader first asked for it; the job worker makes again, with a new copy, only files asked for.
    asked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    __table_args__ = (sa.CheckConstraint("kind IN ('xlsx', 'csv', 'zip')", name="kind"),)
