"""core/forms.BoundOnce binds a form's fields from a copy of the first one WTForms
made for the same declaration, name and prefix: each form must still hold its own
values and messages, and write the same HTML as fields made anew, in either language."""
from flask import g, session
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, StringField

from fieldops.core import forms
from fieldops.core.forms import Form
from fieldops.core.translations import lazy_gettext as _l
from fieldops.visits.forms import VisitForm


class _Note(Form):
    class Meta:
        csrf = False

    code = HiddenField()
    notes = StringField()  # no label: WTForms names it "Notes", in the request's language
    title = StringField(_l("Notes"))


def _visit_data(insured, registered):
    return MultiDict({"idempotency_key": "a-key-of-enough-length", "visit_date": "2023-06-01",
                      "purpose": "registration_drive", "lines-0-department_id": "7", "lines-0-counted": "y",
                      "lines-0-insured": insured, "lines-0-registered": registered, "lines-0-active": "0",
                      "lines-0-newly_registered": "0"})


def _made_anew(monkeypatch):
    monkeypatch.setattr(forms.BoundOnce, "bind_field",
                        lambda self, form, field, options: super(forms.BoundOnce, self).bind_field(form, field, options))


def test_each_form_holds_its_own_values_and_messages(app):
    with app.test_request_context("/"):
        first = VisitForm(formdata=_visit_data("40", "50"))
        second = VisitForm(formdata=_visit_data("40", "12"))
        assert not first.validate() and second.validate()
        first_line, second_line = first.lines[0].form, second.lines[0].form
        assert first_line.registered.data == 50 and second_line.registered.data == 12
        assert first_line.registered.errors and not second_line.registered.errors
        assert first_line.registered is not second_line.registered
        assert first_line.registered.name == second_line.registered.name == "lines-0-registered"
        # each bound to its own form (the first made, the second copied)
        assert first_line.registered._form is first_line and second_line.registered._form is second_line


def test_a_form_writes_what_fields_made_anew_write(app, monkeypatch):
    def rendered():
        with app.test_request_context("/"):
            form = VisitForm(formdata=_visit_data("40", "abc"))
            form.validate()
            line = form.lines[0].form
            return [str(field()) + str(field.label) + repr(field.errors)
                    for field in (*form, *line) if field.type not in ("FieldList", "CSRFTokenField")]

    kept = rendered(), rendered()  # made, then copied
    _made_anew(monkeypatch)
    assert kept[0] == kept[1] == rendered()


def test_a_field_without_a_label_is_named_in_each_requests_language(app, monkeypatch):
    def labels(language):
        with app.test_request_context("/"):
            for name in list(g):  # the test's app context holds the language chosen for the request before
                g.pop(name)
            session["lang"] = language
            form = _Note(formdata=MultiDict({"notes": "Ghi chú", "code": "1"}))
            return form.notes.label.text, str(form.title.label.text), form.notes.data

    seen = [labels("en"), labels("vi"), labels("en")]
    assert seen[0] == ("Notes", "Notes", "Ghi chú") and seen[1][0] == seen[1][1] != "Notes"
    _made_anew(monkeypatch)
    assert seen == [labels("en"), labels("vi"), labels("en")]
