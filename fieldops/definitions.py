"""What every figure means, in one place (DESIGN.md, "Meaning of the numbers").

Pure functions over plain values, no I/O: the timeline, the dashboards, the
officer's work, the review's evaluation, the exports and the templates all
call these, so a newcomer reads here what "coverage" or "met" means.

- The funnel of a group of people: insured → registered (account approved on
  the app) → active (installed and using it). Each step keeps a count, the
  people lost before it and its share of the step above.
- Coverage = Σ registered ÷ Σ insured, in percent; shown with one decimal
  (halves up), and "100,0%" only when everyone is registered.
- An employer (or department) is "at 100%" when registered = insured > 0; it
  was "brought to 100%" in a period when it is at 100% at the end and was not
  at the start.
- A department's current figures are those of its latest counting visit line,
  in the order of `line_order` (visit date, then the latest submission of the
  figures, then the visit's id).
- A department counts in every figure on the days of its life (`counts_on`):
  from the day it starts (a part of a split or a merge; always, for the others)
  to the day before it is retired, split or merged. Its history stays; figures
  before that day do not change.
- A target is "at least" or "more than" its value. One status rule serves every
  table, ranking, leaderboard and criterion: met when the achieved value
  reaches the target by its comparison; on track when it reaches, by the same
  comparison, what the straight line from the counting-from date expects by the
  as-of day; behind otherwise.
"""
import enum
from decimal import ROUND_HALF_UP, Decimal
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction


# --- shares and coverage -------------------------------------------------------------------


def share(part, whole) -> float | None:
    """part ÷ whole in percent; None when there is no whole."""
    return None if not whole else 100.0 * part / whole


def coverage(registered, insured) -> float | None:
    """Σ registered ÷ Σ insured in percent; None when nobody is insured."""
    return share(registered, insured)


def shown_percent(value) -> float | None:
    """The one rounding users see for a percentage: one decimal, halves up; a
    share short of 100% never shows as 100,0% (99,96% shows as 99,9%)."""
    if value is None:
        return None
    shown = float(Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return 99.9 if shown >= 100 > value else shown


def is_full(insured, registered) -> bool:
    """At 100%: everyone insured is registered, and someone is insured."""
    return insured > 0 and registered == insured


def brought_to_full(before, after) -> bool:
    """Brought to 100% over a period: (insured, registered) at its start and end."""
    return is_full(*after) and not is_full(*before)


# --- the funnel ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    """insured → registered and approved → installed and using (active)."""

    insured: int
    registered: int
    active: int

    @property
    def unregistered(self) -> int:
        return self.insured - self.registered

    @property
    def not_using(self) -> int:
        """Registered but not (yet) using the app: lost between the second and third step."""
        return self.registered - self.active

    @property
    def registered_share(self):
        return share(self.registered, self.insured)

    @property
    def active_share(self):
        """Of the registered, the share using the app."""
        return share(self.active, self.registered)

    @property
    def active_of_insured(self):
        return share(self.active, self.insured)

    def steps(self):
        """[(step, count, lost before it, share of the step above)] in funnel order."""
        return [
            ("insured", self.insured, None, None),
            ("registered", self.registered, self.unregistered, self.registered_share),
            ("active", self.active, self.not_using, self.active_share),
        ]

    def as_dict(self) -> dict:
        return {"insured": self.insured, "registered": self.registered, "active": self.active,
                "unregistered": self.unregistered, "not_using": self.not_using,
                "registered_share": self.registered_share, "active_share": self.active_share,
                "active_of_insured": self.active_of_insured}


# --- the order of visit lines --------------------------------------------------------------


def line_order(visit_date: date, submitted_at: datetime | None, visit_id: int):
    """The key that orders a department's visit lines: the latest is current."""
    return (visit_date, submitted_at or datetime.min, visit_id)


# --- a department's life ------------------------------------------------------------------


def counts_on(day, starts_on=None, retired_on=None) -> bool:
    """Does a department count on `day`? From `starts_on` (None: always) to the
    day before `retired_on` (None: still counts). Dates or day ordinals alike."""
    return (starts_on is None or starts_on <= day) and (retired_on is None or day < retired_on)


# --- targets and their status --------------------------------------------------------------


class Comparison(enum.StrEnum):
    at_least = "at_least"  # met when achieved ≥ target
    more_than = "more_than"  # met when achieved > target ("over 35 million")


MET, ON_TRACK, BEHIND, NO_TARGET = "met", "on_track", "behind", "no_target"
STATUS_ORDER = (BEHIND, ON_TRACK, MET)  # worst first


def reaches(value, target, comparison=Comparison.at_least) -> bool:
    return value > target if comparison == Comparison.more_than else value >= target


def elapsed_share(counts_from: date, ends_on: date, as_of: date) -> Fraction:
    """The straight line's share of the campaign elapsed by `as_of` (in days, both ends counted)."""
    total = (ends_on - counts_from).days + 1
    done = (as_of - counts_from).days + 1
    return Fraction(min(max(done, 0), total), total)


def status(achieved, target, expected, comparison=Comparison.at_least) -> str:
    """The one status rule: met, on track (reaches what the schedule expects by now) or behind."""
    if target is None:
        return NO_TARGET
    value = achieved if achieved is not None else 0
    if reaches(value, target, comparison):
        return MET
    return ON_TRACK if reaches(value, expected, comparison) else BEHIND


def officer_share(target, officers: int) -> Fraction | None:
    """An officer's share of their unit's target: the target split evenly among the
    unit's officers (None when it has none)."""
    return Fraction(target) / officers if target is not None and officers else None


def worst_status(statuses) -> str:
    """A unit's overall status: the worst among its metrics with a target."""
    found = [s for s in statuses if s in STATUS_ORDER]
    return min(found, key=STATUS_ORDER.index) if found else NO_TARGET


def gap(achieved, target, comparison=Comparison.at_least, step=1):
    """What is still missing to meet the target (0 once met): for "more than", up
    to the first value above it (`step` on: one person, or 0,1 of a percent)."""
    if target is None:
        return None
    value = achieved if achieved is not None else 0
    if reaches(value, target, comparison):
        return 0
    return target - value + (step if comparison == Comparison.more_than else 0)
