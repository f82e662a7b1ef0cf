"""Interim and final reviews of the emulation movement: review periods with their
criteria, the figures frozen when a period closes, nominations and the printed
commendation dossiers.

    ReviewPeriod   open → closed (closing freezes its figures: ReviewFigure)
    Nomination     proposed → endorsed → approved | rejected (the council's vote)
                   proposed | endorsed → withdrawn; an edit sends an endorsed one back to proposed
                   approved → revoked (HR, with the reason and the revoking decision; the
                   decision and the votes are kept)
    Dossier        draft → final → printed; regenerating makes a new version (a new code)

PERIOD, NOMINATION and DOSSIER below are these machines as tables: the `can_*`
rules read them and fieldops/reviews/operations.py takes their steps through
fieldops/core/states.py.

A period belongs to the unit that organises it (the nation, a province …):
everyone below that unit sees it, and those above it too; HR of the organising
unit or above manages it. Award titles work the same way (no unit: the
national list everyone uses).
"""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldops.auth.models import Role, User
from fieldops.campaigns.models import Campaign
from fieldops.core.states import Machine
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import within
from fieldops.timeutil import utcnow

NARRATIVE_MAX = 20_000
NAME_MAX = 200
NOTE_MAX = 1000
JUSTIFICATION_MAX = 5000
DECISION_NUMBER_MAX = 60
MAX_VOTES = 1000
MAX_COUNT_THRESHOLD = 1_000_000


class ReviewKind(enum.StrEnum):
    interim = "interim"  # sơ kết
    final = "final"  # tổng kết


class PeriodState(enum.StrEnum):
    open = "open"
    closed = "closed"


PERIOD = Machine("review_period", {(PeriodState.open, "close"): PeriodState.closed})


class Rule(enum.StrEnum):
    all_targets_met = "all_targets_met"
    coverage_at_least = "coverage_at_least"
    registrations_assisted_at_least = "registrations_assisted_at_least"
    followups_on_time_at_least = "followups_on_time_at_least"
    no_returned_visit_uncorrected = "no_returned_visit_uncorrected"
    outreach_verified_at_least = "outreach_verified_at_least"  # outreach activities held and verified (fieldops/outreach)
    # A campaign figure (the criterion's `metric`, fieldops/reviews/criteria.py FIGURE_METRICS) at least N.
    figure_at_least = "figure_at_least"


PERCENT_RULES = (Rule.coverage_at_least, Rule.followups_on_time_at_least)
COUNT_RULES = (Rule.registrations_assisted_at_least, Rule.outreach_verified_at_least)
THRESHOLD_RULES = PERCENT_RULES + COUNT_RULES + (Rule.figure_at_least,)
# Officers have no targets: this rule is for collectives only.
COLLECTIVE_ONLY_RULES = (Rule.all_targets_met,)


class AppliesTo(enum.StrEnum):
    individual = "individual"
    collective = "collective"
    both = "both"


class NomineeKind(enum.StrEnum):
    individual = "individual"  # an officer
    collective = "collective"  # an org unit


class NominationState(enum.StrEnum):
    proposed = "proposed"
    endorsed = "endorsed"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"
    revoked = "revoked"


NS = NominationState
# (state, action) → the state after. The council's approval and rejection are
# both recorded as "nomination.decide"; an edit sends an endorsed nomination back.
NOMINATION = Machine("nomination", {
    (NS.proposed, "edit"): NS.proposed,
    (NS.endorsed, "edit"): NS.proposed,
    (NS.proposed, "endorse"): NS.endorsed,
    (NS.endorsed, "approve"): NS.approved,
    (NS.endorsed, "reject"): NS.rejected,
    (NS.proposed, "withdraw"): NS.withdrawn,
    (NS.endorsed, "withdraw"): NS.withdrawn,
    (NS.approved, "revoke"): NS.revoked,
}, events={"approve": "decide", "reject": "decide"})

DECIDED = (NominationState.approved, NominationState.rejected, NominationState.revoked)
ACTIVE_NOMINATION = (NominationState.proposed, NominationState.endorsed, NominationState.approved,
                     NominationState.rejected, NominationState.revoked)


class DossierStatus(enum.StrEnum):
    draft = "draft"
    final = "final"
    printed = "printed"


# Each step is named after the status it marks ("dossier.final", "dossier.printed").
DOSSIER = Machine("dossier", {
    (DossierStatus.draft, "final"): DossierStatus.final,
    (DossierStatus.final, "printed"): DossierStatus.printed,
})


