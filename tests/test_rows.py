"""fieldops/core/rows.py reads a SELECT on the driver's cursor with pieces of
SQLAlchemy's compiler: its rows must be SQLAlchemy's own, whatever the types,
labels, lists and limits, on SQLite and on PostgreSQL alike."""
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from fieldops.auth.models import Role, User
from fieldops.core.rows import first_of, rows_of, scalar_of
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.visits.models import ReviewState, Visit, VisitLine, VisitRevision
from tests import factories
from tests.statements import recorded


@pytest.fixture
def history(org, users):
    officer = users["HN"]["officer"]
    hong_ha = factories.employer(org["HN-BD"], name="Công ty Hồng Hà", departments=[("Văn phòng", 40), ("Xưởng", 120)])
    song_da = factories.employer(org["HN-CG"], name="Công ty Sông Đà")
    for day in (1, 2, 3):
        factories.visit(officer, hong_ha, visit_date=date(2023, 6, day), now=datetime(2023, 6, day, 9),
                        obstacles=[("otp_not_received", 3, "không nhận được mã")] if day == 2 else ())
    factories.visit(officer, song_da, visit_date=date(2023, 6, 5), now=datetime(2023, 6, 5, 9))
    db.session.commit()
    return {"officer": officer, "hong_ha": hong_ha, "song_da": song_da}


def _statements(history):
    """(statement, parameters): the shapes the pages read."""
    ids = sa.bindparam("ids", expanding=True)
    return [
        # dates, times, an enum, a boolean, nulls, a label, two columns named alike, a literal limit
        (sa.select(Visit.id, Visit.visit_date, Visit.submitted_at, Visit.reviewed_at, Visit.state, Visit.purpose,
                   User.active, User.role, Employer.name.label("employer_name"), Employer.id, VisitLine.insured)
         .join(User, User.id == Visit.officer_id).join(Employer, Employer.id == Visit.employer_id)
         .join(VisitLine, VisitLine.visit_id == Visit.id).order_by(Visit.id, VisitLine.id).limit(5), None),
        # a list given as it runs, and one given empty
        (sa.select(Employer.id, Employer.name).where(Employer.id.in_(ids)).order_by(Employer.id),
         {"ids": [history["hong_ha"].id, history["song_da"].id, -1]}),
        (sa.select(Employer.id).where(Employer.id.in_(ids)), {"ids": []}),
        # a JSON document, a coalesce, an aggregate, a value bound when the statement was built
        (sa.select(VisitRevision.content, sa.func.coalesce(LabourDepartment.current_insured, -1).label("insured"))
         .join(Visit, Visit.id == VisitRevision.visit_id).join(VisitLine, VisitLine.visit_id == Visit.id)
         .join(LabourDepartment, LabourDepartment.id == VisitLine.labour_department_id)
         .where(Visit.employer_id == sa.bindparam("employer", history["song_da"].id)), None),
        (sa.select(Visit.state, sa.func.count(Visit.id).label("visits"), sa.func.max(Visit.visit_date))
         .group_by(Visit.state).where(Visit.state.in_([ReviewState.submitted, ReviewState.verified])), None),
        # a union, and a unit's path compared as a range (a construct of the app's own)
        (sa.union_all(sa.select(OrgUnit.code, OrgUnit.level).where(OrgUnit.path.like("/%")),
                      sa.select(sa.literal("—"), OrgUnit.level).where(OrgUnit.id == sa.bindparam("unit"))),
         {"unit": history["hong_ha"].district_id}),
        (sa.select(User.username, User.preferred_language).where(User.role == sa.bindparam("role"))
         .order_by(User.username), {"role": Role.officer}),
    ]


def test_rows_read_on_the_driver_are_sqlalchemys_rows(app, history):
    for statement, parameters in _statements(history):
        expected = db.session.connection().execute(statement, parameters).all()
        found = rows_of(statement, parameters)
        assert found == expected, statement
        assert [type(value) for row in found for value in row] == [type(value) for row in expected for value in row]
        for row, theirs in zip(found, expected):
            assert dict(row._asdict()) == dict(theirs._mapping), statement
        assert first_of(statement, parameters) == (expected[0] if expected else None)
        assert scalar_of(statement, parameters) == (expected[0][0] if expected else None)
        assert rows_of(statement, parameters) == expected  # compiled once, the same the second time


def test_lists_and_limits_of_every_length_are_written_as_sqlalchemy_writes_them(app, history):
    """A statement's lists and literal limits are rendered once for each length and
    value (core/rows.py, _expanded): run again and again with others, each run is
    still SQLAlchemy's, with the processors of its other parameters applied."""
    hong_ha, song_da = history["hong_ha"].id, history["song_da"].id
    by_ids = (sa.select(Employer.id, Employer.name).where(Employer.id.in_(sa.bindparam("ids", expanding=True)))
              .order_by(Employer.id).limit(sa.bindparam("n", type_=sa.Integer, literal_execute=True)))
    by_states = (sa.select(Visit.id, Visit.state, User.role).join(User, User.id == Visit.officer_id)
                 .where(Visit.state.in_(sa.bindparam("states", expanding=True)),
                        User.role == sa.bindparam("role"), Visit.visit_date >= sa.bindparam("since"))
                 .order_by(Visit.id))
    runs = [(by_ids, {"ids": ids, "n": n}) for ids, n in (
        ([hong_ha, song_da, -1], 5), ([song_da], 5), ([hong_ha, song_da, -1], 1), ([], 5), ({song_da, hong_ha}, 2),
        ([hong_ha, song_da, -1], 5))]
    runs += [(by_states, {"states": states, "role": Role.officer, "since": since}) for states, since in (
        ([ReviewState.submitted], date(2023, 6, 2)), ([ReviewState.submitted, ReviewState.verified], date(2023, 1, 1)),
        ([ReviewState.verified], date(2023, 6, 2)), ([ReviewState.submitted], date(2023, 6, 4)))]
    for statement, parameters in runs * 2:
        expected = db.session.connection().execute(statement, dict(parameters)).all()
        assert rows_of(statement, dict(parameters)) == expected, parameters
    assert rows_of(by_ids, {"ids": [hong_ha, song_da], "n": 5}) != []


def test_a_read_is_one_statement_the_engines_listeners_see(app, history):
    statement = sa.select(Employer.name).where(Employer.id == sa.bindparam("id"))
    hong_ha = history["hong_ha"].id
    with recorded() as sent:
        assert scalar_of(statement, {"id": hong_ha}) == "Công ty Hồng Hà"
        assert rows_of(statement, {"id": -1}) == []
    assert len(sent) == 2 and all("employer" in sql.lower() for sql in sent)


def test_what_the_session_holds_is_written_before_it_is_read(app, history):
    history["hong_ha"].name = "Công ty Hồng Hà mới"
    assert scalar_of(sa.select(Employer.name).where(Employer.id == history["hong_ha"].id)) == "Công ty Hồng Hà mới"


def test_a_write_goes_through_sqlalchemy(app, history):
    statement = (sa.update(Employer).where(Employer.id == history["song_da"].id).values(contact_name="Anh Hùng")
                 .returning(Employer.contact_name))
    assert rows_of(statement) == [("Anh Hùng",)]
    db.session.rollback()


def test_a_drivers_error_is_sqlalchemys_and_the_session_goes_on(app, history):
    missing = sa.select(sa.table("no_such_table", sa.column("x")).c.x)
    with pytest.raises(sa.exc.DBAPIError):
        rows_of(missing)
    db.session.rollback()
    assert scalar_of(sa.select(sa.func.count(Employer.id))) == 2
