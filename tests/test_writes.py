"""fieldops/core/writes.py runs an INSERT, UPDATE or DELETE on the driver's cursor
with pieces of SQLAlchemy's compiler: what it writes and returns must be what
SQLAlchemy's own execution would, defaults included, on SQLite and on PostgreSQL."""
from datetime import datetime

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.core.writes import write
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.progress.models import ActivityCount
from fieldops.progress.timeline import _upsert
from tests import factories
from tests.statements import recorded

DEPARTMENTS = LabourDepartment.__table__
EVENTS = AuditEvent.__table__


@pytest.fixture
def employer(org):
    found = factories.employer(org["HN-BD"], name="Công ty Hồng Hà", departments=[("Văn phòng", 40), ("Xưởng", 120)])
    db.session.commit()
    return found


def _departments(employer):
    return db.session.execute(
        sa.select(DEPARTMENTS).where(DEPARTMENTS.c.employer_id == employer.id).order_by(DEPARTMENTS.c.id)).all()


def test_an_insert_fills_the_defaults_of_the_columns_not_given_and_returns_its_rows(app, employer):
    before = datetime.utcnow()
    [(event_id, created_at)] = write(sa.insert(EVENTS).returning(EVENTS.c.id, EVENTS.c.created_at), {
        "actor_name": "Nguyễn Văn An", "action": "visit.create", "object_type": "visit", "object_id": 7,
        "after": {"lines": [{"insured": 40}], "note": "Không nhận được mã"}})
    row = db.session.execute(sa.select(EVENTS).where(EVENTS.c.id == event_id)).one()
    assert row.created_at == created_at and before <= created_at <= datetime.utcnow()  # default=utcnow
    assert row.after == {"lines": [{"insured": 40}], "note": "Không nhận được mã"}  # through JSON's processor
    assert row.before is None and row.actor_id is None


def test_an_update_of_many_rows_sets_what_was_given_and_the_onupdate_columns(app, employer):
    office, workshop = _departments(employer)
    update = sa.update(DEPARTMENTS).where(DEPARTMENTS.c.id == sa.bindparam("k_id"))
    assert write(update, [{"k_id": office.id, "name": "Văn phòng chính", "insured_declared": 41},
                          {"k_id": workshop.id, "name": "Xưởng may", "insured_declared": 125}]) is None
    office_now, workshop_now = _departments(employer)
    assert (office_now.name, office_now.insured_declared) == ("Văn phòng chính", 41)
    assert (workshop_now.name, workshop_now.insured_declared) == ("Xưởng may", 125)
    assert office_now.updated_at > office.updated_at  # onupdate=utcnow
    assert office_now.employer_id == employer.id and office_now.current_insured == office.current_insured


def test_an_upsert_of_many_rows_returns_each_row_as_it_now_is(app, employer):
    keys, upsert, delete_empty = _upsert(ActivityCount, db.session.get_bind().dialect.name)
    day = datetime(2023, 6, 1).date()
    rows = [{"district_id": employer.district_id, "grain": grain, "day": day, "visits": 1, "visits_verified": 0,
             "registrations": 5, "registrations_verified": 0} for grain in ("day", "month")]
    assert sorted(write(upsert, rows)) == sorted(
        (employer.district_id, grain, day, 1, 0, 5, 0) for grain in ("day", "month"))
    back = [row | {"visits": -1, "registrations": -5} for row in rows]
    returned = write(upsert, back)
    assert sorted(tuple(row) for row in returned) == sorted(
        (employer.district_id, grain, day, 0, 0, 0, 0) for grain in ("day", "month"))
    assert [row._asdict()["grain"] for row in returned] in (["day", "month"], ["month", "day"])
    write(delete_empty, [{f"k_{k}": row[k] for k in keys} for row in rows])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActivityCount)) == 0


def test_a_write_is_one_statement_the_engines_listeners_see(app, employer):
    office, workshop = _departments(employer)
    update = sa.update(DEPARTMENTS).where(DEPARTMENTS.c.id == sa.bindparam("k_id"))
    with recorded() as sent:
        write(update, {"k_id": office.id, "name": "Văn phòng chính"})
        write(update, [{"k_id": office.id, "name": "Văn phòng"}, {"k_id": workshop.id, "name": "Xưởng may"}])
    assert len(sent) == 2 and all(sql.startswith("UPDATE labour_department") for sql in sent)
    assert [row.name for row in _departments(employer)] == ["Văn phòng", "Xưởng may"]


def test_a_statement_of_a_list_goes_through_sqlalchemy(app, employer):
    office, workshop = _departments(employer)
    update = (sa.update(DEPARTMENTS).where(DEPARTMENTS.c.id.in_(sa.bindparam("ids", expanding=True)))
              .values(insured_declared=3))
    assert write(update, {"ids": [office.id, workshop.id]}) is None
    assert [row.insured_declared for row in _departments(employer)] == [3, 3]


def test_a_drivers_error_is_sqlalchemys_and_nothing_is_written(app, employer):
    office, _workshop = _departments(employer)
    update = sa.update(DEPARTMENTS).where(DEPARTMENTS.c.id == sa.bindparam("k_id"))
    with pytest.raises(sa.exc.IntegrityError):  # another department of the employer has this name
        write(update, {"k_id": office.id, "name": "Xưởng"})
    db.session.rollback()
    assert [row.name for row in _departments(employer)] == ["Văn phòng", "Xưởng"]
    assert db.session.scalar(sa.select(sa.func.count(Employer.id))) == 1
