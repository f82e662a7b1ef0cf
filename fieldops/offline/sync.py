"""What a tablet keeps of its officer's district: every employer with its
departments and their current figures, the officer's own recent visits and
follow-ups, and the visit rules. Rows are arrays under one list of field names
(the largest district, 18,051 employers and ~60,000 departments, is then a few
megabytes of JSON, a fraction of that gzipped).

Incremental: an answer carries a cursor; asked again with it, only the employers
changed since come back, each whole with its departments, so a removed department
goes too. Changed is the employer's own row (`Employer.updated_at`, seldom: an
edit, an import), or one of its departments (added, renamed, new figures, split,
retired): their latest time is kept on the employer's timeline
(`EmployerTimeline.departments_updated_at`) by the refresh every change of a
department goes through (fieldops/progress/timeline.py), and read by district
and time, so an incremental sync costs what changed in its district, not in the
country. The cursor is a little before the answer was read, so a write committed
while it was read is sent again rather than missed; the tablet replaces by id.

One statement, built once, reads it all, and the database writes each list as
the text of a JSON array, spliced as it comes into the answer: read as rows, the
largest district cost the app process several times the CPU (a row object per
row, json.dumps of them), and building the statement on each sync cost an
incremental one more than running it."""
import json
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.sql.util import ClauseAdapter

from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.followups.models import FollowUp
from fieldops.org.scope import area_of, in_area
from fieldops.progress.models import EmployerTimeline
from fieldops.timeutil import utcnow
from fieldops.visits import rules
from fieldops.visits.models import Visit
from fieldops.visits.queries import earliest_visit_date

OVERLAP = timedelta(minutes=2)
RECENT_VISITS = 500
EMPLOYER_FIELDS = ("id", "name", "unit_code", "tax_code", "address")
# starts_on, retired_on: a department's life (a part of a split or merge starts, an ended one retires):
# the tablet offers those counting on its day (visit_rules.js countsOn), as the form online does.
DEPARTMENT_FIELDS = ("id", "employer_id", "name", "insured", "registered", "active", "figures_date", "starts_on",
                     "retired_on")
VISIT_FIELDS = ("id", "employer_id", "visit_date", "state", "purpose")
FOLLOWUP_FIELDS = ("id", "employer_id", "kind", "state", "due_date", "visit_id", "note")


def _cursor(raw: str) -> datetime | None:
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


