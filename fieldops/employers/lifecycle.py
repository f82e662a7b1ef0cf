"""A labour department's life: split into several parts, merged with others into
one, or retired, from a date (DESIGN.md, "Meaning of the numbers").

From that date the department no longer counts in any figure
(fieldops/definitions.py `counts_on`, applied by the timeline); its visits and
its last figures stay readable, and figures before the date do not change. A
part is either a department the employer already has (an officer who recorded
the parts on a visit and left the old "Toàn đơn vị" as it was) or a new one,
counting from the date with its declared headcount. Each change runs under the
employer's timeline lock (`history_change`), is audited, and either happens
whole or not at all: every check comes before the first write.
"""
from dataclasses import dataclass
from datetime import date


from fieldops.audit.operations import record
from fieldops.core import hooks
from fieldops.core.translations import lazy_gettext as _l
from fieldops.definitions import counts_on
from fieldops.employers.models import REASON_MAX, WHOLE_EMPLOYER, DepartmentEnd, Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.timeutil import format_date, local_today

NAME_MAX = 160
PARTS_MAX = 50
# Registered at app start by the features above (fieldops/core/hooks.py).
history_change = hooks.hook("history_change")  # the employer's timeline lock (fieldops/progress/timeline.py)
last_visit_date = hooks.hook("last_visit_date")  # a department's latest visit (fieldops/visits/queries.py)
first_counting_line_date = hooks.hook("first_counting_line_date")  # the departments' first counting line


