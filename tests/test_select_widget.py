"""core/forms.ChoiceSelect writes a select's options itself, and core/forms.html_params
every widget's attributes, faster: the same HTML as WTForms' own, whatever they hold."""
import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField
from wtforms import SelectField as WTFormsSelectField

from fieldops.core.forms import WTFORMS_HTML_PARAMS, SelectField, html_params

CHOICES = [(0, "All"), (3, "A & B <i>"), ('x"<y', "Nguyễn Văn Ánh"), ("", "—"), (7, "")]


def rendered(field_class, data, **kwargs):
    class Filter(Form):
        officer = field_class(choices=CHOICES, coerce=str, validate_choice=False)

    return str(Filter(MultiDict(data)).officer(**kwargs))


@pytest.mark.parametrize("data", [{}, {"officer": "3"}, {"officer": 'x"<y'}, {"officer": "<script>"}])
def test_the_options_are_the_html_wtforms_writes(data):
    assert rendered(SelectField, data) == rendered(WTFormsSelectField, data)
    assert rendered(SelectField, data, class_="wide", required=True) == \
        rendered(WTFormsSelectField, data, class_="wide", required=True)


def test_a_choice_with_its_own_attributes_is_left_to_wtforms():
    class Filter(Form):
        kind = SelectField(choices=[("a", "A", {"disabled": True}), ("b", "B")])

    assert '<option disabled value="a">A</option><option value="b">B</option>' in str(Filter().kind())


ATTRIBUTES = [
    {}, {"id": "officer", "name": "officer", "type": "date", "value": ""},
    {"class_": "wide", "for_": "x", "required": True, "disabled": False, "readonly": True},
    {"data_hx_get": "/a?b=1&c=2", "aria_describedby": "f-error", "aria_invalid": "true"},
    {"value": 'say "hi" <b>&\'', "title": Markup('already "safe" <i>markup</i>')},
    {"maxlength": 100, "min": 0, "step": 0.5, "value": None, "placeholder": "Nguyễn Văn Ánh"},
    {"onclick": "alert(1)//\"><script>", "x_": "\x00", "z": Markup("&quot;")},
]


@pytest.mark.parametrize("attributes", ATTRIBUTES)
def test_the_attributes_are_those_wtforms_writes(attributes):
    written = html_params(**attributes)
    assert isinstance(written, Markup)
    assert written == WTFORMS_HTML_PARAMS(**attributes)


def test_every_widget_and_label_writes_attributes_the_fast_way(app):
    from wtforms import widgets
    from wtforms.widgets import core

    assert core.html_params is widgets.html_params is html_params
    assert core.Input.html_params is html_params and core.Button.html_params is html_params

    class Search(Form):
        q = StringField("Tìm <kiếm>")

    field = Search(MultiDict({"q": 'a "quoted" <term>'})).q
    assert str(field.label) == '<label for="q">Tìm &lt;kiếm&gt;</label>'
    assert str(field(class_="wide")) == '<input class="wide" id="q" name="q" type="text" value="a &#34;quoted&#34; &lt;term&gt;">'
