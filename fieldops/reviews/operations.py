"""State changes of reviews. Each checks who may act and the state, takes its
step on the tables of fieldops/reviews/models.py through fieldops/core/states.py
(a conditional UPDATE, so that of two people acting at once exactly one
succeeds, and its audit event) and flushes; the view (or the command, or the
job) commits once. Here: the error they raise, periods, criteria and the
marking of dossiers; nominations are in fieldops/reviews/nomination_operations.py,
awards after the council's decision in fieldops/reviews/award_operations.py,
generating a dossier in fieldops/reviews/dossier.py.
"""
from decimal import Decimal

import sqlalchemy as sa

from fieldops.audit.operations import record
from fieldops.auth.models import Role
from fieldops.core.errors import OperationError
from fieldops.core.states import Refused, Stale, move
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import UnitLevel
from fieldops.reviews import criteria as rules
from fieldops.reviews import standings
from fieldops.reviews.evaluation import Basis
from fieldops.reviews.models import (
    COLLECTIVE_ONLY_RULES, DECISION_NUMBER_MAX, JUSTIFICATION_MAX, NAME_MAX, NARRATIVE_MAX, NOTE_MAX, PERCENT_RULES,
    THRESHOLD_RULES, MAX_COUNT_THRESHOLD, DOSSIER, PERIOD, AppliesTo, Criterion, Dossier, DossierStatus, NomineeKind,
    PeriodState, ReviewFigure, ReviewKind, ReviewPeriod, Rule, within,
)
from fieldops.timeutil import local_today, utcnow


class ReviewError(OperationError):
    """Why a change of a review was refused (fieldops/core/errors.py); `values`: what
    its message names."""

    CONFLICTS = frozenset({"already_closed", "changed", "already_nominated", "exists", "state", "already_revoked"})

    def __init__(self, reason, field=None, **values):
        super().__init__(reason, field)
        self.values = values

    def messages(self) -> dict:
        v = self.values
        return {
            "not_allowed": _("You may not do this."),
            "already_closed": _("This review is already closed; nothing was changed."),
            "closed": _("This review is closed: its criteria and figures are frozen."),
            "not_yet": _("The cut-off date has not passed yet: close the review after it."),
            "cutoff_outside": _("Choose a cut-off date within the campaign (%(start)s – %(end)s).",
                                start=v.get("start", ""), end=v.get("end", "")),
            "cutoff_order": _("The interim review's cut-off must come before the final review's."),
            "exists": _("This unit already has a review of this kind for the campaign."),
            "unit_out_of_scope": _("Choose a unit of your area."),
            "threshold_required": _("Give a threshold for this rule."),
            "threshold_negative": _("A threshold cannot be negative."),
            "threshold_percent": _("A percentage cannot be over 100."),
            "threshold_whole": _("Give a whole number."),
            "threshold_too_large": _("This threshold is too large."),
            "collective_only": _("Officers have no targets: this rule applies to collectives only."),
            "criterion_exists": _("This rule is already set for these nominees."),
            "outside_review": _("This nominee is outside the area of this review."),
            "not_an_officer": _("Only officers can be nominated as individuals."),
            "not_a_collective": _("This unit cannot be nominated in this review."),
            "already_nominated": _("This nominee already has a nomination in this review."),
            "title_unfit": _("Choose a title for this kind of nominee."),
            "narrative_too_long": _("The report is too long (at most %(max)s characters).", max=NARRATIVE_MAX),
            "endorser_required": _("Give the name of the leader who endorsed it."),
            "no_votes": _("Record the council's votes."),
            "too_many_votes": _("These vote counts are not plausible."),
            "majority": _("An approval needs more votes for than against."),
            "reason_required": _("Give a reason."),
            "changed": _("Someone changed this meanwhile. Look at it again and retry."),
            "state": _("This cannot be done in the current state."),
            "title_name": _("Give the title's name."),
            "title_exists": _("This title is already in the list."),
            "justification_required": _("This nominee fails a criterion: write why they are proposed all the same."),
            "justification_too_long": _("The justification is too long (at most %(max)s characters).",
                                        max=JUSTIFICATION_MAX),
            "metric_required": _("Choose the campaign figure of this criterion."),
            "revoke_reason_required": _("Give the reason for revoking the award."),
            "decision_number_required": _("Give the number of the decision that revokes the award."),
            "decision_number_too_long": _("A decision number has at most %(max)s characters.",
                                          max=DECISION_NUMBER_MAX),
            "decision_date_required": _("Give the date of the decision that revokes the award."),
            "decision_date_invalid": _("The decision cannot be dated before the award or in the future."),
            "already_revoked": _("This award is already revoked."),
            "reason_too_long": _("The reason is too long (at most %(max)s characters).", max=NOTE_MAX),
            "text_too_long": _("This text is too long."),
            "too_many": _("A dossier holds at most %(limit)s nominees: generate one for each unit below.",
                          limit=v.get("limit", "")),
        }


