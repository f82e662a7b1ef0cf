"""Criteria against figures: each result says pass or fail and why, in words
(built when shown, in the reader's language, from the plain result kept).

A result is plain data: {"criterion_id", "rule", "threshold" (text or None),
"passed", "value", "detail"} (and "metric" for a campaign figure); `reason(result)` is its sentence, e.g.
"142 registrations assisted; at least 100 required" (in words: the bundled
PDF font has no "≥").

Decisions: follow-ups on time with no follow-up done passes (nothing was late);
coverage with nobody insured fails (nothing to measure); "all targets met"
fails for a unit without targets; a campaign figure (fieldops/reviews/campaign_figures.py)
is met as a target is, and a rate with nothing to measure fails. A nominee is eligible when at least one
criterion applies to it and every one that applies passes.
"""
from decimal import Decimal


from fieldops.core.numbers import exact
from fieldops.core.translations import gettext as _
from fieldops.progress.format import figure
from fieldops.progress.labels import metric_labels
from fieldops.progress.models import Metric
from fieldops.reviews.campaign_figures import FIGURE_METRICS
from fieldops.reviews.models import NomineeKind, Rule


def _dec(value) -> Decimal:
    return Decimal(str(value))


def threshold_text(threshold) -> str | None:
    if threshold is None:
        return None
    value = _dec(threshold)
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value.normalize())


def evaluate(criteria, figures: dict, kind: NomineeKind) -> list:
    """Results of the criteria that apply to a nominee of this kind."""
    out = []
    for criterion in criteria:
        if not criterion.applies(kind):
            continue
        rule, threshold = Rule(criterion.rule), criterion.threshold
        threshold = None if threshold is None else _dec(threshold)
        if rule == Rule.figure_at_least:
            passed, value, detail = _check_figure(criterion.metric, threshold, figures)
        else:
            passed, value, detail = _check(rule, threshold, figures, kind)
        result = {"criterion_id": criterion.id, "rule": rule.value, "threshold": threshold_text(threshold),
                  "passed": passed, "value": value, "detail": detail}
        out.append(result | ({"metric": criterion.metric} if criterion.metric else {}))
    return out


def _check_figure(metric, threshold, f):
    """The targets' status rule: met when the figure reaches the threshold."""
    from fieldops.progress.labels import MET
    from fieldops.progress.scoring import assess

    value = FIGURE_METRICS[Metric(metric)].value(f)
    if value is None:
        return False, None, {}
    shown = round(float(value), 1) if FIGURE_METRICS[Metric(metric)].percent else int(value)
    return assess(value, threshold, 1).status == MET, shown, {}


def _check(rule, threshold, f, kind):
    if rule == Rule.registrations_assisted_at_least:
        return f["registrations"] >= threshold, f["registrations"], {}
    if rule == Rule.coverage_at_least:
        insured, registered = f["coverage_insured"], f["coverage_registered"]
        detail = {"registered": registered, "insured": insured, "employers": f["coverage_employers"],
                  "basis": f.get("coverage_basis", "visited")}
        if not insured:
            return False, None, detail
        return registered * 100 >= threshold * insured, f["coverage"], detail
    if rule == Rule.followups_on_time_at_least:
        done, on_time = f["followups_done"], f["followups_on_time"]
        detail = {"done": done, "on_time": on_time}
        if not done:
            return True, None, detail
        return on_time * 100 >= threshold * done, f["on_time_share"], detail
    if rule == Rule.no_returned_visit_uncorrected:
        return f["returned_uncorrected"] == 0, f["returned_uncorrected"], {}
    if rule == Rule.outreach_verified_at_least:
        # Figures frozen before outreach was counted have none.
        held = f.get("outreach_verified", 0)
        return held >= threshold, held, {}
    # all targets met
    targets = f.get("targets") or []
    missed = [t for t in targets if not t["met"]]
    return bool(targets) and not missed, len(targets) - len(missed), {"targets": targets}


def eligible(results) -> bool:
    return bool(results) and all(r["passed"] for r in results)


def passed_count(results) -> int:
    return sum(1 for r in results if r["passed"])


def failing(results):
    return [r for r in results if not r["passed"]]


def rank_key(item) -> tuple:
    """Better first when sorted in reverse: eligible, criteria passed, registrations
    assisted, employers brought to 100%, visits."""
    f = item["figures"]
    return (item["eligible"], passed_count(item["results"]), f["registrations"], f["employers_full"], f["visits"])


# --- words ---------------------------------------------------------------------------------


def rule_labels():
    from fieldops.core.translations import lazy_gettext as _l

    return {
        Rule.all_targets_met: _l("All targets met by the cut-off"),
        Rule.coverage_at_least: _l("Coverage at least X%"),
        Rule.registrations_assisted_at_least: _l("Registrations assisted at least N"),
        Rule.followups_on_time_at_least: _l("Follow-ups done on time at least X%"),
        Rule.no_returned_visit_uncorrected: _l("No returned visit left uncorrected"),
        Rule.outreach_verified_at_least: _l("Outreach activities held and verified at least N"),
        Rule.figure_at_least: _l("A campaign figure at least X"),
    }


