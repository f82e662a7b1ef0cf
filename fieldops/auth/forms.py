from flask import current_app
from fieldops.core.forms import Form
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from fieldops.auth.models import Language, Role
from fieldops.auth.passwords import password_problem
from fieldops.core.translations import lazy_gettext as _l


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


def _password_choice(form, field):
    """Not a common password, and not containing the user's name (ASVS 2.1.7, 2.1.9)."""
    owner = getattr(form, "owner", None)
    username = form.username.data if "username" in form else getattr(owner, "username", "")
    full_name = form.full_name.data if "full_name" in form else getattr(owner, "full_name", "")
    problem = password_problem(field.data or "", username or "", full_name or "")
    if problem:
        raise ValidationError(problem)


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
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(), _password_length, Length(max=200), _password_choice])
    confirm = PasswordField(
        _l("Repeat the password"), validators=[EqualTo("password", message=_l("The passwords do not match."))]
    )


class ResetPasswordForm(Form):
    """`owner`: the user whose password it is."""

    password = PasswordField(_l("New password"),
                             validators=[DataRequired(), _password_length, Length(max=200), _password_choice])
    confirm = PasswordField(
        _l("Repeat the password"), validators=[EqualTo("password", message=_l("The passwords do not match."))]
    )


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])


class ActiveForm(Form):
    active = BooleanField()
