"""The SQL statements a piece of code sends, for tests that bound them."""
from contextlib import contextmanager

import sqlalchemy as sa

from fieldops.extensions import db


@contextmanager
def recorded():
    """Yields the list the statements sent inside the block are appended to."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
