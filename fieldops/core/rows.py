"""Rows of a statement of columns, read on the session's connection.

`db.session.execute()` runs every statement through the ORM's execute, which
prepares an ORM result and builds each row through the ORM's loading even when
the statement selects columns, not entities: 0.1 ms of CPU a statement more
than running it on the session's connection (0.33 against 0.23 ms for an
officer's recent visits; bench/README.md, "Rows without the ORM"). The pages
opened most read only columns, so they read them here: in the session's own
transaction, on the bind the session would choose for the statement (the
replica for a dashboard, fieldops/core/replica.py), after flushing what the
session holds, as the ORM's execute would.
"""
import sqlalchemy as sa

from fieldops.extensions import db


def _connection(stmt):
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection(bind_arguments={"clause": stmt})


def rows_of(stmt, parameters=None) -> list:
    return _connection(stmt).execute(stmt, parameters).all()


def scalar_of(stmt, parameters=None):
    return _connection(stmt).scalar(stmt, parameters)


_CUSTOM_PLANS = sa.select(sa.func.set_config("plan_cache_mode", "force_custom_plan", True))


def planned_for_their_values():
    """On PostgreSQL, the rest of this transaction's statements are planned for the
    values they are given, not once for any (a SELECT, so the transaction still
    counts as one that only read: fieldops/core/transactions.py). For statements
    whose best plan depends on a value the planner cannot guess: after five runs
    PostgreSQL kept one plan for any search words, expecting them to match almost
    nothing, and so read and sorted all 18,000 employers of a large district for
    a common word (44 ms) where the name index stops at the twentieth (1.1 ms)."""
    connection = db.session().connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_CUSTOM_PLANS)
