"""Figures as HTML, for the places a page repeats them: a coverage with its bar on
every row of a list, what a visit changed on every card of the review queue.

They were Jinja macros; a macro call with its filters and strings costs about
0.2 ms, and a review page of twenty cards makes some 66 of them. Written here,
each is one Python call that formats its figures (core/numbers.py, the one format
per language) and escapes every text it is given.
"""
from markupsafe import Markup, escape

from fieldops.core.numbers import figure, pct
from fieldops.core.translations import language_in_force, translations
from fieldops.definitions import coverage


def coverage_percent(insured, registered) -> str:
    """Registered ÷ insured as users see it (the one rounding of fieldops/definitions.py)."""
    return pct(coverage(registered, insured))


def coverage_bar(insured, registered, percent=None) -> Markup:
    """The bar of a coverage, named for screen readers by its percentage (`percent`, when
    the caller has it already)."""
    width = 100 * registered // insured if insured and insured > 0 else 0
    full = " full" if insured and registered >= insured else ""
    percent = coverage_percent(insured, registered) if percent is None else percent
    label = escape(f"{translations().ugettext('Coverage')} {percent}")
    # An SVG width attribute, not a style attribute: the CSP allows no inline styles.
    return Markup(f'<span class="coverage{full}" role="img" aria-label="{label}">'
                  f'<svg class="coverage-fill" width="{width}%" height="100%" aria-hidden="true"></svg></span>')


def coverage_cell(insured, registered) -> Markup:
    """A list's coverage cell: the percentage, then its bar."""
    percent = coverage_percent(insured, registered)
    return Markup(f"{escape(percent)} ") + coverage_bar(insured, registered, percent)


_LABELS = {}  # {language: the three figures' names, escaped}: the same on every card


def department_change(change) -> Markup:
    """What a visit's line changed at a department (visits/queries.py's Change):
    insured, registered and active, each before → after with the difference."""
    language = language_in_force()
    labels = _LABELS.get(language)
    if labels is None:
        labels = _LABELS[language] = tuple(escape(translations().ugettext(name))
                                           for name in ("insured", "registered", "active"))
    parts = [f"<strong>{escape(change.department)}</strong>:"]
    for n, label in enumerate(labels):
        before, after = int(change.before[n]), int(change.after[n])
        delta = after - before
        direction, sign = (" up", "+") if delta > 0 else ((" down", "−") if delta < 0 else ("", "±"))
        # Counts: digits and separators, nothing to escape.
        parts.append(f'<span class="figure-change">{label} {figure(before, language)} → '
                     f'{figure(after, language)}\n<span class="delta{direction}">'
                     f'({sign}{figure(abs(delta), language)})</span>{";" if n < 2 else ""}</span>')
    return Markup("\n".join(parts))
