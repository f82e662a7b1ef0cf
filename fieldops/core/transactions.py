"""How a request's transaction ends when the view did not commit it.

Flask-SQLAlchemy rolls back what is left at the end of every request. On
PostgreSQL that ROLLBACK also makes psycopg forget the statements it has
prepared on the connection (a rollback may undo the objects they use), so a
page's statements were parsed and planned again on every view: 0.4-0.7 ms of
the server's CPU each, against 0.1-0.4 ms to run them (bench/README.md,
"Statements planned once"). A transaction that wrote nothing ends the same way
committed or rolled back, so it is committed, and psycopg keeps its prepared
statements; one that wrote anything, or a request that failed, is rolled back
as before.
"""
import sqlalchemy as sa
from flask import current_app

from fieldops.extensions import db

WROTE = "fieldops_wrote"


def _began(conn):
    conn.info[WROTE] = False


def _note_writes(conn, _cursor, statement, _parameters, _context, _executemany):
    # Anything but a SELECT may have changed something (row locks of SELECT ...
    # FOR UPDATE end with the transaction either way).
    if not statement.lstrip()[:6].upper() == "SELECT":
        conn.info[WROTE] = True


def end_request_transaction(exc):
    """At the end of a request (or of any app context: a command, a job): commit
    the transaction left open if it only read."""
    if exc is not None or not db.session.registry.has():
        return
    session = db.session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    if session.connection().info.get(WROTE, True):
        return
    try:
        session.commit()
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("ending a read-only transaction")
        session.rollback()


def install(app):
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "begin", _began)
    sa.event.listen(engine, "before_cursor_execute", _note_writes)
    # Registered after Flask-SQLAlchemy's teardown, so it runs before it.
    app.teardown_appcontext(end_request_transaction)


# PostgreSQL's answers to two transactions that could not both go on: a deadlock
# (each waits for a row the other holds) or a serialization failure. Either one
# was undone whole, so doing it again from the start is safe.
RETRYABLE = {"40P01", "40001"}


def committed_with_retries(work, attempts=3):
    """Run `work()` and commit, again from the start (after a rollback) when the
    database undid it for a deadlock: an operation that writes many rows in one
    transaction (a bulk verify) can meet another writer holding some of them."""
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            db.session.commit()
            return result
        except sa.exc.DBAPIError as error:
            db.session.rollback()
            if attempt == attempts or getattr(error.orig, "sqlstate", None) not in RETRYABLE:
                raise
            current_app.logger.warning("transaction undone by the database (%s), tried again",
                                       getattr(error.orig, "sqlstate", None))