class LifeError(ValueError):
    """A change refused, with the message shown beside the form."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Part:
    name: str
    insured: int = 0  # the declared headcount of a new part (an existing one keeps its figures)


def counting_now(employer: Employer, today=None) -> list[LabourDepartment]:
    today = today or local_today()
    return [d for d in employer.departments if counts_on(today, d.starts_on, d.retired_on)]


def _check_end(department: LabourDepartment, day, reason, today):
    if not isinstance(day, date):
        raise LifeError(_l("Enter the date in the format dd/mm/yyyy."), "day")
    if department.retired_on is not None:
        raise LifeError(_l("This department no longer counts since %(date)s.",
                           date=format_date(department.retired_on)), "day")
    if day > today:
        raise LifeError(_l("The date cannot be in the future."), "day")
    if department.starts_on is not None and day < department.starts_on:
        raise LifeError(_l("The department only counts from %(date)s.", date=format_date(department.starts_on)), "day")
    last = last_visit_date(department)
    if last is not None and day < last:
        raise LifeError(_l("The department has a visit on %(date)s: the date cannot be before it.",
                           date=format_date(last)), "day")
    reason = (reason or "").strip()
    if not reason:
        raise LifeError(_l("Say why."), "reason")
    if len(reason) > REASON_MAX:
        raise LifeError(_l("At most %(n)d characters.", n=REASON_MAX), "reason")
    return reason


def _end(department, day, how, reason):
    department.retired_on, department.ended_how, department.ended_reason = day, how, reason


def _life(department) -> dict:
    return {"name": department.name, "starts_on": department.starts_on and department.starts_on.isoformat(),
            "retired_on": department.retired_on and department.retired_on.isoformat(),
            "ended_how": department.ended_how and str(department.ended_how), "reason": department.ended_reason}


def retire_department(actor, department: LabourDepartment, day, reason, today=None) -> None:
    reason = _check_end(department, day, reason, today or local_today())
    with history_change(department.employer_id):
        before = _life(department)
        _end(department, day, DepartmentEnd.retired, reason)
        db.session.flush()
        record("labour_department.retire", actor=actor, obj=department, before=before, after=_life(department))


def _resolve_parts(employer, ending, parts, day):
    """[(existing department or None, Part)], checked: names given, unique, not
    one of those ending, existing ones counting on the day."""
    existing = {d.name.casefold(): d for d in employer.departments}
    seen, out = set(), []
    for part in parts:
        name = (part.name or "").strip()
        if not name:
            raise LifeError(_l("Enter the name of each part."), "parts")
        if len(name) > NAME_MAX:
            raise LifeError(_l("Department names must be unique and at most 160 characters."), "parts")
        if name.casefold() in seen:
            raise LifeError(_l("A part is named twice."), "parts")
        seen.add(name.casefold())
        found = existing.get(name.casefold())
        if found is not None and (found in ending or not counts_on(day, found.starts_on, found.retired_on)):
            raise LifeError(_l("%(name)s does not count on that date: choose another name.", name=found.name),
                            "parts")
        if found is None and (part.insured is None or not 0 <= part.insured <= 10_000_000):
            raise LifeError(_l("Counts are whole numbers from 0."), "parts")
        out.append((found, Part(name, part.insured or 0)))
    return out


def _start(employer, name, insured, day):
    department = LabourDepartment(employer=employer, name=name, insured_declared=insured, starts_on=day)
    db.session.add(department)
    return department


def split_department(actor, department: LabourDepartment, day, reason, parts, today=None) -> list[str]:
    """Splits the department into `parts` (Part) from `day`. Returns the warnings
    (figures that do not add up: a split is a new count, so it is not refused)."""
    reason = _check_end(department, day, reason, today or local_today())
    if len(parts) < 2:
        raise LifeError(_l("A split needs at least two parts."), "parts")
    if len(parts) > PARTS_MAX:
        raise LifeError(_l("At most %(n)d parts.", n=PARTS_MAX), "parts")
    employer = department.employer
    resolved = _resolve_parts(employer, [department], parts, day)
    total = sum(found.insured if found is not None else part.insured for found, part in resolved)
    warnings = []
    if total != department.insured:
        warnings.append(_l("The parts count %(parts)d insured, %(name)s counted %(whole)d: the split is a new count.",
                           parts=total, name=department.name, whole=department.insured))
    with history_change(employer.id):
        before = _life(department)
        _end(department, day, DepartmentEnd.split, reason)
        made = [found or _start(employer, part.name, part.insured, day) for found, part in resolved]
        db.session.flush()
        record("labour_department.split", actor=actor, obj=department, before=before,
               after=_life(department) | {"into": [{"id": d.id, "name": d.name} for d in made]})
    return warnings


def merge_departments(actor, departments, day, reason, name, today=None) -> LabourDepartment:
    """Merges `departments` (two or more, of one employer) into one from `day`:
    into the department named `name` when the employer has it (one of them, or
    another that counts then), else into a new one declaring their insured."""
    departments = list({d.id: d for d in departments}.values())
    if len(departments) < 2:
        raise LifeError(_l("Choose at least two departments to merge."), "departments")
    if len({d.employer_id for d in departments}) > 1:
        raise LifeError(_l("Only departments of one employer can be merged."), "departments")
    today = today or local_today()
    name = (name or "").strip()
    if not name:
        raise LifeError(_l("Enter the name of the department they become."), "name")
    if len(name) > NAME_MAX:
        raise LifeError(_l("Department names must be unique and at most 160 characters."), "name")
    employer = departments[0].employer
    into = next((d for d in employer.departments if d.name.casefold() == name.casefold()), None)
    ending = [d for d in departments if d is not into]
    reasons = [_check_end(d, day, reason, today) for d in ending]
    if into is not None and into not in departments and not counts_on(day, into.starts_on, into.retired_on):
        raise LifeError(_l("%(name)s does not count on that date: choose another name.", name=into.name), "name")
    if into is not None and into in departments and into.retired_on is not None:
        raise LifeError(_l("%(name)s does not count on that date: choose another name.", name=into.name), "name")
    with history_change(employer.id):
        befores = [_life(d) for d in ending]
        if into is None:
            into = _start(employer, name, sum(d.insured for d in ending), day)
        for department in ending:
            _end(department, day, DepartmentEnd.merged, reasons[0])
        db.session.flush()
        for department, before in zip(ending, befores):
            record("labour_department.merge", actor=actor, obj=department, before=before,
                   after=_life(department) | {"into": {"id": into.id, "name": into.name}})
    return into


def double_count(alive):
    """Of the departments counting now (`alive`: departments or rows of their
    columns), the "Toàn đơn vị" still counting beside named departments that both
    have visit figures (the whole counted twice), and the named parts; None otherwise."""
    whole = next((d for d in alive if d.name == WHOLE_EMPLOYER and d.current_visit_id is not None), None)
    parts = [d for d in alive if d is not whole and d.current_visit_id is not None]
    if whole is None or not parts:
        return None
    first = first_counting_line_date([d.id for d in parts])
    return whole, parts, max(first or whole.current_visit_date, whole.current_visit_date)