def _enum(cls, name, length=40):
    return sa.Enum(cls, name=name, native_enum=False, create_constraint=True, length=length)


def _list(values):
    return ", ".join(f"'{v}'" for v in values)


def _visible(column, root: OrgUnit, nullable=False):
    """Records of a unit at or above `root`, or inside its subtree."""
    from fieldops.org.scope import units_in_scope

    clause = sa.or_(column.in_(root.ancestor_ids), column.in_(units_in_scope(root)))
    return sa.or_(column.is_(None), clause) if nullable else clause


def is_hr(user) -> bool:
    return user.role == Role.hr


class AwardTitle(db.Model):
    """A title or form of award HR can propose (Lao động tiên tiến, Bằng khen …)."""

    __tablename__ = "award_title"
    __table_args__ = (sa.UniqueConstraint("org_unit_id", "name", name="uq_award_title_unit_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    applies_to: Mapped[AppliesTo] = mapped_column(_enum(AppliesTo, "award_applies_to", 20), default=AppliesTo.both)
    # None: the national list, which only national HR changes.
    org_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    org_unit: Mapped[OrgUnit | None] = relationship()

    @property
    def audit_unit_id(self):
        return self.org_unit_id

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        return _visible(cls.org_unit_id, root, nullable=True)

    def fits(self, kind: NomineeKind) -> bool:
        return self.applies_to in (AppliesTo.both, AppliesTo(kind.value))

    def can_manage(self, user) -> bool:
        if not is_hr(user):
            return False
        if self.org_unit_id is None:
            return user.org_unit.parent_id is None
        return within(self.org_unit, user.org_unit)


class ReviewPeriod(db.Model):
    __tablename__ = "review_period"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "org_unit_id", "kind", name="uq_review_period_campaign_unit_kind"),
        sa.CheckConstraint("state <> 'closed' OR (closed_at IS NOT NULL AND closed_by_id IS NOT NULL)",
                           name="closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    # The organising unit: the review covers its subtree.
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), index=True)
    kind: Mapped[ReviewKind] = mapped_column(_enum(ReviewKind, "review_kind", 10))
    cut_off: Mapped[date] = mapped_column(sa.Date)
    state: Mapped[PeriodState] = mapped_column(_enum(PeriodState, "period_state", 10), default=PeriodState.open)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # The emulation council's meeting, as its minutes print it (HR records it).
    council_held_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    council_place: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="", server_default="")
    council_chair: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="", server_default="")
    council_secretary: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="", server_default="")
    council_attendees: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    campaign: Mapped[Campaign] = relationship()
    org_unit: Mapped[OrgUnit] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="period", order_by="Criterion.position, Criterion.id", cascade="all, delete-orphan")

    @property
    def audit_unit_id(self):
        return self.org_unit_id

    @property
    def is_open(self) -> bool:
        return self.state == PeriodState.open

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        return _visible(cls.org_unit_id, root)

    def scope_root(self, user) -> OrgUnit:
        """The part of the review the user sees: the deeper of its unit and theirs."""
        mine, organiser = user.org_unit, self.org_unit
        return mine if within(mine, organiser) else organiser

    def can_manage(self, user) -> bool:
        return is_hr(user) and within(self.org_unit, user.org_unit)

    def can_close(self, user) -> bool:
        return self.can_manage(user) and PERIOD.allows(self.state, "close")

    def can_nominate(self, user) -> bool:
        return is_hr(user)


