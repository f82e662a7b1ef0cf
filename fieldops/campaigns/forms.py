"""Forms of campaign set-up. The form checks each value on its own; the rules
that read the records (a visit, a return or a review left outside the dates, a
group still in use, a code taken) are the operations' (fieldops/campaign_setup/operations.py)."""
import re

from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from fieldops.campaigns.models import CampaignState, ParticipantGroup
from fieldops.core.forms import Form, choice_id
from fieldops.core.translations import lazy_gettext as _l

NAME_MAX = 255
CODE_MAX = 20
DECISION_MAX = 60
# A campaign's dates outside these years are a typing mistake (20233 for 2023).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def group_labels():
    return {
        ParticipantGroup.compulsory: _l("Compulsory insurance at employers"),
        ParticipantGroup.voluntary: _l("Voluntary social insurance"),
        ParticipantGroup.household: _l("Household health insurance"),
        ParticipantGroup.students: _l("Students"),
        ParticipantGroup.other: _l("Other state-supported groups"),
    }


def state_labels():
    return {CampaignState.draft: _l("Draft (being set up, not in force)"), CampaignState.active: _l("Active")}


def _plausible(form, field):
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Enter a date between %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR))


def _one_line(form, field):
    # No markup, no control characters: the name is printed on dossiers and reports
    # (a NUL has its own message, from the base form).
    if field.data and re.search(r"[<>\x01-\x1f\x7f]", field.data):
        raise ValidationError(_l("Use letters, digits and ordinary punctuation only, without markup."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the campaign a name.")),
                                               Length(max=NAME_MAX), _one_line])
    code = StringField(_l("Short code"), validators=[
        DataRequired(message=_l("Give a short code, such as 2024.")), Length(max=CODE_MAX),
        Regexp(r"^[A-Za-z0-9-]+$", message=_l("Use letters, digits and dashes only."))])
    decision_number = StringField(_l("Decision number"), validators=[
        Optional(), Length(max=DECISION_MAX),
        Regexp(r"^[\w/.\- ]+$", message=_l("Use letters, digits, “/”, “-” and “.” only, such as 336/QĐ-BHXH."))])
    decision_date = DateField(_l("Decision date"), validators=[Optional(), _plausible])
    starts_on = DateField(_l("Runs from"), validators=[InputRequired(message=_l("Enter the first day.")), _plausible])
    ends_on = DateField(_l("Runs until"), validators=[InputRequired(message=_l("Enter the last day.")), _plausible])
    counts_from = DateField(_l("Results count from"), validators=[
        InputRequired(message=_l("Enter the day results count from.")), _plausible])
    participant_groups = MultiCheckboxField(_l("Participant groups"), choices=lambda: [
        (g.value, label) for g, label in group_labels().items()], validate_choice=True)
    state = SelectField(_l("State"), choices=lambda: [(s.value, label) for s, label in state_labels().items()],
                        validate_choice=True, default=CampaignState.draft.value)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        # The decision is its number and its date: one without the other names no decision.
        if self.decision_number.data and self.decision_date.data is None and not self.decision_date.errors:
            self.decision_date.errors.append(_l("Enter the date of the decision."))
            ok = False
        if self.decision_date.data and not self.decision_number.data and not self.decision_number.errors:
            self.decision_number.errors.append(_l("Enter the number of the decision, such as 336/QĐ-BHXH."))
            ok = False
        return ok

    def validate_participant_groups(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one participant group."))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The campaign cannot end before it starts."))

    def validate_counts_from(self, field):
        if field.data is None:
            return
        if self.ends_on.data and field.data > self.ends_on.data:
            raise ValidationError(_l("Results cannot count from after the campaign ends (%(end)s).",
                                     end=self.ends_on.data.strftime("%d/%m/%Y")))
        if self.starts_on.data and field.data > self.starts_on.data:
            raise ValidationError(_l("Results count from the first day of the campaign or earlier (%(start)s).",
                                     start=self.starts_on.data.strftime("%d/%m/%Y")))

    def values(self) -> dict:
        return {"name": self.name.data.strip(), "code": self.code.data.strip().upper(),
                "decision_number": (self.decision_number.data or "").strip() or None,
                "decision_date": self.decision_date.data,
                "starts_on": self.starts_on.data, "ends_on": self.ends_on.data, "counts_from": self.counts_from.data,
                "participant_groups": [g.value for g in ParticipantGroup if g.value in self.participant_groups.data],
                "state": CampaignState(self.state.data)}


class CopyTargetsForm(Form):
    source_id = SelectField(_l("Copy the targets of"), coerce=choice_id, validate_choice=True)


BASES = ("insured", "achievement")


def basis_choices():
    return [("insured", _l("The children's insured people now (employer channel)")),
            ("achievement", _l("What each child achieved in an earlier campaign, for that metric"))]


class AllocateForm(Form):
    # Checked through the scoping helper: a unit outside the user's area answers 404.
    unit_id = SelectField(_l("Allocate the targets of"), coerce=choice_id, validate_choice=False)
    basis = SelectField(_l("In proportion to"), choices=basis_choices, validate_choice=True)
    source_id = SelectField(_l("Earlier campaign (for achievement)"), coerce=choice_id, validate_choice=True,
                            default=0)

    def validate_source_id(self, field):
        if self.basis.data == "achievement" and not field.data:
            raise ValidationError(_l("Choose the campaign whose achievement to allocate by."))
