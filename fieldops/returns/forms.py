"""The return forms. Counts are parsed as on the visit form (each kind of bad
input its own message beside the field); the rules between them are the
operations' (fieldops/returns/operations.py), shown beside the field they name."""
import re
from datetime import date

from flask_wtf.file import FileAllowed, FileField, FileRequired
from markupsafe import Markup
from wtforms import BooleanField, Field, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import html_params

from fieldops.core.forms import Form, choice_id
from fieldops.core.translations import lazy_gettext as _l
from fieldops.returns.labels import figure_labels, group_choices
from fieldops.returns.models import FIGURES, REASON_MAX
from fieldops.returns.operations import Figures
from fieldops.visits.forms import CountField

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_MONTH_VI = re.compile(r"^(\d{1,2})/(\d{4})$")


def parse_month(raw: str):
    """(first day of the month, problem): from 2023-09 (what a month input sends) or 09/2023."""
    raw = (raw or "").strip()
    if not raw:
        return None, _l("Choose the month.")
    match = _MONTH.match(raw)
    year, month = (match.group(1), match.group(2)) if match else (None, None)
    if not match and (vi := _MONTH_VI.match(raw)):
        month, year = vi.group(1), vi.group(2)
    if year is None or not 1 <= int(month) <= 12 or int(year) < 2000:
        return None, _l("Enter a month such as 2023-09.")
    return date(int(year), int(month), 1), None


class MonthField(Field):
    """A month, kept as its first day; shown as the month input expects it."""

    def __call__(self, **kwargs):
        kwargs.setdefault("type", "month")
        return Markup("<input %s>" % html_params(id=self.id, name=self.name, value=self._value(), **kwargs))

    def process_formdata(self, valuelist):
        self.typed = (valuelist[0] if valuelist else "").strip()[:20]
        self.data, self.problem = parse_month(self.typed)

    def process_data(self, value):
        self.data, self.problem = value, None
        self.typed = value.strftime("%Y-%m") if value else ""

    def _value(self):
        return self.typed


class _Versioned(Form):
    """Carries the version of the return the user saw, so a change made meanwhile is noticed."""

    version = HiddenField()

    @property
    def version_seen(self) -> int:
        return choice_id(self.version.data)


class _FiguresForm(_Versioned):
    # A new filing says how many use the app; a return filed before it was asked may be changed leaving it unknown.
    using_required = True

    participants = CountField(figure_labels()["participants"])
    registered = CountField(figure_labels()["registered"])
    using = CountField(figure_labels()["using"])
    new_participants = CountField(figure_labels()["new_participants"])
    new_registered = CountField(figure_labels()["new_registered"])

    def _typed_fields(self):
        return [getattr(self, name) for name in FIGURES]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for f in self._typed_fields():
            if f is self.using and not f.typed and not self.using_required:
                continue
            if getattr(f, "problem", None):
                f.errors = list(f.errors) + [f.problem]
                ok = False
        return ok

    def figures(self) -> Figures:
        return Figures(**{name: getattr(self, name).data for name in FIGURES})


class FileForm(_FiguresForm):
    district_id = SelectField(_l("District"), coerce=choice_id, validate_choice=True)
    participant_group = SelectField(_l("Group"), choices=group_choices, validate_choice=True)
    month = MonthField(_l("Month"))

    def _typed_fields(self):
        return [self.month] + super()._typed_fields()


class ChangeForm(_FiguresForm):
    using_required = False


class CorrectForm(_FiguresForm):
    using_required = False
    reason = StringField(_l("Reason for the correction"), validators=[Optional(), Length(max=REASON_MAX)])


class LockForm(_Versioned):
    pass


class MonthFilterForm(Form):
    """The returns page's month and district, read from the query string."""

    class Meta:
        csrf = False

    month = MonthField(_l("Month"))


class ImportForm(Form):
    file = FileField(
        _l("CSV or XLSX file"),
        validators=[
            FileRequired(message=_l("Choose a CSV or XLSX file.")),
            FileAllowed(["csv", "xlsx"], message=_l("Only CSV and XLSX files can be imported.")),
        ],
    )
    dry_run = BooleanField(_l("Check only (dry run): report problems and what would change, write nothing"))
