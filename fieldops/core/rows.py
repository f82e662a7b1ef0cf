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

A SELECT read here runs on the driver's cursor, compiled once for each
statement built once: SQLAlchemy's execution (its context, its result, its
reading of every column's description) cost 0.07-0.2 ms of CPU a statement
more than the driver's own, 1 ms of a review queue's 6 (bench/README.md,
"Session 23"). What SQLAlchemy would do is done the same way, with its own
pieces: the statement's bound values through its types' processors, expanding
lists rendered by its compiler, the columns' values through their types'
result processors, the engine's `before_cursor_execute` listeners told, a
driver's error raised as SQLAlchemy's and a lost connection invalidated. Rows
are named tuples: by position, by column name, or unpacked, as SQLAlchemy's.
Anything else (a statement with execution options; a write, unless it goes
through fieldops/core/writes.py) goes through SQLAlchemy as before. The
compiler's pieces used here are internal to SQLAlchemy 2.x: tests/test_rows.py
and tests/test_writes.py hold them to SQLAlchemy's own answers.
"""
import weakref
from collections import namedtuple
from functools import cache, partial

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value

from fieldops.extensions import db


def connection_for(stmt):
    """The session's connection for `stmt` (on the bind it would choose), what the session holds flushed first."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection(bind_arguments={"clause": stmt})


class _Compiled:
    """A SELECT compiled for one dialect, with the class of its rows; its columns'
    result processors are found at its first run (some depend on the type the
    driver describes). Its lists and literal values, each with whether it is
    rendered as written (a limit) or expanded into one parameter per item (a
    list of ids); and its SQL and parameters once they are (`_expanded`)."""

    __slots__ = ("sql", "row", "converted", "post_compiled", "expanded")

    def __init__(self, compiled):
        self.sql = compiled
        self.row = row_class(compiled)
        self.converted = None
        literal = compiled.literal_execute_params
        self.post_compiled = tuple((compiled.bind_names[bind], bind in literal or bind.literal_execute)
                                   for bind in (*literal, *compiled.post_compile_params))
        self.expanded = {}


# Per statement object, for as long as it lives (the pages' statements are built once).
_COMPILED = weakref.WeakKeyDictionary()


def _compiled(stmt, dialect):
    by_dialect = _COMPILED.get(stmt)
    if by_dialect is None:
        by_dialect = _COMPILED[stmt] = {}
    found = by_dialect.get(dialect.name)
    if found is None:
        compiled = stmt.compile(dialect=dialect)
        found = by_dialect[dialect.name] = _Compiled(compiled) if not compiled.escaped_bind_names else False
    return found


def _bound(found: _Compiled, parameters):
    """The SQL and the driver's parameters, as SQLAlchemy's execution makes them."""
    compiled = found.sql
    values = compiled.construct_params(parameters, escape_names=False)
    if found.post_compiled:
        sql, values, processors, order = _expanded(found, values)
    else:
        sql, processors, order = compiled.string, compiled._bind_processors, compiled.positiontup
    return sql, driver_values(compiled, values, processors, order)


def driver_values(compiled, values: dict, processors: dict, order):
    """The values through their types' processors, as the driver takes them:
    in the statement's order for a positional driver (SQLite's), else by name."""
    for name, process in processors.items():
        if name in values:
            values[name] = process(values[name])
    return tuple(values[name] for name in order) if compiled.positional else values


def row_class(compiled):
    """The named tuple of a statement's rows: its columns' names, by position too."""
    return namedtuple("Row", [column[0] for column in compiled._result_columns], rename=True)


# At most this many shapes are kept per statement (list lengths, limits); then they are forgotten.
SHAPES_KEPT = 64


def _expanded(found: _Compiled, values):
    """The SQL with its lists and literal values written in, and the parameters
    for it. SQLAlchemy renders them again at every run (0.1-0.3 ms of a review
    queue's CPU); what it renders follows from each list's length and each
    literal's value alone, so it is kept for them, and only the values are
    spread over the parameters it named."""
    shape = []
    for name, literal in found.post_compiled:
        value = values[name]
        if literal:  # written into the SQL: its value (with its type: 1 and True are one key) is the shape
            value = tuple(value) if isinstance(value, (list, tuple)) else value
            shape.append((name, type(value), value))
        else:
            if not isinstance(value, (list, tuple)):  # a set, say: spread below in the order SQLAlchemy took
                value = values[name] = list(value)
            if any(isinstance(item, (list, tuple)) for item in value):  # a list of tuples: not kept
                shape = None
                break
            shape.append((name, len(value)))
    try:
        kept = found.expanded.get(shape and tuple(shape))
    except TypeError:  # a literal that cannot be a key
        shape, kept = None, None
    if kept is None:
        compiled = found.sql
        state = compiled._process_parameters_for_postcompile(dict(values))
        # As SQLAlchemy's execution: the statement's own processors, and those of the items of its lists.
        kept = (state.statement, {**compiled._bind_processors, **state.processors}, state.positiontup,
                state.parameter_expansion, {name for name, _literal in found.post_compiled})
        if shape is not None:
            if len(found.expanded) >= SHAPES_KEPT:
                found.expanded.clear()
            found.expanded[tuple(shape)] = kept
    sql, processors, order, expansion, written = kept
    parameters = {name: value for name, value in values.items() if name not in written}
    for name, names in expansion.items():
        parameters.update(zip(names, values[name]))
    return sql, parameters, processors, order


