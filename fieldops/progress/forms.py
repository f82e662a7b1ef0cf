"""Forms of progress monitoring. A target's value is parsed by hand (here, for the
form and the import alike) so every kind of bad input gets its own message."""
import re
from decimal import Decimal, InvalidOperation

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired

from fieldops.core.forms import Form, choice_id
from fieldops.core.translations import lazy_gettext as _l
from fieldops.definitions import Comparison
from fieldops.org.models import UnitLevel
from fieldops.progress.labels import comparison_labels, metric_choices
from fieldops.progress.models import MAX_TARGET, PERCENT_METRICS, TEAM_METRICS, Metric

MAX_TARGET_TEXT = format(MAX_TARGET, ",").replace(",", ".")
_NUMBER = re.compile(r"^[+-]?(\d+)(?:[.,](\d+))?$")
_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")


def parse_target_value(raw, metric):
    """(Decimal, None) or (None, why not). Counts are whole numbers; coverage is a
    percentage 0–100 with at most two decimals ("97,5" and "97.5" both read)."""
    if isinstance(raw, bool):
        return None, _l("Enter a number.")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return None, _l("Enter a number.")
        raw = format(Decimal(str(raw)).normalize(), "f")
    text = str(raw or "").strip().replace(" ", "")
    if not text:
        return None, _l("Enter the target value.")
    if len(text) > 20:
        return None, _l("Enter a number of at most %(max)s.", max=MAX_TARGET_TEXT)
    percent = metric in PERCENT_METRICS
    if percent and text.endswith("%"):
        text = text[:-1]
    if not percent and _GROUPED.match(text):
        return None, _l("Write the number without thousands separators, such as 12500.")
    match = _NUMBER.match(text)
    if match is None:
        return None, _l("Enter a number, such as 12500.")
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None, _l("Enter a number, such as 12500.")
    if value < 0:
        return None, _l("A target cannot be negative.")
    if percent:
        if value > 100:
            return None, _l("A percentage is at most 100.")
        if match.group(2) and len(match.group(2).rstrip("0")) > 2:
            return None, _l("Give the percentage with at most two decimals.")
        return value.quantize(Decimal("0.01")), None
    if value != value.to_integral_value():
        return None, _l("This target counts people, employers or visits: enter a whole number.")
    if value > MAX_TARGET:
        return None, _l("Enter a number of at most %(max)s.", max=MAX_TARGET_TEXT)
    return value.quantize(Decimal("1")), None


def metric_problem(unit, metric):
    """Why this metric cannot be a target of this unit, or None."""
    if unit.level == UnitLevel.team and metric not in TEAM_METRICS:
        return _l("A team manages no employers: its target can only be the visits its officers make.")
    return None


class TargetForm(Form):
    campaign_id = SelectField(_l("Campaign"), coerce=choice_id, validate_choice=True)
    # Checked through the scoping helper: a unit outside the user's area answers 404.
    org_unit_id = SelectField(_l("Unit"), coerce=choice_id, validate_choice=False)
    metric = SelectField(_l("Metric"), choices=metric_choices, validate_choice=True)
    value = StringField(_l("Target"), validators=[InputRequired(message=_l("Enter the target value."))])
    comparison = SelectField(_l("Met when the achieved figure is"), choices=lambda: list(comparison_labels().items()),
                             default=Comparison.at_least.value, validate_choice=True)

    def parsed_value(self, metric):
        value, problem = parse_target_value(self.value.data, Metric(metric))
        if problem:
            self.value.errors = list(self.value.errors) + [problem]
        return value


class TargetValueForm(Form):
    value = StringField(_l("Target"), validators=[InputRequired(message=_l("Enter the target value."))])
    comparison = SelectField(_l("Met when the achieved figure is"), choices=lambda: list(comparison_labels().items()),
                             default=Comparison.at_least.value, validate_choice=True)

    def parsed_value(self, metric):
        value, problem = parse_target_value(self.value.data, metric)
        if problem:
            self.value.errors = list(self.value.errors) + [problem]
        return value


class DeleteForm(Form):
    pass


class TargetImportForm(Form):
    campaign_id = SelectField(_l("Campaign"), coerce=choice_id, validate_choice=True)
    file = FileField(
        _l("CSV or XLSX file"),
        validators=[
            FileRequired(message=_l("Choose a CSV or XLSX file.")),
            FileAllowed(["csv", "xlsx"], message=_l("Only CSV and XLSX files can be imported.")),
        ],
    )
    dry_run = BooleanField(_l("Check only (dry run): report problems and what would change, write nothing"))
