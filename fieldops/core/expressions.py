"""SQL expressions shared by models and the queries their indexes serve."""
import sqlalchemy as sa


def inline(value):
    """A constant written into the SQL, not bound: PostgreSQL matches an expression
    index, or a partial index's condition, only against the same constants, and a
    prepared statement's generic plan has none."""
    return sa.literal(value, literal_execute=True)
