"""The base form: WTForms' own messages ("This field is required." …) ship with no
Vietnamese, so they go through our catalogue, where `WTFORMS_MESSAGES` below
keeps them extracted and translated."""
import time

from flask import current_app, g, session
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF, generate_csrf
from markupsafe import Markup, escape
import wtforms
from wtforms import BooleanField, Field, FieldList, FormField
from wtforms.fields.core import Label
from wtforms.fields.datetime import DateTimeField
from wtforms import SelectField as _WTFormsSelectField
from wtforms import widgets
from wtforms.widgets import Select
from wtforms.widgets import core as widgets_core

from fieldops.core.numbers import whole_number
from fieldops.core.translations import lazy_gettext as _l, lazy_ngettext, translations


class _BabelTranslations:
    # The raw catalogue: WTForms fills in %(max)d and friends itself.
    def gettext(self, string):
        return translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return translations().ungettext(singular, plural, n)


WTFORMS_HTML_PARAMS = widgets_core.html_params


def html_params(**kwargs) -> Markup:
    """WTForms' html_params, the same attributes in the same order and escaping,
    written with f-strings: its own goes through Markup.format, Python's
    string.Formatter, for each attribute (~10 µs; every field's label and input
    is one call, a filter form of six fields spent 0.4 ms in them)."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = escape(widgets_core.clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            # escape() leaves the quotes of a Markup value as they are; an attribute may not hold one.
            value = str(escape(value)).replace('"', "&quot;")
            params.append(f'{key}="{value}"')
    return Markup(" ".join(params))


def use_fast_html_params():
    """Every WTForms widget and label writes its attributes with html_params above
    (WTForms is pinned below 3.4; tests/test_select_widget.py holds the two equal)."""
    widgets_core.html_params = widgets.html_params = html_params
    widgets_core.Input.html_params = widgets_core.Button.html_params = staticmethod(html_params)


class ChoiceSelect(Select):
    """WTForms' <select> with its plain options written in one f-string each, the
    same HTML: its own way builds each option's attributes through html_params
    (~15 µs an option; a filter listing a district's 43 officers spent 0.9 ms)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(choice.value)}">{escape(choice.label or choice.value)}</option>')

    @classmethod
    def _dispatch_render_option(cls):
        # WTForms inspects render_option's signature on every select it writes
        # (~0.1 ms, for its older overrides); this one's is known.
        return cls.render_option


class SelectField(_WTFormsSelectField):
    """A select rendered by ChoiceSelect."""

    widget = ChoiceSelect()


def choice_id(value) -> int:
    """Ids from selects and hidden fields: anything that is not a small positive number means none (0)."""
    return whole_number(value) or 0


def _fields_with_nul(fields):
    """The fields, nested ones included, sent with a NUL character: no one types
    it, and PostgreSQL refuses it in text (the request would fail on saving)."""
    for field in fields:
        if isinstance(field, (FormField, FieldList)):
            yield from _fields_with_nul(field)
        elif any(isinstance(value, str) and "\x00" in value for value in getattr(field, "raw_data", None) or ()):
            yield field


def error_entries(form, extra=(), ids=None):
    """What a form's error summary lists, in the order of the form: (the id of the
    field to go to or None, its label, the message), nested fields included;
    `extra` adds the view's own (id, label, message), e.g. a grid's cells; `ids`
    names the id a field was rendered with when the page gave it another."""
    entries = []
    for message in getattr(form, "problems", ()):
        entries.append((None, "", message))
    for message in getattr(form, "form_errors", ()):
        entries.append((None, "", message))
    renamed = ids or {}
    entries.extend((renamed.get(target, target), label, message) for target, label, message in _field_entries(form, ""))
    entries.extend(extra)
    return entries


def _field_entries(fields, prefix):
    for field in fields:
        if isinstance(field, FieldList):
            for number, entry in enumerate(field, start=1):
                name = f"{field.label.text} {number}" if field.label.text else _l("Item %(n)d", n=number)
                if isinstance(entry, FormField):
                    yield from _field_entries(entry, f"{prefix}{name} · ")
                else:
                    yield from _messages(entry, f"{prefix}{name}")
        elif isinstance(field, FormField):
            yield from _field_entries(field, prefix)
        else:
            yield from _messages(field, f"{prefix}{field.label.text}")


def _messages(field, label):
    # A hidden field (the CSRF token, a version) has nothing to go to: its message stands alone.
    target = None if field.type in ("HiddenField", "CSRFTokenField") else field.id
    for message in field.errors if isinstance(field.errors, list) else ():
        yield target, label if target else "", message


