"""How a request's transaction ends when its view did not commit
(fieldops/core/transactions.py): committed when it wrote nothing, so PostgreSQL
keeps the statements psycopg prepared; rolled back otherwise, nothing saved."""
import pytest
import sqlalchemy as sa

from fieldops.core.transactions import end_request_transaction
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel


@pytest.fixture
def endings(app):
    seen = []

    def committed(_conn):
        seen.append("commit")

    def rolled_back(_conn):
        seen.append("rollback")

    sa.event.listen(db.engine, "commit", committed)
    sa.event.listen(db.engine, "rollback", rolled_back)
    yield seen
    sa.event.remove(db.engine, "commit", committed)
    sa.event.remove(db.engine, "rollback", rolled_back)


def _read_units():
    return db.session.scalars(sa.select(OrgUnit).order_by(OrgUnit.code)).all()


def test_a_transaction_that_only_read_is_committed(org, endings):
    _read_units()
    end_request_transaction(None)
    assert endings == ["commit"]


def _flushed(org):
    db.session.add(OrgUnit(code="HN-HK", name="BHXH quận Hoàn Kiếm", level=UnitLevel.district,
                           parent=org["HN"], path=""))
    db.session.flush()


def _pending(org):
    db.session.add(OrgUnit(code="HN-HK", name="BHXH quận Hoàn Kiếm", level=UnitLevel.district,
                           parent=org["HN"], path=""))


def _changed(org):
    org["HN"].name = "Đổi tên"


def _updated(org):
    db.session.execute(sa.update(OrgUnit).where(OrgUnit.code == "HN").values(name="Đổi tên"))


@pytest.mark.parametrize("write", [_flushed, _pending, _changed, _updated])
def test_a_transaction_that_wrote_anything_is_rolled_back(org, endings, write):
    _read_units()
    write(org)
    endings.clear()
    end_request_transaction(None)
    db.session.remove()
    assert "commit" not in endings
    units = _read_units()
    assert [u.code for u in units] == sorted(org)
    assert next(u for u in units if u.code == "HN").name == "BHXH Hà Nội"


def test_a_failed_request_is_rolled_back(org, endings):
    _read_units()
    end_request_transaction(RuntimeError("the view failed"))
    assert endings == []  # left to Flask-SQLAlchemy's rollback


def test_a_request_without_the_database_begins_nothing(app, endings):
    db.session.remove()
    end_request_transaction(None)
    assert endings == [] and not db.session.registry.has()


def test_postgresql_keeps_the_statements_prepared_from_one_request_to_the_next(org):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's prepared statements are PostgreSQL's")
    statement = sa.select(OrgUnit.code).where(OrgUnit.level == sa.bindparam("level"))
    db.session.remove()
    db.engine.dispose()  # one connection in the pool, as a sync worker has: every request gets it
    for _ in range(8):  # psycopg prepares a statement on its fifth run
        db.session.execute(statement, {"level": "district"}).all()
        end_request_transaction(None)
        db.session.remove()
    prepared = db.session.scalars(sa.text(
        "SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT org_unit.code%'")).all()
    assert len(prepared) == 1


def test_statements_planned_for_their_values_leave_the_transaction_one_that_only_read(org, endings):
    """core/rows.planned_for_their_values (a search's words decide its best plan): on
    PostgreSQL the rest of the transaction is planned for its values, and no further;
    the transaction still only read, so it is committed and keeps its prepared statements."""
    from fieldops.core.rows import planned_for_their_values

    def mode():
        return db.session.scalar(sa.text("SELECT current_setting('plan_cache_mode')"))

    postgresql = db.engine.dialect.name == "postgresql"
    _read_units()
    planned_for_their_values()
    if postgresql:
        assert mode() == "force_custom_plan"
    end_request_transaction(None)
    assert endings == ["commit"]
    db.session.remove()
    if postgresql:
        assert mode() == "auto"


class _Undone(Exception):
    def __init__(self, sqlstate):
        self.sqlstate = sqlstate


def _undone_by_the_database(sqlstate):
    return sa.exc.OperationalError("UPDATE progress_stock …", {}, _Undone(sqlstate))


def test_work_undone_for_a_deadlock_is_done_again_from_the_start_and_saved_once(app):
    from fieldops.core.transactions import committed_with_retries

    tries = []

    def work():
        db.session.add(OrgUnit(code=f"T{len(tries)}", name="Thử", level=UnitLevel.national, path="/"))
        db.session.flush()
        tries.append(1)
        if len(tries) == 1:
            raise _undone_by_the_database("40P01")  # the first attempt met another writer
        return "done"

    assert committed_with_retries(work) == "done"
    db.session.expire_all()
    assert [u.code for u in _read_units()] == ["T1"]  # the undone attempt left nothing


@pytest.mark.parametrize("sqlstate, attempts", [("23505", 1), ("40P01", 3)])
def test_other_errors_and_a_deadlock_every_time_are_not_hidden(app, sqlstate, attempts):
    from fieldops.core.transactions import committed_with_retries

    tries = []

    def work():
        tries.append(1)
        db.session.add(OrgUnit(code=f"T{len(tries)}", name="Thử", level=UnitLevel.national, path="/"))
        db.session.flush()
        raise _undone_by_the_database(sqlstate)

    with pytest.raises(sa.exc.OperationalError):
        committed_with_retries(work)
    assert len(tries) == attempts and _read_units() == []


def test_rows_copied_back_put_a_unit_after_the_parent_it_was_moved_under(org):
    """The tests' own copy of the database: a unit moved under a newer one lies
    before its parent by id (and, once updated, maybe on disk too)."""
    from tests.conftest import _truncate, restore_rows, snapshot_rows

    newer = OrgUnit(code="HN2", name="BHXH Hà Nội 2", level=UnitLevel.province,
                    parent=org["VN"], path="")
    db.session.add(newer)
    db.session.flush()
    newer.path = f"{org['VN'].path}{newer.id}/"
    moved_id = org["HN-CG"].id
    moved = db.session.get(OrgUnit, moved_id)
    moved.parent, moved.path = newer, f"{newer.path}{moved.id}/"
    db.session.commit()
    rows = snapshot_rows()
    db.session.remove()
    _truncate(db.engine)

    restore_rows(rows)

    assert db.session.get(OrgUnit, moved_id).parent.code == "HN2"
