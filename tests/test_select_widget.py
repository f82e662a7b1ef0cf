"""core/forms.ChoiceSelect writes a select's options itself, faster: the same HTML
as WTForms' own widget, whatever the choices hold."""
import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms import SelectField as WTFormsSelectField

from fieldops.core.forms import SelectField

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