# A signed CSRF token is the session's own token with the time it was signed, and
# any one signed within the time limit (WTF_CSRF_TIME_LIMIT, 12 hours) is accepted.
# Signing cost every page 0.1-0.2 ms (itsdangerous builds its serializer and tries
# it out each time), so a token signed for a session is used again this long.
SIGNED_TOKEN_REUSE_SECONDS = 60
SIGNED_TOKENS_KEPT = 10_000  # per process; then forgotten and signed again
_signed_tokens = {}


def csrf_token() -> str:
    """This request's signed CSRF token (flask-wtf's), the one signed for the
    session's token less than a minute ago when there is one."""
    if "csrf_token" in g:
        return g.csrf_token
    key = (current_app.secret_key, session.get("csrf_token"))
    kept = _signed_tokens.get(key) if key[1] else None
    now = time.monotonic()
    if kept is not None and now - kept[1] < SIGNED_TOKEN_REUSE_SECONDS:
        g.csrf_token = kept[0]
        return kept[0]
    token = generate_csrf()
    if len(_signed_tokens) >= SIGNED_TOKENS_KEPT:
        _signed_tokens.clear()
    _signed_tokens[(current_app.secret_key, session["csrf_token"])] = (token, now)
    return token


class _FormCSRF(_FlaskFormCSRF):
    """flask-wtf's CSRF of a form, with the token signed as the pages' is."""

    def generate_csrf_token(self, csrf_token_field):
        return csrf_token()


# Fields whose construction follows from their declaration, name and prefix alone
# (WTForms' Field.__init__ and the two below add only settings of the declaration):
# a select evaluates its choices in the language of the request, so it is not one.
_DECLARED_ONLY = {Field.__init__, BooleanField.__init__, DateTimeField.__init__}
PROTOTYPES_KEPT = 5_000  # per process; then forgotten and made again
_prototypes = {}
_PER_FORM = ("_form", "meta", "_translations")
_MADE_ANEW = object()  # the key's field is made anew every time


class BoundOnce:
    """A form's Meta that binds each field from a prototype: the field as WTForms
    made it the first time for this declaration, name and prefix, copied. A visit
    of four lines has 36 fields; made anew, making and checking its form cost
    0.69 ms of CPU, copied 0.58 (bench/README.md, "Session 25"). A field declared
    without a label gets its label again: WTForms names it in the request's language."""

    def bind_field(self, form, unbound_field, options):
        key = (unbound_field, options["name"], options.get("prefix", ""))
        prototype = _prototypes.get(key)
        if prototype is None:
            field = super().bind_field(form, unbound_field, options)
            if len(_prototypes) >= PROTOTYPES_KEPT:
                _prototypes.clear()
            labelled = (unbound_field.args[:1] or [unbound_field.kwargs.get("label")])[0] is not None
            _prototypes[key] = ((labelled, {name: value for name, value in vars(field).items()
                                            if name not in _PER_FORM})
                                if type(field).__init__ in _DECLARED_ONLY else _MADE_ANEW)
            return field
        if prototype is _MADE_ANEW:
            return super().bind_field(form, unbound_field, options)
        labelled, attributes = prototype
        field = object.__new__(unbound_field.field_class)
        vars(field).update(attributes)
        field._form, field.meta = form, form.meta
        if options.get("translations") is not None:
            field._translations = options["translations"]
        if not labelled:
            field.label = Label(field.id, field.gettext(field.short_name.replace("_", " ").title()))
        return field


class SubForm(wtforms.Form):
    """A form nested in another (a line of a visit), its fields bound as the forms' are."""

    class Meta(BoundOnce):
        pass


class Form(FlaskForm):
    class Meta(BoundOnce, FlaskForm.Meta):
        csrf_class = _FormCSRF

        def get_translations(self, form):
            return _BabelTranslations()

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        refused = list(_fields_with_nul(self))
        for field in refused:
            field.errors.append(_l("This field contains a character that is not allowed."))
        return ok and not refused


# WTForms' messages, listed so `pybabel extract` keeps them in the catalogue.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Invalid input."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Field must be equal to %(other_name)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid CSRF Token."),
    _l("CSRF token missing."),
    _l("CSRF token expired."),
    _l("Invalid UUID."),
    lazy_ngettext("Field must be at least %(min)d character long.",
                  "Field must be at least %(min)d characters long.", 1),
    lazy_ngettext("Field cannot be longer than %(max)d character.",
                  "Field cannot be longer than %(max)d characters.", 1),
    lazy_ngettext("Field must be exactly %(max)d character long.",
                  "Field must be exactly %(max)d characters long.", 1),
)
