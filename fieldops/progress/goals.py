"""Goals at a glance: the cards at the top of every dashboard, one per target of
the unit, the campaign's headline first, each with what was achieved, the
target, the gap, the share of the target, the status against the schedule and
the change since the previous period of the same kind."""
from datetime import date, timedelta
from fractions import Fraction

from fieldops.core.numbers import target_figure
from fieldops.progress.labels import comparison_labels, metric_labels, status_labels
from fieldops.progress.models import HEADLINE_METRICS, PERCENT_METRICS
from fieldops.progress.periods import Period
from fieldops.progress.scoring import as_number, as_percent


def previous_as_of(period: Period, as_of: date, counts_from: date) -> date | None:
    """The last day of the previous period of the same kind (the month, quarter
    or year before; for the campaign to date or an as-of date, the end of the
    month before), or None when it falls before the campaign counts."""
    if period.kind in ("month", "quarter", "year"):
        day = period.start - timedelta(days=1)
        if period.kind == "year":
            day = date(period.start.year - 1, 12, 31)
    else:
        day = as_of.replace(day=1) - timedelta(days=1)
    return day if day >= counts_from else None


def headline_metric(assessments):
    """The first metric with a target among the headline figures, in order."""
    for metric in HEADLINE_METRICS:
        if metric in assessments and assessments[metric].target is not None:
            return metric
    return None


def goal_cards(assessments: dict, previous: dict | None) -> list[dict]:
    """[card] for each metric with a target, the headline first. previous:
    {metric: Assessment} as of the previous period's end, or None."""
    labels, statuses, comparisons = metric_labels(), status_labels(), comparison_labels()
    headline = headline_metric(assessments)
    order = sorted((m for m, a in assessments.items() if a.target is not None),
                   key=lambda m: (m != headline, list(assessments).index(m)))
    cards = []
    for metric in order:
        a = assessments[metric]
        percent = metric in PERCENT_METRICS
        digits = 1 if percent else 0
        before = previous.get(metric) if previous else None
        change = None
        if before is not None and before.achieved is not None and a.achieved is not None:
            change = as_number(a.achieved - before.achieved, digits)
        progress = as_percent(a.progress)
        cards.append({
            "metric": metric.value, "label": str(labels[metric]), "headline": metric == headline,
            "percent": percent, "comparison": a.comparison.value,
            "comparison_label": str(comparisons[a.comparison]),
            "achieved": as_number(a.achieved, digits), "target": as_number(a.target, 2),
            "gap": as_number(a.gap(Fraction(1, 10) if percent else 1), digits), "expected": as_number(a.expected, digits),
            "progress": progress, "bar": min(progress or 0, 100), "status": a.status,
            "status_label": str(statuses[a.status]), "change": change, "change_text": _signed(change, percent),
        })
    return cards


def _signed(change, percent) -> str | None:
    if change is None:
        return None
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    return sign + target_figure(abs(change), percent)
