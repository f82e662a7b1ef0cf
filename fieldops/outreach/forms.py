"""The outreach forms. Counts are parsed as on the visit form (each kind of bad
input its own message beside the field); the rules between fields are the
operations' (fieldops/outreach/operations.py), shown beside the field they name."""
from datetime import date

from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from fieldops.core.forms import Form, choice_id
from fieldops.core.translations import lazy_gettext as _l
from fieldops.outreach.labels import group_choices, kind_choices, period_labels
from fieldops.outreach.models import OUTREACH_GROUPS, REASON_MAX, OutreachKind, PlanPeriod
from fieldops.outreach.operations import Figures, quarter_of
from fieldops.visits.forms import CountField

_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class _Versioned(Form):
    """Carries the version of the activity the user saw, so a change made meanwhile is noticed."""

    version = HiddenField()

    @property
    def version_seen(self) -> int:
        return choice_id(self.version.data)


class _FiguresMixin:
    def figures_ok(self) -> bool:
        ok = True
        for f in (self.people_reached, self.registrations):
            if getattr(f, "problem", None):
                f.errors = list(f.errors) + [f.problem]
                ok = False
        return ok

    def figures(self) -> Figures:
        return Figures(self.people_reached.data, self.registrations.data)


def _date_field(label, required_message=None):
    validators = [InputRequired(message=required_message)] if required_message else [Optional()]
    return DateField(label, format=_DATE_FORMATS, validators=validators)


class ActivityForm(_FiguresMixin, _Versioned):
    """Plan an activity, or record one already held (then with its figures); also its edit."""

    district_id = SelectField(_l("District"), coerce=choice_id, validate_choice=True)
    kind = SelectField(_l("Kind of activity"), choices=lambda: [("", "—")] + kind_choices(),
                       validators=[InputRequired(message=_l("Choose the kind of activity."))])
    groups = SelectMultipleField(_l("Aimed at"), choices=group_choices, validate_choice=False,
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    starts_on = _date_field(_l("Date (first day)"), _l("Enter the date of the activity."))
    ends_on = _date_field(_l("Last day (if more than one)"))
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    employer_code = StringField(_l("Employer (unit code), when held at one"), validators=[Optional(), Length(max=40)])
    partners = StringField(_l("Partner organisations"), validators=[Optional(), Length(max=500)])
    status = RadioField(_l("Status"), choices=[("planned", _l("Planned: still to be held")),
                                               ("held", _l("Already held: with its figures"))], default="planned")
    people_reached = CountField(_l("People reached"))
    registrations = CountField(_l("Registrations made on the spot"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    photos = MultipleFileField(_l("Photos"))

    def wants_figures(self, activity=None) -> bool:
        """Whether the figures are asked for: an activity held, or one recorded as held."""
        if activity is not None:
            return activity.is_held
        return self.status.data == "held"

    def validate_for(self, activity=None, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.starts_on.errors and self.starts_on.raw_data and self.starts_on.raw_data[0]:
            self.starts_on.errors[:] = [_l("Enter the date as dd/mm/yyyy.")]
        if self.ends_on.errors and self.ends_on.raw_data and self.ends_on.raw_data[0]:
            self.ends_on.errors[:] = [_l("Enter the date as dd/mm/yyyy.")]
        if self.kind.data and self.kind.data not in {k.value for k in OutreachKind}:
            self.kind.errors.append(_l("Choose the kind of activity."))
            ok = False
        groups = self.groups.data or []
        if any(g not in {x.value for x in OUTREACH_GROUPS} for g in groups):
            self.groups.errors.append(_l("Not a valid choice."))
            ok = False
        elif not groups:
            self.groups.errors.append(_l("Choose at least one group the activity is aimed at."))
            ok = False
        if self.wants_figures(activity) and not self.figures_ok():
            ok = False
        return ok

    @property
    def last_day(self) -> date:
        return self.ends_on.data or self.starts_on.data

    def sent_photos(self):
        """The files chosen (a form sent with none still carries one empty part)."""
        return [f for f in (self.photos.data or []) if f and getattr(f, "filename", "")]


class HeldForm(_FiguresMixin, _Versioned):
    people_reached = CountField(_l("People reached"))
    registrations = CountField(_l("Registrations made on the spot"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        return self.figures_ok() and ok


class CancelForm(_Versioned):
    reason = TextAreaField(_l("Reason for the cancellation"), validators=[Optional(), Length(max=REASON_MAX)])


class VerifyForm(_Versioned):
    pass


class PhotoForm(Form):
    photos = MultipleFileField(_l("Photos"))

    def sent_photos(self):
        return [f for f in (self.photos.data or []) if f and getattr(f, "filename", "")]


def parse_period(kind: str, raw: str):
    """(first day, problem) of a month (2023-09) or a quarter (2023-Q3)."""
    raw = (raw or "").strip().upper()
    try:
        if kind == PlanPeriod.quarter:
            year, quarter = raw.split("-Q")
            if not 1 <= int(quarter) <= 4:
                raise ValueError
            return date(int(year), 3 * int(quarter) - 2, 1), None
        year, month = raw.split("-")
        return date(int(year), int(month), 1), None
    except ValueError:
        return None, (_l("Enter a quarter such as 2023-Q3.") if kind == PlanPeriod.quarter
                      else _l("Enter a month such as 2023-09."))


def period_code(kind, start: date) -> str:
    if kind == PlanPeriod.quarter:
        return f"{start.year}-Q{(quarter_of(start).month - 1) // 3 + 1}"
    return start.strftime("%Y-%m")


class PlanChoiceForm(Form):
    """The district and period of the plan page, read from the query string."""

    class Meta:
        csrf = False

    district_id = SelectField(_l("District"), coerce=choice_id, validate_choice=False)
    period_kind = SelectField(_l("Plan for a"), choices=lambda: [(k.value, v) for k, v in period_labels().items()],
                              validate_choice=False)
    period = StringField(_l("Month (2023-09) or quarter (2023-Q3)"), validators=[Optional(), Length(max=10)])


class PlanForm(Form):
    """The CSRF token of the plan form; its counts, one input per kind and group (named
    `n-<kind>-<group>`), and its district and period are read by the view."""
