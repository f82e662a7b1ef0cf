"""The visit form. Counts are parsed by hand so every kind of bad input gets its
own clear message beside the field; the rules are DESIGN.md "Rules for input"."""
import hashlib
import json
import re
from dataclasses import dataclass, field as dataclass_field
from datetime import date

from wtforms import BooleanField, Field, FieldList, FormField, HiddenField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import NumberInput

from fieldops.core.forms import Form, SelectField, SubForm, choice_id
from fieldops.core.numbers import whole_number
from fieldops.core.translations import lazy_gettext as _l
from fieldops.definitions import counts_on
from fieldops.timeutil import format_date, local_today
from fieldops.visits.labels import obstacle_choices, purpose_choices
from fieldops.visits import rules
from fieldops.visits.models import MAX_COUNT, ObstacleCategory, VisitPurpose

MAX_LINES = 200
MAX_OBSTACLES = 50
_KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")
_WHOLE = re.compile(rules.WHOLE)
_FRACTION = re.compile(rules.FRACTION)


def parse_count(raw: str):
    """(value, problem): a whole number 0..MAX_COUNT, or None and why not."""
    raw = (raw or "").strip()
    if _WHOLE.match(raw):
        value = int(raw)
        if 0 <= value <= MAX_COUNT:
            return value, None  # the messages are made only for a count that needs one (12 counts a visit)
        return None, rules.count_messages()["negative" if value < 0 else "too_big"]
    if raw == "":
        return None, rules.count_messages()["empty"]
    return None, rules.count_messages()["fraction" if _FRACTION.match(raw) else "not_whole"]


class CountField(Field):
    """A number of people. Keeps what was typed; the form decides whether it matters."""

    widget = NumberInput(step=1, min=0)

    def process_formdata(self, valuelist):
        self.typed = (valuelist[0] if valuelist else "").strip()[:rules.TYPED_MAX]
        self.data, self.problem = parse_count(self.typed)

    def process_data(self, value):
        self.data, self.problem, self.typed = value, None, "" if value is None else str(value)

    def _value(self):
        return self.typed


class LineForm(SubForm):
    department_id = HiddenField()
    new_name = StringField(_l("New department"))
    counted = BooleanField(_l("Counted on this visit"), default=True)
    insured = CountField(_l("Insured"))
    registered = CountField(_l("Registered"))
    active = CountField(_l("Active"))
    newly_registered = CountField(_l("Newly registered"))

    @property
    def department_key(self):
        return whole_number(self.department_id.data)

    @property
    def is_new(self) -> bool:
        return not (self.department_id.data or "").strip()

    def counts(self):
        return self.insured.data, self.registered.data, self.active.data, self.newly_registered.data


class ObstacleForm(SubForm):
    category = SelectField(_l("Obstacle"), choices=lambda: [("", "—")] + obstacle_choices(), validate_choice=False)
    people_affected = CountField(_l("People affected"))
    note = StringField(_l("Note"))

    @property
    def is_blank(self) -> bool:
        return not (self.category.data or self.people_affected.typed or (self.note.data or "").strip())


@dataclass
class LineInput:
    # LabourDepartment (a row of its id and name will do for a new visit), or None for one added with the visit
    department: object
    new_name: str
    insured: int
    registered: int
    active: int
    newly_registered: int


@dataclass
class ObstacleInput:
    category: ObstacleCategory
    people_affected: int
    note: str


@dataclass
class VisitInput:
    visit_date: date
    purpose: VisitPurpose
    notes: str
    latitude: float | None
    longitude: float | None
    lines: list[LineInput] = dataclass_field(default_factory=list)
    obstacles: list[ObstacleInput] = dataclass_field(default_factory=list)

    @property
    def newly_registered(self) -> int:
        """The visit's registrations assisted: Σ newly registered over its lines."""
        return sum(line.newly_registered for line in self.lines)


