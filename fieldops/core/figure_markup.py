"""Figures as HTML, for the places a page repeats them: a coverage with its bar on
every row of a list, what a visit changed on every card of the review queue.

They were Jinja macros; a macro call with its filters and strings costs about
0.2 ms, and a review page of twenty cards makes some 66 of them. Written here,
each is one Python call that formats its figures (core/numbers.py, the one format
per language) and escapes what it is given (`Markup.format`).
"""
from markupsafe import Markup

from fieldops.core.numbers import figure, pct
from fieldops.core.translations import translations
from fieldops.definitions import coverage

# An SVG width attribute, not a style attribute: the CSP allows no inline styles.
_BAR = Markup('<span class="coverage{full}" role="img" aria-label="{label} {shown}">'
              '<svg class="coverage-fill" width="{width}%" height="100%" aria-hidden="true"></svg></span>')
_CHANGE = Markup('<span class="figure-change">{label} {before} → {after}\n'
                 '<span class="delta{direction}">({sign}{size})</span>{separator}</span>')


def coverage_percent(insured, registered) -> str:
    """Registered ÷ insured as users see it (the one rounding of fieldops/definitions.py)."""
    return pct(coverage(registered, insured))


def coverage_bar(insured, registered) -> Markup:
    """The bar of a coverage, named for screen readers by its percentage."""
    width = 100 * registered // insured if insured and insured > 0 else 0
    return _BAR.format(full=" full" if insured and registered >= insured else "",
                       label=translations().ugettext("Coverage"),
                       shown=coverage_percent(insured, registered), width=width)


def department_change(change) -> Markup:
    """What a visit's line changed at a department (visits/queries.py's Change):
    insured, registered and active, each before → after with the difference."""
    catalogue = translations()
    labels = (catalogue.ugettext("insured"), catalogue.ugettext("registered"), catalogue.ugettext("active"))
    parts = [Markup("<strong>{}</strong>:").format(change.department)]
    for n, (label, before, after, delta) in enumerate(zip(labels, change.before, change.after, change.deltas)):
        parts.append(_CHANGE.format(
            label=label, before=figure(before), after=figure(after),
            direction=" up" if delta > 0 else (" down" if delta < 0 else ""),
            sign="+" if delta > 0 else ("−" if delta < 0 else "±"), size=figure(abs(delta)),
            separator=";" if n < len(labels) - 1 else ""))
    return Markup("\n").join(parts)
