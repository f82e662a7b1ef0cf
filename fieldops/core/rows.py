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
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value

from fieldops.extensions import db


def _connection(stmt):
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection(bind_arguments={"clause": stmt})


def rows_of(stmt, parameters=None) -> list:
    return _connection(stmt).execute(stmt, parameters).all()


def first_of(stmt, parameters=None):
    return _connection(stmt).execute(stmt, parameters).first()


def scalar_of(stmt, parameters=None):
    return _connection(stmt).scalar(stmt, parameters)


@cache
def _column_attributes(model):
    mapper = sa.inspect(model)
    keys = tuple(attribute.key for attribute in mapper.column_attrs)
    primary_key = tuple(keys.index(mapper.get_property_by_column(column).key) for column in mapper.primary_key)
    return keys, mapper, primary_key


def columns_of(model) -> list:
    """The model's mapped columns, in the order `instance_of` takes their values."""
    keys, _mapper, _primary_key = _column_attributes(model)
    return [getattr(model, key) for key in keys]


def instance_of(model, values):
    """The model's object for a row of `columns_of(model)` read without the ORM,
    in the session as if the ORM had loaded it (the session's own object, if it
    already holds one). The ORM's loading of the user and their unit behind
    every request cost 0.4-0.5 ms of CPU more than reading the row
    (bench/README.md, "Session 23")."""
    keys, mapper, primary_key = _column_attributes(model)
    session = db.session()
    held = session.identity_map.get(mapper.identity_key_from_primary_key([values[i] for i in primary_key]))
    if held is not None:
        # As the ORM would: what a commit expired is taken from the row, the rest is left as the session holds it.
        expired = sa.inspect(held).expired_attributes
        for key, value in zip(keys, values):
            if key in expired:
                set_committed_value(held, key, value)
        return held
    instance = mapper.class_manager.new_instance()
    # A new object's values have no history yet; made detached, they are its state as loaded.
    instance_dict(instance).update(zip(keys, values))
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


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
