from fieldops.audit.operations import record
from fieldops.core import hooks
from fieldops.employers.models import WHOLE_EMPLOYER, Employer, LabourDepartment
from fieldops.extensions import db

EDITABLE = ("unit_code", "tax_code", "name", "address", "sector", "district_id", "contact_name", "contact_phone")

# Registered at app start by the features above (fieldops/core/hooks.py).
employers_changed = hooks.hook("employers_changed")  # the progress timeline follows
districts_follow = hooks.hook("districts_follow")  # their visits and follow-ups carry the new district
history_change = hooks.hook("history_change")  # the employer's timeline lock (fieldops/progress/timeline.py)


def snapshot(employer: Employer) -> dict:
    return {field: getattr(employer, field) for field in EDITABLE}


def create_employer(actor, *, departments=(), **fields) -> Employer:
    """A new employer; with no departments named it gets the single "Toàn đơn vị".

    `departments` holds names, or (name, insured_declared) pairs.
    """
    employer = Employer(**{k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()})
    employer.unit_code = employer.unit_code.upper()
    employer.refresh_search_text()
    for department in departments or [WHOLE_EMPLOYER]:
        name, insured = (department, 0) if isinstance(department, str) else department
        employer.departments.append(LabourDepartment(name=name.strip(), insured_declared=insured))
    db.session.add(employer)
    db.session.flush()
    employers_changed([employer.id])  # progress timeline
    record("employer.create", actor=actor, obj=employer,
           after=snapshot(employer) | {"departments": [d.name for d in employer.departments]})
    return employer


def update_employer(actor, employer: Employer, **fields) -> None:
    before = snapshot(employer)
    for field, value in fields.items():
        setattr(employer, field, value.strip() if isinstance(value, str) else value)
    employer.unit_code = employer.unit_code.upper()
    employer.refresh_search_text()
    db.session.flush()
    employers_changed([employer.id])  # progress timeline: the district may have changed
    districts_follow([employer.id])
    record("employer.edit", actor=actor, obj=employer, before=before, after=snapshot(employer))


# A department added or renamed is a change of its employer's: inside `history_change`, which takes the
# employer's lock first (the writers' lock order) and marks the employer changed for the tablets' sync.


def add_department(actor, employer: Employer, name: str) -> LabourDepartment:
    with history_change(employer.id):
        department = LabourDepartment(employer=employer, name=name.strip())
        db.session.add(department)
        db.session.flush()
    record("labour_department.create", actor=actor, obj=department,
           after={"employer_id": employer.id, "name": department.name})
    return department


def rename_department(actor, department: LabourDepartment, name: str) -> None:
    before = {"name": department.name}
    with history_change(department.employer_id):
        department.name = name.strip()
        db.session.flush()
    record("labour_department.edit", actor=actor, obj=department, before=before, after={"name": department.name})
