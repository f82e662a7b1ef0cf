"""The catalogue of the language in force, for the templates' _() and ngettext.

Flask-Babel finds it through several context proxies on every string (about
10 µs; a national dashboard translates some 700 strings). The language in force
is the one Flask-Babel chose for the request (or forced, for a printed
document); its catalogue is read once per process, as Flask-Babel's own cache
does, and then found by the locale alone.
"""
from flask import g
from flask_babel import get_translations

_catalogues = {}


def translations():
    try:
        locale = g._flask_babel.babel_locale
    except (AttributeError, RuntimeError):
        locale = None
    if locale is None:
        return get_translations()  # the first string of a request: Flask-Babel picks the language
    found = _catalogues.get(locale)
    if found is None:
        found = _catalogues[locale] = get_translations()
    return found


def install(app):
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
