"""An officer's figures against their unit's targets ("My progress"): for each
figure of an officer's own work that a unit can be given a target for (visits
made, employers brought to 100%), the nearest unit above the officer (their own
first) with such a target, the officer's share of it (`definitions.officer_share`),
what they achieved in the campaign to date, the gap, the share of the target and
the status against the schedule (`scoring.assess`: the one status rule); and their
visits by month against the schedule of their share, as a chart."""
from datetime import date


from fieldops import definitions
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.progress import scoring
from fieldops.progress.charts import line_chart
from fieldops.progress.dashboard import resolve_period, targets_of
from fieldops.progress.format import figure
from fieldops.progress.models import Metric
from fieldops.progress.work import officers_counted, officers_work, visits_by_day

# A unit's metric → the officer's figure (fieldops/progress/work.py `Work`) that adds up to it.
OFFICER_FIGURES = {Metric.visits: "visits", Metric.employers_full: "employers_full"}


def _nearest_targets(person, campaign):
    """{metric: (unit, value, comparison)}: the nearest unit above the officer with a target for it."""
    ids = person.org_unit.ancestor_ids
    targets = targets_of(campaign, ids)
    found = {}
    for metric in OFFICER_FIGURES:
        unit_id = next((unit_id for unit_id in reversed(ids) if (unit_id, metric) in targets), None)
        if unit_id is not None:
            found[metric] = (db.session.get(OrgUnit, unit_id), *targets[(unit_id, metric)])
    return found


def officer_targets(person, campaign, as_of: date, work=None) -> list[dict]:
    """One row per figure whose unit has a target, campaign to date as of `as_of`;
    `work`: the officer's Work over that span when the caller has it already."""
    if work is None:
        work = officers_work([person.id], campaign.counts_from, as_of)[person.id]
    elapsed = scoring.elapsed_share(campaign, as_of)
    rows = []
    for metric, (unit, value, comparison) in _nearest_targets(person, campaign).items():
        officers = officers_counted(unit)
        share = definitions.officer_share(value, officers)
        assessment = scoring.assess(getattr(work, OFFICER_FIGURES[metric]), share, elapsed, comparison)
        rows.append({
            "metric": metric, "unit": unit, "unit_target": value, "comparison": assessment.comparison,
            "officers": officers,
            "share": scoring.as_number(assessment.target), "achieved": scoring.as_number(assessment.achieved),
            "expected": scoring.as_number(assessment.expected), "gap": scoring.as_number(assessment.gap()),
            "percent": scoring.as_percent(assessment.progress), "status": assessment.status,
        })
    return rows


def visits_by_month(person, campaign, as_of: date, share=None):
    """(chart, table rows): the officer's visits in the campaign to date at each month's
    end, with what the schedule expects of their share of the visits target, if any."""
    ends = resolve_period("campaign", campaign, as_of).month_ends(as_of)
    by_day = visits_by_day(person.id, campaign.counts_from, as_of)
    points, expected = [], []
    for end in ends:
        points.append((end.strftime("%m/%y"), sum(n for day, n in by_day if day <= end)))
        if share is not None:
            expected.append(float(share * scoring.elapsed_share(campaign, end)))
    chart = line_chart(points, title=_("Visits by month, campaign to date"), unit="", expected=expected or None)
    table = [[label, figure(value), figure(round(planned)) if expected else "—"]
             for (label, value), planned in zip(points, expected or [None] * len(points))]
    return chart, table
