"""Fixtures: the app on a migrated database (SQLite, or PostgreSQL when
FIELDOPS_TEST_DATABASE_URL is set), a client, users per role, factories."""
import os
import re
import sqlite3

import pytest
import sqlalchemy as sa

from fieldops import create_app
from fieldops.extensions import db
from tests import factories

PASSWORD = factories.PASSWORD


def _database_url(tmp_path_factory):
    url = os.environ.get("FIELDOPS_TEST_DATABASE_URL")
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(url, worker) if worker else url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "fieldops-test.sqlite3")


def _worker_database(url, worker):
    """A PostgreSQL database of this worker's own (`make test` runs one worker per core):
    the given one's name with the worker's, made afresh."""
    given = sa.engine.make_url(url)
    own = given.set(database=f"{given.database}_{worker}")
    server = sa.create_engine(given, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{own.database}"')
    server.dispose()
    return own.render_as_string(hide_password=False)


def _drop_everything(engine):
    meta = sa.MetaData()
    meta.reflect(bind=engine)
    meta.drop_all(bind=engine)


def _fresh_g():
    from flask import g

    for name in list(g):
        g.pop(name)


def _commits_without_waiting(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")
    else:
        dbapi_connection.execute("SET synchronous_commit = off")
        dbapi_connection.commit()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
        "WTF_CSRF_ENABLED": False,
    })
    # Tests hold an app context, which Flask reuses for their requests; give each
    # request a fresh `g` as in production, so the signed-in user and the locale
    # cached there do not leak from one request (or client) to the next.
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    with app.app_context():
        # A test database is thrown away: no commit waits for the disk.
        sa.event.listen(db.engine, "connect", _commits_without_waiting)
        _drop_everything(db.engine)
        # The suite runs on the schema the migrations build, not on create_all().
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _truncate(engine):
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
        if engine.dialect.name == "postgresql":
            # Ids start again from 1, as in a fresh database. (Not TRUNCATE: it waits
            # for the disk, a second or more on each test, where deleting a test's
            # few rows takes milliseconds.)
            conn.execute(sa.text("SELECT " + ", ".join(
                f"setval(pg_get_serial_sequence('\"{t.name}\"', 'id'), 1, false)" for t in _serial_tables())))


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    ctx = app.app_context()
    ctx.push()
    yield
    db.session.remove()
    _truncate(db.engine)
    ctx.pop()


def snapshot_rows():
    """Every row of every table, for restore_rows() to copy back after the
    per-test truncation."""
    return [(table, table_rows(table)) for table in db.metadata.sorted_tables]


def table_rows(table):
    """A table's rows as dicts, each after the row it names through its own table
    (a unit after its parent): PostgreSQL returns rows in the order they lie on
    disk, where an updated parent can lie after its children, and copying them
    back in that order breaks the foreign key."""
    rows = [dict(row._mapping) for row in db.session.execute(
        table.select().order_by(*table.primary_key.columns))]
    own = [(fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table]
    ordered, waiting = [], rows
    while waiting:
        placed = {(target, row[target]) for row in ordered for _, target in own}
        ready = [row for row in waiting
                 if all(row[name] is None or (target, row[name]) in placed for name, target in own)]
        if not ready:  # a cycle or a dangling id: left as read, for the database to judge
            return ordered + waiting
        ordered += ready
        taken = {id(row) for row in ready}
        waiting = [row for row in waiting if id(row) not in taken]
    return ordered


def _serial_tables(tables=None):
    return [t for t in (db.metadata.sorted_tables if tables is None else tables)
            if "id" in t.c and isinstance(t.c.id.type, sa.Integer) and t.c.id.primary_key]


def _restart_sequences(conn, tables):
    """Rows restored with their ids leave PostgreSQL's sequences behind: move them on."""
    for table in _serial_tables(tables):
        conn.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
            f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM \"{table.name}\""))


def restore_rows(snapshot):
    with db.engine.begin() as conn:
        for table, rows in snapshot:
            if rows:
                conn.execute(table.insert(), rows)
        if db.engine.dialect.name == "postgresql":
            _restart_sequences(conn, [table for table, rows in snapshot if rows])


_demo_rows = []


@pytest.fixture
def demo_data(app):
    """The demo data, loaded once per session and copied back row for row after
    that: a load takes seconds, a copy a fraction of one."""
    if not _demo_rows:
        from fieldops.demo.data import load_demo_data

        load_demo_data()
        db.session.commit()
        _demo_rows.extend(snapshot_rows())
        return
    restore_rows(_demo_rows)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


_kept = {}


def _built_once(name, model, build):
    """What build() makes: rows of `model`'s table only, returned as dicts (nested
    or not) of objects. Built once; after that its rows are copied back and the
    objects read again by id (a millisecond, where building the org tree and its
    users cost 50 ms a test). Built afresh when the table already holds rows."""
    table = model.__table__
    empty = db.session.execute(sa.select(1).select_from(table).limit(1)).first() is None
    if name in _kept and empty:
        rows, ids = _kept[name]
        restore_rows([(table, rows)])
        by_id = {made.id: made for made in db.session.scalars(sa.select(model))}
        db.session.commit()
        return _map(ids, by_id.__getitem__)
    made = build()
    if empty:
        _kept[name] = (table_rows(table),
                       _map(made, lambda obj: obj.id))
    db.session.commit()
    return made


def _map(nest, f):
    return {k: _map(v, f) if isinstance(v, dict) else f(v) for k, v in nest.items()}


@pytest.fixture
def org():
    """VN → HN → HN-BD → HN-BD-T1, HN-CG; VN → HT → HT-TP → HT-TP-T1."""
    from fieldops.org.models import OrgUnit

    return _built_once("org", OrgUnit, factories.org_tree)


@pytest.fixture
def users(org):
    """One user per role in Hà Nội (HN) and one per role in Hà Tĩnh (HT)."""
    from fieldops.auth.models import User

    # Kept per org tree: the users' rows name its units.
    key = ("users", tuple(sorted(unit.id for unit in org.values())))
    return _built_once(key, User, lambda: factories.users_per_role(org))


def sign_in(client, user, password=PASSWORD):
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def client_as(app, users):
    """client_as("officer") → a client signed in as the Hà Nội officer;
    client_as("officer", "HT") → as the Hà Tĩnh one."""

    def make(role, province="HN"):
        return sign_in(app.test_client(), users[province][role])

    return make


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)