def take_step(machine, obj, action, values, *, actor, refusal="changed", **options):
    """`action` on `obj` as `machine` says (fieldops/core/states.py), audited. When
    the row moved meanwhile, ReviewError(`refusal`, or `refusal(obj)`), `obj` then
    showing the row as it now is."""
    try:
        return move(machine, obj, action, values, actor=actor, **options)
    except (Refused, Stale):
        raise ReviewError(refusal(obj) if callable(refusal) else refusal) from None


def _clean(text, limit=None):
    text = (text or "").replace("\r\n", "\n").strip()
    return text if limit is None else text[:limit]


# --- periods -------------------------------------------------------------------------------


def period_snapshot(p: ReviewPeriod) -> dict:
    return {"campaign_id": p.campaign_id, "org_unit_id": p.org_unit_id, "kind": str(p.kind),
            "cut_off": p.cut_off.isoformat(), "state": str(p.state)}


def _check_cut_off(campaign, unit_id, kind, cut_off, ignore_id=None):
    if not campaign.starts_on <= cut_off <= campaign.ends_on:
        raise ReviewError("cutoff_outside", "cut_off", start=campaign.starts_on.strftime("%d/%m/%Y"),
                          end=campaign.ends_on.strftime("%d/%m/%Y"))
    other_kind = ReviewKind.final if kind == ReviewKind.interim else ReviewKind.interim
    other = db.session.scalars(sa.select(ReviewPeriod).where(
        ReviewPeriod.campaign_id == campaign.id, ReviewPeriod.org_unit_id == unit_id,
        ReviewPeriod.kind == other_kind, ReviewPeriod.id != (ignore_id or 0))).first()
    if other is not None and ((kind == ReviewKind.interim and cut_off >= other.cut_off)
                              or (kind == ReviewKind.final and cut_off <= other.cut_off)):
        raise ReviewError("cutoff_order", "cut_off")


def create_period(actor, campaign, unit, kind, cut_off, now=None) -> ReviewPeriod:
    if actor.role != Role.hr:
        raise ReviewError("not_allowed")
    if not within(unit, actor.org_unit) or unit.level == UnitLevel.team:
        raise ReviewError("unit_out_of_scope", "org_unit_id")
    kind = ReviewKind(kind)
    _check_cut_off(campaign, unit.id, kind, cut_off)
    if db.session.scalars(sa.select(ReviewPeriod.id).where(
            ReviewPeriod.campaign_id == campaign.id, ReviewPeriod.org_unit_id == unit.id,
            ReviewPeriod.kind == kind)).first() is not None:
        raise ReviewError("exists", "kind")
    period = ReviewPeriod(campaign_id=campaign.id, org_unit_id=unit.id, kind=kind, cut_off=cut_off,
                          state=PeriodState.open, created_by_id=actor.id, created_at=now or utcnow())
    db.session.add(period)
    db.session.flush()
    record("review_period.create", actor=actor, obj=period, after=period_snapshot(period))
    return period


def change_cut_off(actor, period, cut_off) -> None:
    if not period.can_manage(actor):
        raise ReviewError("not_allowed")
    if not period.is_open:
        raise ReviewError("closed", "cut_off")
    _check_cut_off(period.campaign, period.org_unit_id, period.kind, cut_off, ignore_id=period.id)
    before = period_snapshot(period)
    period.cut_off = cut_off
    db.session.flush()
    record("review_period.edit", actor=actor, obj=period, before=before, after=period_snapshot(period))


def close_period(actor, period: ReviewPeriod, now=None, report=None, today=None) -> int:
    """Open → closed: every officer's and collective's figures and criteria results
    of the review's area are evaluated once more and frozen. Returns how many."""
    if not period.can_manage(actor):
        raise ReviewError("not_allowed")
    if not PERIOD.allows(period.state, "close"):
        raise ReviewError("already_closed")
    if period.cut_off >= (today or local_today()):
        raise ReviewError("not_yet")
    now = now or utcnow()
    before = period_snapshot(period)
    # Evaluate first, then write: the job worker's progress reports go on their own
    # connection, which a writer would hold up on SQLite.
    if report:
        report(5, "evaluating")
    basis = Basis(period.campaign.counts_from, period.cut_off, now)
    items = standings.live(period, period.org_unit, basis=basis)
    if report:
        report(60, "visits")
    breakdowns = _breakdowns(items, basis)
    if report:
        report(80, "freezing")
    eligible = sum(1 for i in items if i["eligible"])
    take_step(PERIOD, period, "close", {"closed_at": now, "closed_by_id": actor.id}, actor=actor,
              refusal="already_closed", before=before, now=now,
              after=lambda closed: period_snapshot(closed) | {"frozen": len(items), "eligible": eligible})
    rows = [{"period_id": period.id, "kind": NomineeKind(i["kind"]), "subject_key": i["key"],
             "user_id": i["id"] if i["kind"] == NomineeKind.individual else None, "org_unit_id": i["unit_id"],
             "name": i["name"][:NAME_MAX], "figures": i["figures"], "results": i["results"],
             "eligible": i["eligible"], "passed": rules.passed_count(i["results"]),
             "registrations": i["figures"]["registrations"], "employers_full": i["figures"]["employers_full"],
             "visits": i["figures"]["visits"], "breakdown": breakdowns[i["key"]]} for i in items]
    for start in range(0, len(rows), 1000):
        db.session.execute(sa.insert(ReviewFigure), rows[start:start + 1000])
    db.session.flush()
    return len(rows)


