"""What a tablet keeps of its officer's district: every employer with its
departments and their current figures, the officer's own recent visits and
follow-ups, and the visit rules. Rows are arrays under one list of field names
(the largest district, 18,051 employers and ~60,000 departments, is then a few
megabytes of JSON, a fraction of that gzipped).

Incremental: an answer carries a cursor; asked again with it, only the employers
changed since (their own row, or a department's: added, renamed, new figures) come
back, each whole with its departments, so a removed department goes too. The
cursor is a little before the answer was read, so a write committed while it was
read is sent again rather than missed; the tablet replaces by id."""
from datetime import datetime, timedelta

import sqlalchemy as sa

from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.followups.models import FollowUp
from fieldops.org.scope import scoped
from fieldops.timeutil import utcnow
from fieldops.visits import rules
from fieldops.visits.models import Visit
from fieldops.visits.queries import earliest_visit_date

OVERLAP = timedelta(minutes=2)
RECENT_VISITS = 500
EMPLOYER_FIELDS = ("id", "name", "unit_code", "tax_code", "address")
DEPARTMENT_FIELDS = ("id", "employer_id", "name", "insured", "registered", "active", "figures_date")
VISIT_FIELDS = ("id", "employer_id", "visit_date", "state", "purpose")
FOLLOWUP_FIELDS = ("id", "employer_id", "kind", "state", "due_date", "visit_id", "note")


def _cursor(raw: str) -> datetime | None:
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _day(value):
    return value.isoformat() if value else None


def _rows(stmt) -> list[list]:
    # Core rows, not ORM ones, fetched at once rather than one by one: 70,000 rows of a
    # large district in a third, then a half, of the time.
    return [list(row) for row in db.session.connection().execute(stmt).fetchall()]


def payload(user, since: str) -> dict:
    read_at = utcnow()
    cursor = _cursor(since)
    employers = scoped(Employer, user, sa.select(*(getattr(Employer, f) for f in EMPLOYER_FIELDS)))
    total = db.session.scalar(scoped(Employer, user, sa.select(sa.func.count()).select_from(Employer)))
    if cursor is not None:
        # A union of the two indexed "changed since" reads, not an OR beside the district's filter, which read
        # every employer of the district to test it: the incremental sync cost nearly as much as the first.
        changed = sa.union(sa.select(Employer.id).where(Employer.updated_at >= cursor),
                           sa.select(LabourDepartment.employer_id).where(LabourDepartment.updated_at >= cursor))
        employers = employers.where(Employer.id.in_(changed))
    employer_rows = _rows(employers.order_by(Employer.id))
    ids = employers.with_only_columns(Employer.id).order_by(None)
    departments = (
        sa.select(LabourDepartment.id, LabourDepartment.employer_id, LabourDepartment.name, LabourDepartment.insured,
                  LabourDepartment.current_registered, LabourDepartment.current_active,
                  # As the ISO text both databases write: no date object per row.
                  sa.cast(LabourDepartment.current_visit_date, sa.String))
        .where(LabourDepartment.employer_id.in_(ids))
        .order_by(LabourDepartment.employer_id, LabourDepartment.name)
    )
    department_rows = _rows(departments)
    visits = (sa.select(Visit.id, Visit.employer_id, Visit.visit_date, Visit.state, Visit.purpose)
              .where(Visit.officer_id == user.id).order_by(Visit.visit_date.desc(), Visit.id.desc())
              .limit(RECENT_VISITS))
    followups = scoped(FollowUp, user, sa.select(FollowUp.id, FollowUp.employer_id, FollowUp.kind, FollowUp.state,
                                                 FollowUp.due_date, FollowUp.visit_id, FollowUp.note)
                       ).where(FollowUp.assignee_id == user.id).order_by(FollowUp.due_date, FollowUp.id)
    return {
        "full": cursor is None,
        "cursor": (read_at - OVERLAP).isoformat(),
        "read_at": read_at.isoformat() + "Z",
        "user": {"id": user.id, "name": user.full_name, "unit": user.org_unit.name},
        "rules": rules.for_browser(earliest_visit_date()),
        "employers_total": total,
        "employer_fields": EMPLOYER_FIELDS,
        "employers": employer_rows,
        "department_fields": DEPARTMENT_FIELDS,
        "departments": department_rows,
        "visit_fields": VISIT_FIELDS,
        "visits": [[i, e, _day(d), str(s), str(p)] for i, e, d, s, p in db.session.execute(visits)],
        "followup_fields": FOLLOWUP_FIELDS,
        "followups": [[i, e, str(k), str(s), _day(d), v, n] for i, e, k, s, d, v, n in db.session.execute(followups)],
    }
