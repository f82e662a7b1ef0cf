"""SQL expressions shared by models and the queries their indexes serve."""
import sqlalchemy as sa


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