def _breakdowns(items, basis) -> dict:
    """{key: the verified visits behind each item's figures (per month, top employers)}:
    what a dossier of the closed review prints beside its figures."""
    from fieldops.reviews.dossier import officers_of_units, visit_summaries

    units = officers_of_units([i["id"] for i in items if i["kind"] == NomineeKind.collective])
    return visit_summaries(basis, {i["key"]: [i["id"]] if i["kind"] == NomineeKind.individual
                                   else units.get(i["id"], []) for i in items})


# --- criteria ---------------------------------------------------------------------------------


def check_threshold(rule: Rule, threshold, metric=""):
    """The threshold as kept, or ReviewError: none for rules without, ≥ 0, ≤ 100 for %, whole for counts."""
    if rule not in THRESHOLD_RULES:
        return None
    percent = rule in PERCENT_RULES or (rule == Rule.figure_at_least and rules.FIGURE_METRICS[metric].percent)
    if threshold is None:
        raise ReviewError("threshold_required", "threshold")
    threshold = Decimal(str(threshold))
    if not threshold.is_finite():
        raise ReviewError("threshold_too_large", "threshold")
    if threshold < 0:
        raise ReviewError("threshold_negative", "threshold")
    if percent and threshold > 100:
        raise ReviewError("threshold_percent", "threshold")
    if not percent:
        if threshold != int(threshold):
            raise ReviewError("threshold_whole", "threshold")
        if threshold > MAX_COUNT_THRESHOLD:
            raise ReviewError("threshold_too_large", "threshold")
    return threshold.quantize(Decimal("0.01"))


def add_criterion(actor, period, rule, applies_to, threshold, metric="") -> Criterion:
    """`metric`: the campaign figure of a figure_at_least rule (a key of criteria.FIGURE_METRICS)."""
    if not period.can_manage(actor):
        raise ReviewError("not_allowed")
    if not period.is_open:
        raise ReviewError("closed")
    rule, applies_to = Rule(rule), AppliesTo(applies_to)
    if rule in COLLECTIVE_ONLY_RULES and applies_to != AppliesTo.collective:
        raise ReviewError("collective_only", "applies_to")
    metric = (metric or "") if rule == Rule.figure_at_least else ""
    if rule == Rule.figure_at_least and metric not in rules.FIGURE_METRICS:
        raise ReviewError("metric_required", "metric")
    threshold = check_threshold(rule, threshold, metric)
    if any(c.rule == rule and c.metric == metric and c.applies_to == applies_to for c in period.criteria):
        raise ReviewError("criterion_exists", "rule")
    criterion = Criterion(period=period, rule=rule, metric=metric, applies_to=applies_to, threshold=threshold,
                          position=len(period.criteria))
    db.session.add(criterion)
    db.session.flush()
    record("review_criterion.create", actor=actor, obj=criterion,
           after={"period_id": period.id, "rule": rule.value, "applies_to": applies_to.value,
                  "threshold": rules.threshold_text(threshold)} | ({"metric": metric} if metric else {}))
    return criterion


def delete_criterion(actor, criterion) -> None:
    period = criterion.period
    if not period.can_manage(actor):
        raise ReviewError("not_allowed")
    if not period.is_open:
        raise ReviewError("closed")
    record("review_criterion.delete", actor=actor, obj=criterion,
           before={"period_id": period.id, "rule": str(criterion.rule), "applies_to": str(criterion.applies_to),
                   "threshold": rules.threshold_text(criterion.threshold), "metric": criterion.metric})
    period.criteria.remove(criterion)
    db.session.flush()


# --- dossiers -----------------------------------------------------------------------------------


def mark_dossier(actor, dossier: Dossier, status, now=None) -> None:
    """draft → final → printed."""
    status = DossierStatus(status)
    if not dossier.can_mark(actor, status):
        raise ReviewError("state")
    now = now or utcnow()
    stamp = {"finalized_at": now} if status == DossierStatus.final else {"printed_at": now}
    take_step(DOSSIER, dossier, status.value, stamp, actor=actor, column="status",
              after={"code": dossier.verification_code}, now=now)
