from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from fieldops.core.forms import Form, choice_id
from fieldops.reviews.models import MAX_VOTES, NAME_MAX, NARRATIVE_MAX, NOTE_MAX, AppliesTo


def kind_choices():
    from fieldops.reviews.labels import kind_labels

    return [(k.value, label) for k, label in kind_labels().items()]


def rule_choices():
    from fieldops.reviews.criteria import rule_labels

    return [(r.value, label) for r, label in rule_labels().items()]


def applies_choices():
    from fieldops.reviews.labels import applies_labels

    return [(a.value, label) for a, label in applies_labels().items()]


class PeriodForm(Form):
    org_unit_id = SelectField(_l("Organised by"), coerce=choice_id, validate_choice=True)
    kind = SelectField(_l("Review period"), choices=kind_choices, validate_choice=True)
    cut_off = DateField(_l("Cut-off date"), validators=[InputRequired()])


class CutOffForm(Form):
    cut_off = DateField(_l("Cut-off date"), validators=[InputRequired()])


class CloseForm(Form):
    pass


class CriterionForm(Form):
    rule = SelectField(_l("Rule"), choices=rule_choices, validate_choice=True)
    applies_to = SelectField(_l("Applies to"), choices=applies_choices, validate_choice=True,
                             default=AppliesTo.both.value)
    # Checked by the operation: ≥ 0, ≤ 100 for percentages, whole for counts.
    threshold = DecimalField(_l("Threshold (X% or N)"), places=None, validators=[Optional()])


class DeleteForm(Form):
    pass


class NominationForm(Form):
    award_title_id = SelectField(_l("Title or form of award"), coerce=choice_id, validate_choice=True)
    narrative = TextAreaField(_l("Achievement report"), validators=[
        Length(max=NARRATIVE_MAX, message=_l("The report is too long (at most %(max)d characters)."))])


class EndorseForm(Form):
    endorser_name = StringField(_l("Endorsed by (leader of the unit)"), validators=[
        DataRequired(message=_l("Give the name of the leader who endorsed it.")), Length(max=NAME_MAX)])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])


class DecisionForm(Form):
    decision = SelectField(_l("Council decision"), choices=[("approved", _l("Approved")),
                                                           ("rejected", _l("Rejected"))], validate_choice=True)
    votes_for = IntegerField(_l("Votes for"), validators=[InputRequired(), NumberRange(min=0, max=MAX_VOTES)])
    votes_against = IntegerField(_l("Votes against"), validators=[InputRequired(), NumberRange(min=0, max=MAX_VOTES)])
    votes_abstain = IntegerField(_l("Abstentions"), validators=[InputRequired(), NumberRange(min=0, max=MAX_VOTES)])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])


class WithdrawForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Give a reason.")), Length(max=NOTE_MAX)])


class GenerateForm(Form):
    unit_id = SelectField(_l("Unit"), coerce=choice_id, validate_choice=True)


class MarkForm(Form):
    status = HiddenField()


class TitleForm(Form):
    name = StringField(_l("Title or form of award"), validators=[DataRequired(), Length(max=NAME_MAX)])
    applies_to = SelectField(_l("Awarded to"), choices=applies_choices, validate_choice=True, default=AppliesTo.both.value)
    scope = SelectField(_l("List"), coerce=choice_id, validate_choice=True, default=0)


class TitleEditForm(Form):
    name = StringField(_l("Title or form of award"), validators=[DataRequired(), Length(max=NAME_MAX)])
    applies_to = SelectField(_l("Awarded to"), choices=applies_choices, validate_choice=True)
    active = SelectField(_l("In use"), choices=[("1", _l("Yes")), ("0", _l("No"))], validate_choice=True)

