import re
from datetime import timedelta

from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from fieldops.core.forms import Form, SelectField, choice_id
from fieldops.core.translations import lazy_gettext as _l
from fieldops.followups.labels import kind_choices, state_choices
from fieldops.followups.models import NOTE_MAX, OUTCOME_MAX, REASON_MAX
from fieldops.timeutil import local_today

_KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")
# A due date further ahead than this is a typing mistake.
MAX_AHEAD = timedelta(days=366)


def _within_a_year(form, field):
    if field.data is not None and field.data > local_today() + MAX_AHEAD:
        raise ValidationError(_l("Choose a due date within a year."))


class ProposeForm(Form):
    kind = SelectField(_l("Kind"), choices=kind_choices, validate_choice=True)
    obstacle_id = SelectField(_l("Obstacle"), coerce=choice_id, validate_choice=True, default=0)
    # Checked by the operation, which says clearly why an assignee does not fit.
    assignee_id = SelectField(_l("Assigned to"), coerce=choice_id, validate_choice=False, default=0)
    due_date = DateField(_l("Due date"), validators=[InputRequired(), _within_a_year])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX)])
    idempotency_key = HiddenField()

    def sent_key(self) -> str | None:
        """The key as sent, if it has a key's shape (none is fine: a form from before keys)."""
        key = self.idempotency_key.data or ""
        return key if _KEY.fullmatch(key) else None


class ApproveForm(Form):
    comment = StringField(_l("Comment (optional)"), validators=[Optional(), Length(max=REASON_MAX)])


class ReasonForm(Form):
    """Rejecting and cancelling: a reason is required."""

    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Give a reason.")),
                                                   Length(max=REASON_MAX)])


class ReassignForm(Form):
    assignee_id = SelectField(_l("Give to"), coerce=choice_id, validate_choice=False)


class StartForm(Form):
    pass


class CompleteForm(Form):
    outcome = TextAreaField(_l("Outcome"), validators=[DataRequired(message=_l("Describe the outcome.")),
                                                       Length(max=OUTCOME_MAX)])
    done_visit_id = SelectField(_l("Visit that did the work (optional)"), coerce=choice_id, validate_choice=True,
                                default=0)


class BulkForm(Form):
    decision = SelectField(choices=[("approve", _l("Approve")), ("reject", _l("Reject"))], validate_choice=True)
    reason = StringField(_l("Reason (needed to reject)"), validators=[Optional(), Length(max=REASON_MAX)])
    next = HiddenField()


class QueueFilterForm(Form):
    """The queue's filters, read from the query string."""

    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), coerce=choice_id, validate_choice=False)
    officer = SelectField(_l("Officer"), coerce=choice_id, validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False)
    state = SelectField(_l("State"), validate_choice=False)
    overdue = BooleanField(_l("Overdue"))
    week = BooleanField(_l("Due this week"))

    def fill_choices(self, units):
        everything = _l("All")
        self.unit.choices = [(0, everything)] + list(units)
        self.officer.choices = [(0, everything)]
        self.kind.choices = [("", everything)] + kind_choices()
        self.state.choices = [("all", everything)] + state_choices()

    def fill_officers(self, officers):
        """Officers to choose from; None when too many to list (choose a unit first)."""
        self.too_many_officers = officers is None
        self.officer.choices = [(0, _l("All"))] + list(officers or [])

    def chosen(self, field):
        """The field's value if it is one of its choices, else None."""
        values = {value for value, _label in field.choices if value}
        return field.data if field.data in values else None


class CareAnswerForm(Form):
    """The Customer Care Center's answer to an escalation (fieldops/followups/care.py)."""

    answer = SelectField(_l("What the Center did"), validate_choice=True,
                         validators=[DataRequired(message=_l("Choose what the Center did."))])
    note = TextAreaField(_l("Note for the officer"),
                         validators=[DataRequired(message=_l("Write a note for the officer.")),
                                     Length(max=OUTCOME_MAX)])

    def __init__(self, *args, **kwargs):
        from fieldops.followups.labels import care_answer_labels

        super().__init__(*args, **kwargs)
        self.answer.choices = [("", _l("Choose…"))] + [(k.value, v) for k, v in care_answer_labels().items()]