def _read(stmt, parameters) -> list | None:
    """The rows of a SELECT read on the driver's cursor; None for a statement that is not one."""
    if not getattr(stmt, "is_select", False) or stmt.get_execution_options():
        return None
    connection = connection_for(stmt)
    dialect = connection.dialect
    compiled = _compiled(stmt, dialect)
    if not compiled:
        return None
    sql, values = _bound(compiled, parameters)
    driver_connection = connection.connection.dbapi_connection
    cursor = driver_connection.cursor()
    try:
        connection.dispatch.before_cursor_execute(connection, cursor, sql, values, None, False)
        cursor.execute(sql, values)
        found = cursor.fetchall()
        if compiled.converted is None:
            compiled.converted = converters(compiled.sql, dialect, cursor.description)
    except dialect.loaded_dbapi.Error as error:
        raise driver_error(connection, cursor, error, sql, values) from error
    finally:
        cursor.close()
    return made_rows(compiled.row, compiled.converted, found)


def driver_error(connection, cursor, error, sql, values) -> sa.exc.DBAPIError:
    """A driver's error as SQLAlchemy's execution raises it; a lost connection invalidated."""
    dialect = connection.dialect
    if dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor):
        connection.invalidate(error)
    return sa.exc.DBAPIError.instance(sql, values, error, dialect.loaded_dbapi.Error)


def converters(compiled, dialect, description) -> tuple:
    """(position, processor) of the columns whose values are converted (an enum's, say); most are not."""
    return tuple((index, process) for index, process in enumerate(
        column[3]._cached_result_processor(dialect, described[1])
        for column, described in zip(compiled._result_columns, description)) if process is not None)


def made_rows(row_class, converted, found) -> list:
    # Each row made as its class's tuple straight from the driver's: calling the
    # named tuple's class (a lambda taking each value by name) cost twice as much,
    # 0.09 against 0.04 ms for a queue's selection of 133 visits.
    make = partial(tuple.__new__, row_class)
    if not converted:
        return list(map(make, found))
    rows = []
    for read in found:
        values = list(read)
        for index, process in converted:
            values[index] = process(values[index])
        rows.append(make(values))
    return rows


def rows_of(stmt, parameters=None) -> list:
    found = _read(stmt, parameters)
    return found if found is not None else connection_for(stmt).execute(stmt, parameters).all()


def first_of(stmt, parameters=None):
    found = _read(stmt, parameters)
    if found is None:
        return connection_for(stmt).execute(stmt, parameters).first()
    return found[0] if found else None


def scalar_of(stmt, parameters=None):
    found = _read(stmt, parameters)
    if found is None:
        return connection_for(stmt).scalar(stmt, parameters)
    return found[0][0] if found else None


@cache
def _column_attributes(model):
    mapper = sa.inspect(model)
    keys = tuple(attribute.key for attribute in mapper.column_attrs)
    primary_key = tuple(keys.index(mapper.get_property_by_column(column).key) for column in mapper.primary_key)
    return keys, mapper, primary_key


@cache
def columns_of(model) -> tuple:
    """The model's mapped columns, in the order `instance_of` takes their values."""
    keys, _mapper, _primary_key = _column_attributes(model)
    return tuple(getattr(model, key) for key in keys)


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


def instances_of(row, *models) -> tuple:
    """The objects of several models read side by side, a row of `columns_of`
    each in the order given, as `instance_of` makes them."""
    made, start = [], 0
    for model in models:
        end = start + len(columns_of(model))
        made.append(instance_of(model, row[start:end]))
        start = end
    return tuple(made)


def first_instance_of(model, stmt, parameters=None):
    """The model's object for the first row of a statement of `columns_of(model)`, or None."""
    row = first_of(stmt, parameters)
    return None if row is None else instance_of(model, row)


_CUSTOM_PLANS = sa.select(sa.func.set_config("plan_cache_mode", "force_custom_plan", True))


def planned_for_their_values():
    """On PostgreSQL, the rest of this transaction's statements are planned for the
    values they are given, not once for any (a SELECT, so the transaction still
    counts as one that only read: fieldops/core/transactions.py). For statements
    whose best plan depends on a value the planner cannot guess: after five runs
    PostgreSQL kept one plan for any search words, expecting them to match almost
    nothing, and so read and sorted all 18,000 employers of a large district for
    a common word (44 ms) where the name index stops at the twentieth (1.1 ms)."""
    if connection_for(_CUSTOM_PLANS).dialect.name == "postgresql":
        # Read as the statements it is for are, so on the connection they run on (a replica's, for a
        # dashboard), and on the driver: through SQLAlchemy's execution it cost a search 0.17 ms.
        rows_of(_CUSTOM_PLANS)
