"""What users read for the progress enums, in their language."""

from fieldops.core.translations import lazy_gettext as _l
from fieldops.progress.models import Metric

from fieldops.definitions import BEHIND, MET, NO_TARGET, ON_TRACK, Comparison

# Shown instead of a status for a team with no officers in it.
NO_OFFICERS = "no_officers"


def metric_labels():
    return {
        Metric.registered_employer: _l("People registered (employer channel)"),
        Metric.coverage_pct: _l("Coverage (%)"),
        Metric.employers_full: _l("Employers at 100%"),
        Metric.visits: _l("Visits made"),
        Metric.registered_all: _l("People registered, all groups"),
        Metric.new_voluntary_pct: _l("New voluntary participants registered (%)"),
        Metric.active_employer: _l("People using the app (employer channel)"),
        Metric.active_all: _l("People using the app, all groups"),
    }


def comparison_labels():
    return {Comparison.at_least: _l("at least"), Comparison.more_than: _l("more than")}


def metric_choices():
    return [(m.value, label) for m, label in metric_labels().items()]


def status_labels():
    return {
        MET: _l("Met"),
        ON_TRACK: _l("On track"),
        BEHIND: _l("Behind"),
        NO_TARGET: _l("No target"),
        NO_OFFICERS: _l("No officers"),
    }


def template_globals():
    return {"metric_labels": metric_labels(), "status_labels": status_labels(),
            "comparison_labels": comparison_labels()}