def describe(rule, threshold, metric="") -> str:
    """The criterion as a sentence: "Coverage at least 80%"."""
    rule = Rule(rule)
    t = threshold_text(threshold)
    t = None if t is None else exact(t)
    if rule == Rule.figure_at_least:
        figure_metric = FIGURE_METRICS[Metric(metric)]
        return _("%(figure)s: at least %(x)s%(unit)s", figure=figure_metric.label, x=t,
                 unit="%" if figure_metric.percent else "")
    if rule == Rule.coverage_at_least:
        return _("Coverage at least %(x)s%%", x=t)
    if rule == Rule.registrations_assisted_at_least:
        return _("At least %(n)s registrations assisted", n=t)
    if rule == Rule.followups_on_time_at_least:
        return _("Follow-ups done on time: at least %(x)s%%", x=t)
    if rule == Rule.outreach_verified_at_least:
        return _("At least %(n)s outreach activities held and verified", n=t)
    return str(rule_labels()[rule])


def reason(result) -> str:
    rule, t, value, d = Rule(result["rule"]), result["threshold"], result["value"], result["detail"]
    t = None if t is None else exact(t)
    ok = result["passed"]
    if rule == Rule.figure_at_least:
        figure_metric = FIGURE_METRICS[Metric(result["metric"])]
        unit = "%" if figure_metric.percent else ""
        if value is None:
            return _("%(figure)s: nothing to measure by the cut-off", figure=figure_metric.label)
        args = dict(figure=figure_metric.label, value=figure(value), threshold=t, unit=unit)
        if ok:
            return _("%(figure)s: %(value)s%(unit)s; at least %(threshold)s%(unit)s required", **args)
        return _("%(figure)s: only %(value)s%(unit)s; at least %(threshold)s%(unit)s required", **args)
    if rule == Rule.registrations_assisted_at_least:
        if ok:
            return _("%(value)s registrations assisted; at least %(threshold)s required", value=figure(value),
                     threshold=t)
        return _("Only %(value)s registrations assisted; at least %(threshold)s required", value=figure(value),
                 threshold=t)
    if rule == Rule.coverage_at_least:
        if value is None:
            return _("Nobody insured at the employers in charge: coverage cannot be measured")
        args = dict(value=figure(value), registered=figure(d["registered"]), insured=figure(d["insured"]),
                    employers=figure(d["employers"]), threshold=t)
        if ok:
            return _("Coverage %(value)s%% (%(registered)s of %(insured)s insured at %(employers)s employers); "
                     "at least %(threshold)s%% required", **args)
        return _("Coverage only %(value)s%% (%(registered)s of %(insured)s insured at %(employers)s employers); "
                 "at least %(threshold)s%% required", **args)
    if rule == Rule.followups_on_time_at_least:
        if value is None:
            return _("No follow-up done by the cut-off: none was late")
        args = dict(on_time=figure(d["on_time"]), done=figure(d["done"]), value=figure(value), threshold=t)
        if ok:
            return _("%(on_time)s of %(done)s follow-ups done on time (%(value)s%%); at least %(threshold)s%% "
                     "required", **args)
        return _("Only %(on_time)s of %(done)s follow-ups done on time (%(value)s%%); at least %(threshold)s%% "
                 "required", **args)
    if rule == Rule.outreach_verified_at_least:
        if ok:
            return _("%(value)s outreach activities held and verified; at least %(threshold)s required",
                     value=figure(value), threshold=t)
        return _("Only %(value)s outreach activities held and verified; at least %(threshold)s required",
                 value=figure(value), threshold=t)
    if rule == Rule.no_returned_visit_uncorrected:
        if ok:
            return _("No returned visit left uncorrected")
        return _("%(n)s returned visits not yet corrected", n=figure(value))
    targets = d.get("targets") or []
    if not targets:
        return _("No targets set for this unit")
    if ok:
        return _("All %(n)s targets met by the cut-off", n=len(targets))
    labels = metric_labels()
    missed = "; ".join(f"{labels[Metric(x['metric'])]}: {figure(x['achieved'])} / {figure(x['target'])}"
                       for x in targets if not x["met"])
    return _("%(missed)s of %(n)s targets not met: %(list)s", missed=len([x for x in targets if not x["met"]]),
             n=len(targets), list=missed)


def annotate(results) -> list:
    """Results with their criterion and reason in words (for pages and documents)."""
    return [r | {"criterion": describe(r["rule"], r["threshold"], r.get("metric", "")), "reason": reason(r)}
            for r in results]
