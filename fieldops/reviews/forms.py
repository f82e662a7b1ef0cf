from wtforms import DecimalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from fieldops.core.forms import Form, choice_id
from fieldops.core.translations import lazy_gettext as _l
from fieldops.reviews.models import (
    DECISION_NUMBER_MAX, JUSTIFICATION_MAX, MAX_VOTES, NAME_MAX, NARRATIVE_MAX, NOTE_MAX, AppliesTo,
)


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


def metric_choices():
    from fieldops.reviews.criteria import FIGURE_METRICS

    return [("", _l("(for a campaign figure)"))] + [(m.value, f.label) for m, f in FIGURE_METRICS.items()]


class CriterionForm(Form):
    rule = SelectField(_l("Rule"), choices=rule_choices, validate_choice=True)
    metric = SelectField(_l("Campaign figure"), choices=metric_choices, validate_choice=True, default="")
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


def _justification():
    return TextAreaField(_l("Justification (when a criterion is not met)"), validators=[
        Length(max=JUSTIFICATION_MAX,
               message=_l("The justification is too long (at most %(max)d characters)."))])


class EndorseForm(Form):
    endorser_name = StringField(_l("Endorsed by (leader of the unit)"), validators=[
        DataRequired(message=_l("Give the name of the leader who endorsed it.")), Length(max=NAME_MAX)])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])
    justification = _justification()


class DecisionForm(Form):
    decision = SelectField(_l("Council decision"), choices=[("approved", _l("Approved")),
                                                           ("rejected", _l("Rejected"))], validate_choice=True)
    votes_for = IntegerField(_l("Votes for"), validators=[InputRequired(), NumberRange(min=0, max=MAX_VOTES)])
    votes_against = IntegerField(_l("Votes against"), validators=[InputRequired(), NumberRange(min=0, max=MAX_VOTES)])
    votes_abstain = IntegerField(_l("Abstentions"), validators=[InputRequired(), NumberRange(min=0, max=MAX_VOTES)])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])
    justification = _justification()


class RevokeForm(Form):
    reason = TextAreaField(_l("Reason for revoking"), validators=[
        DataRequired(message=_l("Give the reason for revoking the award.")),
        Length(max=NOTE_MAX, message=_l("The reason is too long (at most %(max)d characters)."))])
    decision_number = StringField(_l("Number of the revoking decision"), validators=[
        DataRequired(message=_l("Give the number of the decision that revokes the award.")),
        Length(max=DECISION_NUMBER_MAX)])
    decision_date = DateField(_l("Date of the revoking decision"), validators=[
        InputRequired(message=_l("Give the date of the decision that revokes the award."))])


class CouncilForm(Form):
    held_on = DateField(_l("Meeting date"), validators=[Optional()])
    held_time = StringField(_l("Time (hh:mm)"), validators=[Optional(), Length(max=5)])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=NAME_MAX)])
    chair = StringField(_l("Chair"), validators=[Optional(), Length(max=NAME_MAX)])
    secretary = StringField(_l("Secretary"), validators=[Optional(), Length(max=NAME_MAX)])
    attendees = TextAreaField(_l("Attendees (one a line)"), validators=[Optional(), Length(max=4000)])


class SignerForm(Form):
    title = StringField(_l("Signer's title"), validators=[DataRequired(message=_l("Give the signer's title.")),
                                                          Length(max=120)])
    full_name = StringField(_l("Signer's full name"), validators=[
        DataRequired(message=_l("Give the signer's full name.")), Length(max=120)])
    recipients = TextAreaField(_l("Recipients (Nơi nhận), one a line"), validators=[Optional(), Length(max=1000)])


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

