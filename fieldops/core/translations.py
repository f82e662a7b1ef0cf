"""The catalogue of the language in force, for the templates' _() and ngettext.

Flask-Babel finds it through several context proxies on every string (about
10 µs; a national dashboard translates some 700 strings). The language in force
is the one Flask-Babel chose for the request (or forced, for a printed
document); its catalogue is read once per process, as Flask-Babel's own cache
does, and then found by the locale alone.
"""
from flask import g
from flask_babel import get_locale, get_translations

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


def translations():
    try:
        state = g._flask_babel
        locale = state.babel_locale
    except (AttributeError, RuntimeError):
        return get_translations()  # the first string of a request: Flask-Babel picks the language
    if locale is None:
        return get_translations()
    # Each request parses its own Locale, equal to but not the one in the dict: the
    # lookup compares them field by field, so its answer is kept for this very
    # Locale object (a forced one, for a printed document, is another object).
    kept = getattr(state, "fieldops_catalogue", None)
    if kept is not None and kept[0] is locale:
        return kept[1]
    found = _catalogues.get(locale)
    if found is None:
        found = _catalogues[locale] = get_translations()
    state.fieldops_catalogue = (locale, found)
    return found


def install(app):
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
