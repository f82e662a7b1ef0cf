"""Writes of rows (an INSERT, UPDATE or DELETE built once), run on the driver's
cursor as fieldops/core/rows.py runs the pages' reads.

SQLAlchemy's execution of a write (its context, the columns' defaults, its
result) cost 0.1 ms of CPU more than the driver's own: 0.21 against 0.10 ms
for one department's UPDATE, 0.35 against 0.21 ms for three at once, and a
visit submitted runs five to eight (bench/README.md, "Session 25"). What it
would do is done the same way, with its pieces: the statement compiled for
the columns given (and for many rows or one), the defaults of the columns not
given (`default=`, `onupdate=`) filled in as values, the values through their
types' processors, the engine's `before_cursor_execute` listeners told, the
rows of a RETURNING as named tuples, a driver's error raised as SQLAlchemy's.
A statement whose SQL depends on its values (a list of ids), a default that
is not a value or a function, or many rows with a RETURNING on a driver other
than psycopg (which runs them as one pipeline) go through SQLAlchemy as before.
"""
import weakref

from fieldops.core.rows import connection_for, converters, driver_error, driver_values, made_rows, row_class


class _Write:
    """A write compiled for one dialect, one set of columns given, and one row or many."""

    __slots__ = ("compiled", "defaults", "row", "converted")

    def __init__(self, compiled, defaults):
        self.compiled = compiled
        self.defaults = defaults  # (parameter, is a function, the value or the function)
        self.row = row_class(compiled) if compiled._result_columns else None
        self.converted = None


# Per statement object, for as long as it lives; then per dialect, columns and rows.
_WRITES = weakref.WeakKeyDictionary()


def _prepared(stmt, dialect, columns: tuple, many: bool):
    shapes = _WRITES.get(stmt)
    if shapes is None:
        shapes = _WRITES[stmt] = {}
    shape = (dialect.name, columns, many)
    found = shapes.get(shape)
    if found is None:
        found = shapes[shape] = _compile(stmt, dialect, columns, many)
    return found


def _compile(stmt, dialect, columns, many):
    compiled = stmt.compile(dialect=dialect, column_keys=list(columns), for_executemany=many)
    if compiled.escaped_bind_names or compiled.post_compile_params or compiled.literal_execute_params:
        return False
    parameter_of = compiled._within_exec_param_key_getter
    defaults = []
    for column, default in ([(column, column.default) for column in compiled.insert_prefetch]
                            + [(column, column.onupdate) for column in compiled.update_prefetch]):
        if default.is_scalar:
            defaults.append((parameter_of(column), False, default.arg))
        elif default.is_callable:  # SQLAlchemy wraps a function of no arguments as one of the context
            defaults.append((parameter_of(column), True, default.arg))
        else:
            return False
    return _Write(compiled, tuple(defaults))


def _values(write: _Write, given: dict):
    compiled = write.compiled
    values = compiled.construct_params(given, escape_names=False)
    for parameter, is_function, default in write.defaults:
        values[parameter] = default(None) if is_function else default
    return driver_values(compiled, values, compiled._bind_processors, compiled.positiontup)


def write(stmt, parameters) -> list | None:
    """Run `stmt` with `parameters` (a dict: one row; a list of dicts with the same
    keys: many) in the session's transaction; the rows of its RETURNING, else None."""
    many = isinstance(parameters, list)
    if many and not parameters:
        return None
    connection = connection_for(stmt)
    dialect = connection.dialect
    found = _prepared(stmt, dialect, tuple(sorted(parameters[0] if many else parameters)), many)
    if not found or (many and found.row is not None and dialect.driver != "psycopg"):
        result = connection.execute(stmt, parameters)
        return result.all() if result.returns_rows else None
    sql = found.compiled.string
    values = [_values(found, given) for given in parameters] if many else _values(found, parameters)
    cursor = connection.connection.dbapi_connection.cursor()
    read = []
    try:
        connection.dispatch.before_cursor_execute(connection, cursor, sql, values, None, many)
        if not many:
            cursor.execute(sql, values)
        else:
            cursor.executemany(sql, values, **({} if found.row is None else {"returning": True}))
        if found.row is not None:
            if found.converted is None:
                found.converted = converters(found.compiled, dialect, cursor.description)
            read.extend(cursor.fetchall())
            while many and cursor.nextset():  # psycopg: one result for each row
                read.extend(cursor.fetchall())
    except dialect.loaded_dbapi.Error as error:
        raise driver_error(connection, cursor, error, sql, values) from error
    finally:
        cursor.close()
    return made_rows(found.row, found.converted, read) if found.row is not None else None
