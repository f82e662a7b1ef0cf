"""The catalogue of the language in force, for the templates' _() and ngettext.

Flask-Babel finds it through several context proxies on every string (about
10 µs; a national dashboard translates some 700 strings). The language in force
is the one Flask-Babel chose for the request (or forced, for a printed
document); its catalogue is read once per process, as Flask-Babel's own cache
does, and then found by the locale alone.

The code's strings use gettext() and its kin below, Flask-Babel's in all but
the way there: Flask-Babel's own find the domain, then the catalogue, through
some eight context proxies (4.5 µs a string, 1.5 µs here); a visit form has
some 90 of them, a review queue 50. Flask-Babel's domain, installed below,
finds the catalogue the same way for what still goes through it.
"""
from flask import g
from flask_babel import Domain, get_domain, get_locale
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from markupsafe import Markup

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


def gettext(string, **variables):
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular, plural, num, **variables):
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def pgettext(context, string, **variables):
    text = translations().upgettext(context, string)
    return text % variables if variables else text


def lazy_gettext(string, **variables):
    """A string translated each time it is shown, in the language then in force."""
    return LazyString(gettext, string, **variables)


def lazy_ngettext(singular, plural, num, **variables):
    return LazyString(ngettext, singular, plural, num, **variables)


def lazy_pgettext(context, string, **variables):
    return LazyString(pgettext, context, string, **variables)


@pass_eval_context
def template_gettext(eval_ctx, string, **variables):
    """The templates' _() and gettext: Jinja's newstyle gettext in one call (Jinja's
    own goes through two more, each asking what to pass: 16 µs a string, a review
    queue has some 50). As Jinja's: the text is safe markup where the template
    escapes, and always formatted (its "%%" is a "%")."""
    text = translations().ugettext(string)
    return _formatted(Markup(text) if eval_ctx.autoescape else text, variables)


@pass_eval_context
def template_ngettext(eval_ctx, singular, plural, num, **variables):
    """The templates' ngettext, as template_gettext; `num` is among the variables."""
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    return _formatted(Markup(text) if eval_ctx.autoescape else text, variables)


def _formatted(text, variables):
    # A text with no "%" and no variables is its own format (formatting safe markup costs 3 µs).
    return text % variables if variables or "%" in text else text


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
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
