"""Outreach in a unit's progress report (fieldops/progress/dashboard.py): its
figures (fieldops/outreach/figures.py) with a chart, the rows it adds to the summary and its own table in the
exports and the printed report. Registrations on the spot stand beside the
funnel's figures, never added to them."""

from fieldops.core.exporting import percent
from fieldops.core.translations import gettext as _
from fieldops.outreach.figures import unit_outreach
from fieldops.progress.charts import category_bars
from fieldops.progress.format import figure, pct


def as_report(unit, start, as_of) -> dict:
    out = unit_outreach(unit, start, as_of)
    if out["by_kind"]:
        out["chart"] = category_bars([(r["label"], r["held"]) for r in out["by_kind"]],
                                     title=_("Outreach activities held, by kind"))
        out["chart_table"] = [[r["label"], figure(r["held"]), figure(r["people"]), figure(r["registrations"]),
                               pct(r["per_100"])] for r in out["by_kind"]]
    return out


def summary_rows(report) -> list:
    """[figure, value, verified share] rows for the summary table."""
    outreach = report.get("outreach")
    if not outreach:
        return []
    total = outreach["total"]
    return [[_("Outreach activities held"), total["held"], percent(total["verified_share"])],
            [_("People reached by outreach"), total["people"], None],
            [_("Registrations on the spot (outreach contacts, not added to the figures above)"),
             total["registrations"], None],
            [_("Registrations per 100 people reached"), total["per_100"], None]]


def table(report):
    """The outreach table: by kind, then by group (an activity for two groups counts in both)."""
    header = [_("Kind of activity or group"), _("Activities held"), _("Of them verified"), _("People reached"),
              _("Registrations on the spot"), _("Registrations per 100 people reached")]
    outreach = report.get("outreach")
    if not outreach or not outreach["total"]["held"]:
        return header, []
    rows = [[r["label"], r["held"], r["verified"], r["people"], r["registrations"], r["per_100"]]
            for r in (*outreach["by_kind"], outreach["total"], *outreach["by_group"])]
    if outreach["plan"]:
        rows += [[], [_("Planned in the period, by kind and group: %(planned)s; held where planned: %(held)s (an "
                        "activity aimed at two groups counts for each).",
                        planned=figure(outreach["plan_total"]), held=figure(outreach["plan_held"]))]]
    return header, rows