class Criterion(db.Model):
    __tablename__ = "review_criterion"
    __table_args__ = (
        sa.UniqueConstraint("period_id", "rule", "metric", "applies_to",
                            name="uq_review_criterion_period_rule_applies"),
        sa.CheckConstraint("threshold IS NULL OR threshold >= 0", name="threshold"),
        sa.CheckConstraint(f"rule NOT IN ({_list(PERCENT_RULES)}) OR threshold <= 100", name="percent"),
        sa.CheckConstraint(f"(rule IN ({_list(THRESHOLD_RULES)})) = (threshold IS NOT NULL)", name="needs_threshold"),
        sa.CheckConstraint(f"rule NOT IN ({_list(COLLECTIVE_ONLY_RULES)}) OR applies_to = 'collective'",
                           name="collective_only"),
        sa.CheckConstraint("(rule = 'figure_at_least') = (metric <> '')", name="metric"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("review_period.id"), index=True)
    rule: Mapped[Rule] = mapped_column(_enum(Rule, "criterion_rule", 40))
    applies_to: Mapped[AppliesTo] = mapped_column(_enum(AppliesTo, "criterion_applies_to", 20))
    threshold: Mapped[float | None] = mapped_column(sa.Numeric(12, 2))
    # The campaign figure of a figure_at_least criterion ("" for the other rules).
    metric: Mapped[str] = mapped_column(sa.String(30), default="", server_default="")
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    period: Mapped[ReviewPeriod] = relationship(back_populates="criteria")

    @property
    def audit_unit_id(self):
        return self.period.org_unit_id

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        return cls.period_id.in_(sa.select(ReviewPeriod.id).where(ReviewPeriod.scope_clause(root)))

    def applies(self, kind: NomineeKind) -> bool:
        return self.applies_to in (AppliesTo.both, AppliesTo(kind.value))


class ReviewFigure(db.Model):
    """The figures of one officer or unit for a period, frozen when it closed, with
    the criteria results and the columns the ranking orders by."""

    __tablename__ = "review_figure"
    __table_args__ = (
        sa.UniqueConstraint("period_id", "subject_key", name="uq_review_figure_period_subject"),
        sa.Index("ix_review_figure_period_kind_rank", "period_id", "kind", "eligible", "passed", "registrations"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("review_period.id"))
    kind: Mapped[NomineeKind] = mapped_column(_enum(NomineeKind, "figure_kind", 20))
    subject_key: Mapped[str] = mapped_column(sa.String(30))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    # The officer's unit when frozen, or the collective itself.
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    figures: Mapped[dict] = mapped_column(sa.JSON)
    results: Mapped[list] = mapped_column(sa.JSON)
    eligible: Mapped[bool] = mapped_column(sa.Boolean)
    passed: Mapped[int] = mapped_column(sa.Integer)
    registrations: Mapped[int] = mapped_column(sa.Integer)
    employers_full: Mapped[int] = mapped_column(sa.Integer)
    visits: Mapped[int] = mapped_column(sa.Integer)
    # The verified visits behind the figures as they were when the review closed:
    # {"months", "top_employers" (with their codes and names), "employers_visited"}.
    breakdown: Mapped[dict | None] = mapped_column(sa.JSON)

    org_unit: Mapped[OrgUnit] = relationship()

    @property
    def audit_unit_id(self):
        return self.org_unit_id

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        from fieldops.org.scope import units_in_scope

        return cls.org_unit_id.in_(units_in_scope(root))


class Nomination(db.Model):
    __tablename__ = "nomination"
    __table_args__ = (
        sa.UniqueConstraint("period_id", "subject_key", name="uq_nomination_period_subject"),
        sa.CheckConstraint("(kind = 'individual') = (user_id IS NOT NULL)", name="subject"),
        sa.CheckConstraint("votes_for IS NULL OR (votes_for >= 0 AND votes_against >= 0 AND votes_abstain >= 0)",
                           name="votes"),
        sa.CheckConstraint("state NOT IN ('approved', 'rejected') OR (votes_for IS NOT NULL AND "
                           "votes_against IS NOT NULL AND votes_abstain IS NOT NULL AND decided_at IS NOT NULL)",
                           name="decision"),
        sa.CheckConstraint("state NOT IN ('endorsed', 'approved', 'rejected') OR endorsed_at IS NOT NULL",
                           name="endorsed"),
        sa.CheckConstraint("state <> 'approved' OR votes_for > votes_against", name="majority"),
        sa.CheckConstraint("state <> 'revoked' OR (revoked_at IS NOT NULL AND revoke_reason <> '' AND "
                           "revoke_decision_number <> '' AND revoke_decision_date IS NOT NULL AND "
                           "votes_for > votes_against)", name="revoked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("review_period.id"), index=True)
    kind: Mapped[NomineeKind] = mapped_column(_enum(NomineeKind, "nominee_kind", 20))
    # "user:12" or "unit:5": one nomination per nominee and period (a withdrawn one
    # gives its key up, see nomination_operations.withdraw).
    subject_key: Mapped[str] = mapped_column(sa.String(40))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), index=True)
    award_title_id: Mapped[int] = mapped_column(sa.ForeignKey("award_title.id"))
    narrative: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[NominationState] = mapped_column(_enum(NominationState, "nomination_state", 20),
                                                  default=NominationState.proposed)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)
    # The unit leader's endorsement (the signed paper, as recorded).
    endorser_name: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    endorsement_note: Mapped[str] = mapped_column(sa.String(NOTE_MAX), default="")
    endorsed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    endorsed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # The emulation council's decision and vote tally.
    votes_for: Mapped[int | None] = mapped_column(sa.Integer)
    votes_against: Mapped[int | None] = mapped_column(sa.Integer)
    votes_abstain: Mapped[int | None] = mapped_column(sa.Integer)
    decision_note: Mapped[str] = mapped_column(sa.String(NOTE_MAX), default="")
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    withdraw_reason: Mapped[str] = mapped_column(sa.String(NOTE_MAX), default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # Why a nominee who fails a criterion is endorsed or approved all the same.
    justification: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    justified_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    justified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # The revocation of an approved award: why, and the decision that revokes it.
    revoke_reason: Mapped[str] = mapped_column(sa.String(NOTE_MAX), default="", server_default="")
    revoke_decision_number: Mapped[str] = mapped_column(sa.String(DECISION_NUMBER_MAX), default="",
                                                        server_default="")
    revoke_decision_date: Mapped[date | None] = mapped_column(sa.Date)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    period: Mapped[ReviewPeriod] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    org_unit: Mapped[OrgUnit] = relationship()
    award_title: Mapped[AwardTitle] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    endorsed_by: Mapped[User | None] = relationship(foreign_keys=[endorsed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    justified_by: Mapped[User | None] = relationship(foreign_keys=[justified_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def audit_unit_id(self):
        return self.org_unit_id

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        from fieldops.org.scope import units_in_scope

        return cls.org_unit_id.in_(units_in_scope(root))

    @property
    def nominee_name(self) -> str:
        return self.user.full_name if self.user is not None else self.org_unit.name

    @property
    def is_decided(self) -> bool:
        return self.state in DECIDED

    @property
    def is_pending(self) -> bool:
        """Still to be endorsed or decided: a nominee failing a criterion will need a justification."""
        return NOMINATION.allows(self.state, "endorse") or NOMINATION.allows(self.state, "approve")

    def can_edit(self, user) -> bool:
        return is_hr(user) and NOMINATION.allows(self.state, "edit")

    def can_endorse(self, user) -> bool:
        return user.role in (Role.hr, Role.supervisor) and NOMINATION.allows(self.state, "endorse")

    def can_decide(self, user) -> bool:
        return (is_hr(user) and NOMINATION.allows(self.state, "approve")
                and NOMINATION.allows(self.state, "reject"))

    def can_withdraw(self, user) -> bool:
        return is_hr(user) and NOMINATION.allows(self.state, "withdraw")

    def can_revoke(self, user) -> bool:
        return is_hr(user) and NOMINATION.allows(self.state, "revoke")


class Dossier(db.Model):
    """One generated PDF for a period and unit, with the snapshot of what it printed."""

    __tablename__ = "dossier"
    __table_args__ = (
        sa.UniqueConstraint("period_id", "org_unit_id", "version", name="uq_dossier_period_unit_version"),
        sa.CheckConstraint("version >= 1", name="version"),
        sa.CheckConstraint("length(snapshot_sha256) = 64", name="sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("review_period.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_unit.id"), index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    status: Mapped[DossierStatus] = mapped_column(_enum(DossierStatus, "dossier_status", 10),
                                                 default=DossierStatus.draft)
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    snapshot_sha256: Mapped[str] = mapped_column(sa.String(64))
    verification_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    nominees: Mapped[int] = mapped_column(sa.Integer, default=0)
    pages: Mapped[int] = mapped_column(sa.Integer, default=0)
    size: Mapped[int] = mapped_column(sa.Integer, default=0)
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    generated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    generated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    finalized_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    printed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    period: Mapped[ReviewPeriod] = relationship()
    org_unit: Mapped[OrgUnit] = relationship()
    generated_by: Mapped[User | None] = relationship()

    # True on the dossier generating gave back: a closed review's unchanged snapshot.
    reused = False

    @property
    def audit_unit_id(self):
        return self.org_unit_id

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        from fieldops.org.scope import units_in_scope

        return cls.org_unit_id.in_(units_in_scope(root))

    def can_mark(self, user, status: DossierStatus) -> bool:
        return is_hr(user) and DOSSIER.allows(self.status, str(status))
