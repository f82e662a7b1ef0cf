"""The input rules of a visit's figures (DESIGN.md "Rules for input"), defined once:
the form (forms.py) applies them on the server, and `for_browser()` serves the same
definition to the tablet (visit_rules.js), so a visit typed offline is checked as
the server will check it. tests/browser/test_visit_rules.py proves they agree."""

from fieldops.core.numbers import figure
from fieldops.core.translations import lazy_gettext as _l
from fieldops.visits.models import MAX_COUNT

# Patterns that Python's re and JavaScript's RegExp read alike ([0-9], not \d: Python's
# \d also takes other scripts' digits).
WHOLE = r"^[+-]?[0-9]+$"
FRACTION = r"^[+-]?[0-9]*[.,][0-9]+$"

TYPED_MAX = 40  # characters of a count kept and checked (a longer one is cut, then checked)
COUNTS = ("insured", "registered", "active", "newly_registered")

# (field, the field it cannot exceed, message): each checked when both are whole numbers.
AT_MOST = (
    ("registered", "insured", _l("Registered cannot be more than insured (%(n)s).")),
    ("active", "registered", _l("Active cannot be more than registered (%(n)s).")),
    ("newly_registered", "registered", _l("Newly registered cannot be more than registered (%(n)s).")),
)


def count_messages() -> dict:
    """Why a typed count is not a count, by case."""
    return {
        "empty": _l("Enter a number."),
        "negative": _l("Enter 0 or more."),
        "too_big": _l("Enter at most %(max)s.", max=figure(MAX_COUNT)),
        "fraction": _l("Enter a whole number, without decimals."),
        "not_whole": _l("Enter a whole number, such as 12."),
    }


def date_messages() -> dict:
    return {
        "missing": _l("Enter the date of the visit."),
        "format": _l("Enter the date as dd/mm/yyyy."),
        "future": _l("The visit date cannot be in the future."),
        # %(date)s: the counting-from date, dd/mm/yyyy
        "early": _l("The visit date cannot be before %(date)s, when the campaign starts counting."),
    }


def for_browser(earliest_date=None) -> dict:
    """The rules as JSON for visit_rules.js, messages in the user's language."""
    return {
        "max_count": MAX_COUNT,
        "typed_max": TYPED_MAX,
        "whole": WHOLE,
        "fraction": FRACTION,
        "counts": list(COUNTS),
        "at_most": [[name, limit, str(message)] for name, limit, message in AT_MOST],
        "count_messages": {case: str(message) for case, message in count_messages().items()},
        "date_messages": {case: str(message) for case, message in date_messages().items()},
        "earliest_date": earliest_date.isoformat() if earliest_date else None,
        # Today is the agency's day (Asia/Ho_Chi_Minh, no daylight saving), whatever the tablet's zone.
        "utc_offset_minutes": 7 * 60,
    }
