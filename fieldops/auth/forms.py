from flask import current_app
from flask_babel import lazy_gettext as _l
from fieldops.core.forms import Form
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from fieldops.auth.models import Language, Role


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


def role_choices():
    labels = {
        Role.officer: _l("Officer"),
        Role.supervisor: _l("Supervisor"),
        Role.hr: _l("HR (emulation and commendation)"),
        Role.admin: _l("Administrator"),
        Role.viewer: _l("Viewer (leadership)"),
        Role.care: _l("Customer Care Center"),
    }
    return [(r.value, labels[r]) for r in Role]


LANGUAGE_CHOICES = [(Language.vi.value, "Tiếng Việt"), (Language.en.value, "English")]


def _password_length(form, field):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_l("A password needs at least %(n)d characters.", n=minimum))


class UserForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices)
    org_unit_id = SelectField(_l("Org unit"), coerce=int, validate_choice=True)
    preferred_language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class NewUserForm(UserForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(min=3, max=60),
            Regexp(r"^[a-zA-Z0-9._-]+$", message=_l("Use letters, digits, dots, dashes and underscores only.")),
        ],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), _password_length, Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the password"), validators=[EqualTo("password", message=_l("The passwords do not match."))]
    )


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), _password_length, Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the password"), validators=[EqualTo("password", message=_l("The passwords do not match."))]
    )


class ActiveForm(Form):
    active = BooleanField()
