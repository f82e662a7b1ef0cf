from fieldops.core.forms import Form
from fieldops.core.translations import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp


def _phone(form, field):
    from wtforms.validators import ValidationError

    from fieldops.employers.phones import normalize_phone

    normalized = normalize_phone(field.data)
    if normalized is None:
        raise ValidationError(_l("Enter a Vietnamese phone number, such as 0912 345 678 or +84 912 345 678."))
    field.data = normalized


class EmployerForm(Form):
    unit_code = StringField(
        _l("Unit code"),
        validators=[
            DataRequired(),
            Length(max=20),
            Regexp(r"^[A-Za-z0-9-]+$", message=_l("Use letters, digits and dashes only.")),
        ],
    )
    tax_code = StringField(
        _l("Tax code"),
        validators=[Optional(), Length(max=20), Regexp(r"^[0-9-]+$", message=_l("Use digits and dashes only."))],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    sector = StringField(_l("Sector"), validators=[Optional(), Length(max=120)])
    district_id = SelectField(_l("Managing district"), coerce=int, validate_choice=True)
    contact_name = StringField(_l("Contact person (for the Customer Care Center)"),
                               validators=[Optional(), Length(max=120)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=30), _phone])


class NewEmployerForm(EmployerForm):
    departments = TextAreaField(
        _l("Labour departments, one per line (leave empty for a single “Toàn đơn vị”)"),
        validators=[Optional(), Length(max=5000)],
    )


class DepartmentForm(Form):
    name = StringField(_l("Department name"), validators=[DataRequired(), Length(max=160)])


class ImportForm(Form):
    file = FileField(
        _l("CSV or XLSX file"),
        validators=[
            FileRequired(message=_l("Choose a CSV or XLSX file.")),
            FileAllowed(["csv", "xlsx"], message=_l("Only CSV and XLSX files can be imported.")),
        ],
    )
    dry_run = BooleanField(_l("Check only (dry run): report problems and what would change, write nothing"))
    whole_employer = SelectField(
        _l("An employer counted as one “Toàn đơn vị” that the file lists by department"),
        choices=[("", _l("Ask me (the check lists them)")),
                 ("split", _l("Split the old “Toàn đơn vị” into the departments from today")),
                 ("keep", _l("Keep the old “Toàn đơn vị” counting as well"))],
        validate_choice=True, default="")


class _LifeForm(Form):
    day = DateField(_l("From (date)"), format=["%Y-%m-%d", "%d/%m/%Y"],
                    validators=[InputRequired(message=_l("Enter the date in the format dd/mm/yyyy."))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Say why.")), Length(max=500)])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.day.errors:  # one message for a date missing or not a date
            self.day.errors[:] = [_l("Enter the date in the format dd/mm/yyyy.")]
        return valid


class RetireForm(_LifeForm):
    pass


class SplitForm(_LifeForm):
    parts = TextAreaField(
        _l("Parts, one per line: a department of the employer, or a new name with its insured workers "
           "(“Khối sản xuất; 40”)"),
        validators=[DataRequired(message=_l("A split needs at least two parts.")), Length(max=10_000)])


class MergeForm(_LifeForm):
    departments = SelectMultipleField(_l("Departments to merge"), coerce=int, validate_choice=True)
    name = StringField(_l("They become"), validators=[DataRequired(), Length(max=160)])