def _coordinate(field, limit):
    raw = (field.data or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not -limit <= value <= limit or value != value:
        field.errors.append(_l("Enter a number between -%(limit)s and %(limit)s.", limit=limit))
        return None
    return round(value, 6)


class VisitForm(Form):
    idempotency_key = HiddenField()
    base_revision = HiddenField()
    visit_date = DateField(
        _l("Visit date"), format=["%Y-%m-%d", "%d/%m/%Y"],
        validators=[InputRequired(message=rules.date_messages()["missing"])],
    )
    purpose = SelectField(
        _l("Purpose"), choices=lambda: [("", "—")] + purpose_choices(),
        validators=[InputRequired(message=_l("Choose the purpose of the visit."))],
    )
    lines = FieldList(FormField(LineForm), _l("Labour department"), max_entries=MAX_LINES)
    obstacles = FieldList(FormField(ObstacleForm), _l("Reported obstacle"), max_entries=MAX_OBSTACLES)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    latitude = StringField(_l("Latitude"))
    longitude = StringField(_l("Longitude"))

    # Set by the view before validating.
    earliest_date: date | None = None
    existing_names: frozenset = frozenset()
    # {department id: (starts_on, retired_on)}: a line only for a department counting on the visit date.
    department_lives: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems = []  # form-level messages, shown above the lines

    def sent_key(self) -> str | None:
        """The idempotency key as sent, if it has a key's shape (no other is ever saved)."""
        key = self.idempotency_key.data or ""
        return key if _KEY.fullmatch(key) else None

    def counted_lines(self):
        return [entry.form for entry in self.lines if entry.form.counted.data]

    def filled_obstacles(self):
        return [entry.form for entry in self.obstacles if not entry.form.is_blank]

    # --- validation -------------------------------------------------------

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.sent_key() is None:
            self.problems.append(_l("This form has lost its key. Reload the page and enter the visit again."))
        self._check_date()
        self._check_location()
        self._check_lines()
        self._check_obstacles()
        return ok and not self.problems and not self._field_errors()

    def _field_errors(self) -> bool:
        fields = [self.visit_date, self.purpose, self.notes, self.latitude, self.longitude]
        for entry in list(self.lines) + list(self.obstacles):
            fields.extend(entry.form)
        return any(f.errors for f in fields)

    def _check_date(self):
        value = self.visit_date.data
        if value is None or self.visit_date.errors:
            if self.visit_date.raw_data and self.visit_date.raw_data[0]:
                self.visit_date.errors[:] = [rules.date_messages()["format"]]
            return
        if value > local_today():
            self.visit_date.errors.append(rules.date_messages()["future"])
        elif self.earliest_date and value < self.earliest_date:
            self.visit_date.errors.append(rules.date_messages()["early"] % {"date": format_date(self.earliest_date)})

    def _check_location(self):
        lat = _coordinate(self.latitude, 90)
        lon = _coordinate(self.longitude, 180)
        if not self.latitude.errors and not self.longitude.errors and (lat is None) != (lon is None):
            (self.longitude if lon is None else self.latitude).errors.append(
                _l("Give both latitude and longitude, or neither."))

    def _check_lines(self):
        lines = self.counted_lines()
        if not lines:
            self.problems.append(_l("Count at least one labour department."))
        seen_ids, seen_names = set(), set(self.existing_names)
        for line in lines:
            if line.is_new:
                name = (line.new_name.data or "").strip()
                folded = name.casefold()
                if not name:
                    line.new_name.errors.append(_l("Enter the name of the department."))
                elif len(name) > 160:
                    line.new_name.errors.append(_l("Use at most 160 characters."))
                elif folded in seen_names:
                    line.new_name.errors.append(_l("This employer already has a department with this name."))
                seen_names.add(folded)
            else:
                if line.department_key in seen_ids:
                    self.problems.append(_l("A department appears twice in this visit."))
                seen_ids.add(line.department_key)
                life = self.department_lives.get(line.department_key)
                day = self.visit_date.data
                if life and isinstance(day, date) and not counts_on(day, *life):
                    self.problems.append(_l("A department counted here was split, merged or retired before the"
                                            " visit date, or starts after it."))
            self._check_counts(line)

    @staticmethod
    def _check_counts(line):
        for f in (line.insured, line.registered, line.active, line.newly_registered):
            if f.problem:
                f.errors.append(f.problem)
        for name, limit, message in rules.AT_MOST:
            value, most = getattr(line, name).data, getattr(line, limit).data
            if value is not None and most is not None and value > most:
                getattr(line, name).errors.append(message % {"n": most})

    def _check_obstacles(self):
        for obstacle in self.filled_obstacles():
            if obstacle.category.data not in {c.value for c in ObstacleCategory}:
                obstacle.category.errors.append(_l("Choose the kind of obstacle."))
            if obstacle.people_affected.problem:
                obstacle.people_affected.errors.append(obstacle.people_affected.problem)
            if len((obstacle.note.data or "").strip()) > 500:
                obstacle.note.errors.append(_l("Use at most 500 characters."))

    # --- what was sent ----------------------------------------------------

    def payload_hash(self, employer_id: int) -> str:
        """SHA-256 of the content as typed, so a resend is recognised whatever the
        rows were numbered; the key and the CSRF token are not content."""
        lines = sorted(
            [line.department_id.data or "", (line.new_name.data or "").strip(),
             line.insured.typed, line.registered.typed, line.active.typed, line.newly_registered.typed]
            for line in self.counted_lines()
        )
        payload = {
            "employer_id": employer_id,
            "visit_date": (self.visit_date.raw_data or [""])[0].strip(),
            "purpose": self.purpose.data or "",
            "notes": (self.notes.data or "").replace("\r\n", "\n").strip(),
            "location": [(self.latitude.data or "").strip(), (self.longitude.data or "").strip()],
            "lines": lines,
            "obstacles": [[o.category.data or "", o.people_affected.typed, (o.note.data or "").strip()]
                          for o in self.filled_obstacles()],
        }
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    def visit_input(self, departments_by_id) -> VisitInput:
        """The validated content, departments resolved by the view."""
        return VisitInput(
            visit_date=self.visit_date.data,
            purpose=VisitPurpose(self.purpose.data),
            notes=(self.notes.data or "").replace("\r\n", "\n").strip(),
            latitude=_coordinate(self.latitude, 90),
            longitude=_coordinate(self.longitude, 180),
            lines=[
                LineInput(department=None if line.is_new else departments_by_id[line.department_key],
                          new_name=(line.new_name.data or "").strip(), insured=line.insured.data,
                          registered=line.registered.data, active=line.active.data,
                          newly_registered=line.newly_registered.data)
                for line in self.counted_lines()
            ],
            obstacles=[
                ObstacleInput(category=ObstacleCategory(o.category.data), people_affected=o.people_affected.data,
                              note=(o.note.data or "").strip())
                for o in self.filled_obstacles()
            ],
        )


class ReviewForm(Form):
    decision = HiddenField()
    reason = TextAreaField(_l("Reason for returning"), validators=[Optional(), Length(max=500)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.decision.data not in ("verify", "return"):
            self.decision.errors = [_l("Choose to verify or to return the visit.")]
            return False
        if self.decision.data == "return" and not (self.reason.data or "").strip():
            self.reason.errors = [_l("Say why the visit is returned, so the officer can correct it.")]
            return False
        return ok


class QueueFilterForm(Form):
    """The review queue's filters, read from the query string: a value that cannot
    be read gets a message and filters nothing."""

    class Meta:
        csrf = False

    officer = SelectField(_l("Officer"), coerce=choice_id, validate_choice=False)
    date_from = DateField(_l("From (date)"), format=["%Y-%m-%d", "%d/%m/%Y"], validators=[Optional()])
    date_to = DateField(_l("To (date)"), format=["%Y-%m-%d", "%d/%m/%Y"], validators=[Optional()])
    purpose = SelectField(_l("Purpose"), validate_choice=False)
    state = SelectField(_l("State"), validate_choice=False)
    employer = StringField(_l("Employer (name or code)"), filters=[lambda text: (text or "").strip()],
                           validators=[Length(max=100)])

    def fill_choices(self, officers, states):
        """`officers`: (id, name) of the area's, None when too many to list."""
        self.too_many_officers = officers is None
        self.officer.choices = [(0, _l("All"))] + list(officers or [])
        self.purpose.choices = [("", _l("All"))] + purpose_choices()
        self.state.choices = states

    def shown(self) -> tuple:
        """What the fields show, beyond the language and the choices every queue
        has: the area's officers, each field's value and its messages. The key its
        markup is remembered by (visits/queue.html)."""
        officers = None if self.too_many_officers else tuple(self.officer.choices[1:])
        return (officers, *((field.data if field.type == "SelectField" else field._value(),
                             tuple(str(error) for error in field.errors)) for field in self))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for select, message in ((self.officer, _l("Choose an officer from the list.")),
                                (self.purpose, _l("Choose a purpose from the list.")),
                                (self.state, _l("Choose a state from the list."))):
            sent = (select.raw_data or [""])[0]
            if sent not in ("", "0") and select.data not in {value for value, _label in select.choices if value}:
                select.errors = list(select.errors) + [message]
                ok = False
        if self.date_from.data and self.date_to.data and self.date_to.data < self.date_from.data:
            self.date_to.errors = list(self.date_to.errors) + [_l("The end date is before the start date.")]
            ok = False
        return ok
