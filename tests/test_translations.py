"""Vietnamese is the default language: every string in the code has a translation."""
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "lazy_ngettext": (1, 2),
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}


def _source_messages():
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def _catalog():
    with open(ROOT / "fieldops/translations/vi/LC_MESSAGES/messages.po", "rb") as f:
        return read_po(f, locale="vi")


def test_every_string_has_a_vietnamese_translation():
    catalog = _catalog()
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        text = message.string[0] if isinstance(message.string, tuple) else message.string
        if text and not message.fuzzy:
            translated[(message.context, key)] = text
    missing = sorted(_source_messages() - translated.keys())
    assert missing == [], "run `make extract-messages` and translate these in vi/messages.po"


def test_placeholders_survive_translation():
    import re

    for message in _catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for text in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", text)) == wanted, message.id


def test_templates_follow_the_language_in_force_and_a_forced_one(app):
    """The templates' quick catalogue lookup (fieldops/core/translations.py) follows
    the request's language, a printed document's forced Vietnamese, and back."""
    from flask import render_template_string
    from flask_babel import force_locale, refresh

    template = "{{ _('Targets') }}|{{ ngettext('%(num)d new notification', '%(num)d new notifications', 2) }}"
    with app.test_request_context("/"):
        with force_locale("en"):
            refresh()
            assert render_template_string(template) == "Targets|2 new notifications"
            with force_locale("vi"):
                assert render_template_string(template).startswith("Chỉ tiêu|2 ")
            assert render_template_string(template) == "Targets|2 new notifications"


def test_the_templates_gettext_escapes_and_formats_as_jinjas_newstyle_gettext(app):
    """The templates' _(), gettext and ngettext in one call (core/translations.py):
    as Jinja's newstyle gettext, the text is markup, its variables are escaped, it is
    always formatted ("%%" is "%"), and where a template does not escape nothing is."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("en"):
        assert render_template_string("{{ _('Hello, %(name)s', name='<b>Ann</b>') }}") == \
            "Hello, &lt;b&gt;Ann&lt;/b&gt;"
        assert render_template_string("{{ gettext('Employers furthest from 100%%') }}") == \
            "Employers furthest from 100%"
        assert render_template_string("{{ ngettext('%(num)d visit', '%(num)d visits', n) }}", n=3) == "3 visits"
        assert render_template_string("{% trans n=1 %}{{ n }} visit{% pluralize %}{{ n }} visits{% endtrans %}") == \
            "1 visit"
        assert render_template_string(
            "{% autoescape false %}{{ _('Hello, %(name)s', name='<b>') }}{% endautoescape %}") == "Hello, <b>"
        assert render_template_string("{% for i in [1, 2] %}{{ _('Targets') }}{% endfor %}") == "TargetsTargets"


def test_the_codes_strings_follow_the_language_in_force_as_flask_babels_do(app):
    """core/translations.gettext and its kin: Flask-Babel's answers, found the quicker
    way; a lazy string is translated where it is shown, in the language then in force."""
    import flask_babel
    from flask_babel import force_locale

    from fieldops.core import translations as t

    label = t.lazy_gettext("Targets")
    many = t.lazy_ngettext("%(num)d new notification", "%(num)d new notifications", 3)
    with app.test_request_context("/"):
        for language, targets in (("vi", "Chỉ tiêu"), ("en", "Targets"), ("vi", "Chỉ tiêu")):
            with force_locale(language):
                assert t.gettext("Targets") == flask_babel.gettext("Targets") == str(label) == targets
                assert t.gettext("Page %(n)d", n=4) == flask_babel.gettext("Page %(n)d", n=4)
                assert t.ngettext("%(num)d new notification", "%(num)d new notifications", 1) == \
                    flask_babel.ngettext("%(num)d new notification", "%(num)d new notifications", 1)
                assert str(many) == flask_babel.ngettext("%(num)d new notification", "%(num)d new notifications", 3)
                assert t.pgettext("return", "File") == flask_babel.pgettext("return", "File")
                assert str(t.lazy_pgettext("review period", "Open")) == flask_babel.pgettext("review period", "Open")
                assert "%" not in str(many) and "3" in str(many)


def test_the_code_takes_its_strings_from_one_place():
    """Every module's _() and lazy labels come from fieldops/core/translations.py,
    never from Flask-Babel's own functions (the slower way to the same catalogue)."""
    own = re.compile(r"from flask_babel import[^\n]*\b(lazy_)?n?p?gettext\b")
    found = [str(path.relative_to(ROOT)) for path in (ROOT / "fieldops").rglob("*.py")
             if path.name != "translations.py" and own.search(path.read_text())]
    assert not found