class _JSON:
    """JSON text made by the database, placed in the answer as it is (held, not
    copied into a str of its own: a few megabytes)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def _json_rows(dialect: str, stmt, *order, limit: int | None = None):
    """The rows of `stmt` in `order` (of its columns; the first `limit` rows), as the
    text of a JSON array of arrays: dates as ISO text, numbers as numbers, text as
    stored, the values json.dumps gave of the rows."""
    if dialect == "postgresql":
        rows = (stmt if limit is None else stmt.order_by(*order).limit(limit)).subquery()
        array = sa.func.json_agg(sa.func.json_build_array(*stmt.selected_columns)).aggregate_order_by(*order)
        return sa.select(sa.func.coalesce(sa.cast(ClauseAdapter(rows).traverse(array), sa.Text), "[]"))
    # SQLite before 3.44 has no ORDER BY within an aggregate. An ordered subquery alone
    # in the FROM of an aggregate query is neither flattened into it nor stripped of
    # its ORDER BY (its planner's rules, kept for group_concat): its rows come in order.
    rows = stmt.with_only_columns(sa.func.json_array(*stmt.selected_columns).label("row"))
    rows = rows.order_by(*order).limit(limit).subquery()
    return sa.select(sa.literal("[", sa.Text) + sa.func.coalesce(sa.func.group_concat(rows.c.row, ","), "")
                     + sa.literal("]", sa.Text))


@cache
def _read(dialect: str, incremental: bool):
    """The district's employers (those changed since `since`), their departments, the
    count of all its employers, the officer's (`user_id`) recent visits and follow-ups:
    one row, built once per database and kind of sync."""
    employers = sa.select(*(getattr(Employer, f) for f in EMPLOYER_FIELDS)).where(in_area(Employer.district_id))
    if incremental:
        # A union of the two indexed "changed since" reads, not an OR, which read every employer of the district to
        # test it. The timelines by (district, time): by time alone, a sync read every change in the country.
        since = sa.bindparam("since", type_=sa.DateTime)
        changed = sa.union(
            sa.select(Employer.id).where(Employer.updated_at >= since),
            sa.select(EmployerTimeline.employer_id).where(in_area(EmployerTimeline.district_id),
                                                          EmployerTimeline.departments_updated_at >= since))
        employers = employers.where(Employer.id.in_(changed))
    ids = employers.with_only_columns(Employer.id)
    # As an array on PostgreSQL: the departments are then read through their employer index instead of the whole
    # table hashed against the district's employers (the largest district: 160 ms of its CPU instead of 380).
    of_employers = (LabourDepartment.employer_id == sa.any_(sa.func.array(ids.scalar_subquery()))
                    if dialect == "postgresql" else LabourDepartment.employer_id.in_(ids))
    departments = sa.select(
        LabourDepartment.id, LabourDepartment.employer_id, LabourDepartment.name, LabourDepartment.insured,
        LabourDepartment.current_registered, LabourDepartment.current_active, LabourDepartment.current_visit_date,
        LabourDepartment.starts_on, LabourDepartment.retired_on,
    ).where(of_employers)
    visits = sa.select(Visit.id, Visit.employer_id, Visit.visit_date, Visit.state, Visit.purpose).where(
        Visit.officer_id == sa.bindparam("user_id"))
    followups = sa.select(FollowUp.id, FollowUp.employer_id, FollowUp.kind, FollowUp.state, FollowUp.due_date,
                          FollowUp.visit_id, FollowUp.note).where(in_area(FollowUp.district_id),
                                                                  FollowUp.assignee_id == sa.bindparam("user_id"))
    lists = (_json_rows(dialect, employers, Employer.id),
             _json_rows(dialect, departments, LabourDepartment.employer_id, LabourDepartment.name),
             _json_rows(dialect, visits, Visit.visit_date.desc(), Visit.id.desc(), limit=RECENT_VISITS),
             _json_rows(dialect, followups, FollowUp.due_date, FollowUp.id))
    total = sa.select(sa.func.count()).select_from(Employer).where(in_area(Employer.district_id))
    return sa.select(total.scalar_subquery(), *(text.scalar_subquery() for text in lists))


def to_json(answer: dict) -> bytes:
    """The answer as compact UTF-8 JSON, the database's arrays spliced in unparsed."""
    pieces = []
    for key, value in answer.items():
        text = value.text if isinstance(value, _JSON) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        pieces += (b"," if pieces else b"{", json.dumps(key).encode(), b":", text.encode())
    return b"".join([*pieces, b"}"])


def payload(user, since: str) -> dict:
    read_at = utcnow()
    cursor = _cursor(since)
    params = area_of(user) | {"user_id": user.id} | ({} if cursor is None else {"since": cursor})
    read = _read(db.session.get_bind().dialect.name, cursor is not None)
    total, employers, departments, visits, followups = db.session.execute(read, params).one()
    return {
        "full": cursor is None,
        "cursor": (read_at - OVERLAP).isoformat(),
        "read_at": read_at.isoformat() + "Z",
        "user": {"id": user.id, "name": user.full_name, "unit": user.org_unit.name},
        "rules": rules.for_browser(earliest_visit_date()),
        "employers_total": total,
        "employer_fields": EMPLOYER_FIELDS,
        "employers": _JSON(employers),
        "department_fields": DEPARTMENT_FIELDS,
        "departments": _JSON(departments),
        "visit_fields": VISIT_FIELDS,
        "visits": _JSON(visits),
        "followup_fields": FOLLOWUP_FIELDS,
        "followups": _JSON(followups),
    }
