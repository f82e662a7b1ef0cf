"""SQL expressions shared by models and the queries their indexes serve."""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


# The escape character of every LIKE pattern the code builds from a value (escape_like).
LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """`text` matched as itself in a LIKE pattern (with `escape=LIKE_ESCAPE`): its wildcards escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def inline(value):
    """A constant written into the SQL, not bound: PostgreSQL matches an expression
    index, or a partial index's condition, only against the same constants, and a
    prepared statement's generic plan has none."""
    return sa.literal(value, literal_execute=True)


def given_limit():
    """A statement's limit, given as the parameter "limit" when it runs and written
    into its SQL like a page's (core/paging.py): a prepared statement's generic
    plan would not know how many rows are wanted."""
    return sa.bindparam("limit", type_=sa.Integer, literal_execute=True)


def insert_on_conflict(table, dialect_name: str):
    """INSERT into `table` with ON CONFLICT (`on_conflict_do_update` …) in the
    database's own dialect: both PostgreSQL and SQLite have it, under one name each."""
    return (postgresql.insert if dialect_name == "postgresql" else sqlite.insert)(table)
