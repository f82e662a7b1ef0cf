from fieldops.core.forms import Form
from fieldops.core.translations import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp


class OrgUnitForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class NewOrgUnitForm(OrgUnitForm):
    parent_id = SelectField(_l("Parent unit"), coerce=int, validate_choice=True)
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=20),
            Regexp(r"^[A-Za-z0-9-]+$", message=_l("Use letters, digits and dashes only.")),
        ],
    )
