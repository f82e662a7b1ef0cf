"""The catalogue of the language in force, for the templates' _() and ngettext.

Flask-Babel finds it through several context proxies on every string (about
10 µs; a national dashboard translates some 700 strings). The language in force
is the one Flask-Babel chose for the request (or forced, for a printed
document); its catalogue is read once per process, as Flask-Babel's own cache
does, and then found by the locale alone.

Flask-Babel's own gettext() and lazy strings (the labels of kinds and states)
find it the same way, through the domain installed below: ~10 µs a string
before, a review queue of 20 visits reads some 50 of them.
"""
from flask import g
from flask_babel import Domain, get_domain, get_locale

_catalogues = {}


def _locale():
    try:
        return g._flask_babel.babel_locale
    except (AttributeError, RuntimeError):
        return None


def language_in_force() -> str:
    """"vi" or "en": the request's language, or the one forced; Vietnamese outside a request."""
    locale = _locale()
    if locale is None:
        try:
            locale = get_locale()
        except RuntimeError:  # in an app context with no request: a command, a job
            locale = None
    return locale.language if locale is not None else "vi"


def _flask_babel_catalogue(domain):
    return Domain.get_translations(domain or get_domain())


def translations(domain=None):
    try:
        state = g._flask_babel
        locale = state.babel_locale
    except (AttributeError, RuntimeError):
        return _flask_babel_catalogue(domain)  # the first string of a request: Flask-Babel picks the language
    if locale is None:
        return _flask_babel_catalogue(domain)
    # Each request parses its own Locale, equal to but not the one in the dict: the
    # lookup compares them field by field, so its answer is kept for this very
    # Locale object (a forced one, for a printed document, is another object).
    kept = getattr(state, "fieldops_catalogue", None)
    if kept is not None and kept[0] is locale:
        return kept[1]
    found = _catalogues.get(locale)
    if found is None:
        found = _catalogues[locale] = _flask_babel_catalogue(domain)
    state.fieldops_catalogue = (locale, found)
    return found


class RequestDomain(Domain):
    """Flask-Babel's message domain, its catalogue found by translations()."""

    def get_translations(self):
        return translations(self)


def install(app):
    babel = app.extensions["babel"].instance
    babel.domain_instance = RequestDomain(domain=app.extensions["babel"].default_domain)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
