"""Targets against what was achieved: the status, the progress, the ranking.

The status rule is fieldops/definitions.py's `status` (met by the target's
comparison, on track against the straight line from the counting-from date,
behind otherwise); here it is applied in exact arithmetic.

Arithmetic is exact (fractions), so two units with the same progress share a
rank, whatever the rounding shown.
"""
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from fieldops import definitions
from fieldops.definitions import NO_TARGET, Comparison


def elapsed_share(campaign, as_of: date) -> Fraction:
    return definitions.elapsed_share(campaign.counts_from, campaign.ends_on, as_of)


def exact(value) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, Fraction):
        return value
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


@dataclass
class Assessment:
    target: Fraction | None
    achieved: Fraction | None
    expected: Fraction | None
    status: str
    comparison: Comparison = Comparison.at_least

    def gap(self, step=1) -> Fraction | None:
        return definitions.gap(self.achieved, self.target, self.comparison, step)

    @property
    def progress(self) -> Fraction | None:
        """achieved ÷ target; a target of 0 is reached by anything."""
        if self.target is None or self.achieved is None:
            return None
        return Fraction(1) if self.target == 0 else self.achieved / self.target


def assess(achieved, target, share: Fraction, comparison=Comparison.at_least) -> Assessment:
    target, achieved = exact(target), exact(achieved)
    if target is None:
        return Assessment(None, achieved, None, NO_TARGET)
    expected = target * share
    comparison = Comparison(comparison or Comparison.at_least)
    return Assessment(target, achieved, expected, definitions.status(achieved, target, expected, comparison),
                      comparison)


def overall_progress(assessments) -> Fraction | None:
    """Mean of achieved ÷ target over the metrics with a target, each counted up to 100%."""
    ratios = [min(a.progress, Fraction(1)) for a in assessments if a.progress is not None]
    return sum(ratios, Fraction(0)) / len(ratios) if ratios else None


def competition_ranks(items, key):
    """[(rank, item)] best first; equal keys share a rank and the next rank skips
    (1, 2, 2, 4). Items whose key is None come last, unranked. The key is
    computed once per item (it may be exact arithmetic over many figures)."""
    keyed = [(key(i), i) for i in items]
    ranked = sorted((pair for pair in keyed if pair[0] is not None), key=lambda pair: pair[0], reverse=True)
    out = []
    for position, (value, item) in enumerate(ranked):
        if position and value == ranked[position - 1][0]:
            out.append((out[-1][0], item))
        else:
            out.append((position + 1, item))
    return out + [(None, i) for value, i in keyed if value is None]


def as_number(value: Fraction | None, digits=1):
    """A plain number for display and export: an int when whole, else a rounded float."""
    if value is None:
        return None
    if value.denominator == 1:
        return int(value)
    return round(float(value), digits)


def as_percent(value: Fraction | None, digits=1):
    return None if value is None else round(float(value * 100), digits)
