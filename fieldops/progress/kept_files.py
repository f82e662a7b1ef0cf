"""Files exported from a kept progress report (fieldops/progress/snapshots.py),
made once for every app server.

Making a province's XLSX costs some 45 ms; sending a made one almost nothing. A
file is looked for in this process, then beside its copy in the database, and
made only when neither has it, by the first server that needs it, which keeps
it there for the others. When the job worker computes a copy again it makes
again the files its readers asked for from the copy before: the servers then
fetch the new file rather than each make it at the same moment, which kept
the requests queued behind them waiting (a p99 six times that at 8 clients).
"""
import sqlalchemy as sa

from fieldops.core.expressions import insert_on_conflict
from fieldops.core.recent import Recent
from fieldops.extensions import db
from fieldops.progress import exports
from fieldops.progress.models import ReportFile
from fieldops.timeutil import utcnow

_made = Recent(32)  # at most some hundreds of kilobytes each


def what_of(fmt: str, names) -> str:
    """A file's name among its copy's files: its format and its tables."""
    return f"{fmt}:{'+'.join(names)}"


def _parts(what: str):
    """(format, tables) of a file's name; None when a table is no longer exported (an earlier release's)."""
    fmt, _, tables = what.partition(":")
    names = tuple(tables.split("+"))
    return (fmt, names) if set(names) <= set(exports.TABLES) else None


def file_of(kept, fmt: str, names) -> tuple[bytes, str]:
    """(body, kind) of the copy's tables `names` in `fmt`: from this process, else
    from the database, else made (and kept for the other servers)."""
    if kept.key is None:  # computed for this request alone
        return exports.report_file(kept.report, fmt, names)
    what = what_of(fmt, names)
    name = (kept.key, kept.computed_at, what)
    found = _made.get(name)
    if found is not None:
        return found
    table = ReportFile.__table__
    row = db.session.execute(sa.select(table.c.body, table.c.kind, table.c.asked_at)
                             .where(table.c.key == kept.key, table.c.what == what,
                                    table.c.computed_at == kept.computed_at)).first()
    if row is not None:
        if row.asked_at is None:  # made by the worker: asked for, so made again with the next copy
            with db.engine.begin() as conn:
                conn.execute(sa.update(table).where(table.c.key == kept.key, table.c.what == what,
                                                    table.c.asked_at.is_(None)).values(asked_at=utcnow()))
        return _made.keep(name, (row.body, row.kind))
    made = exports.report_file(kept.report, fmt, names)
    _store(kept.key, what, kept.computed_at, made, asked=True)
    return _made.keep(name, made)


def _store(key, what, computed_at, made, asked: bool) -> None:
    """Keep the file in its own transaction (an export changes nothing else); a file
    of an older copy never replaces one of a newer copy."""
    table = ReportFile.__table__
    body, kind = made
    values = {"computed_at": computed_at, "kind": kind, "body": body, "asked_at": utcnow() if asked else None}
    stmt = insert_on_conflict(table, db.engine.dialect.name).values(key=key, what=what, **values)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.key, table.c.what],
                                      set_={k: stmt.excluded[k] for k in values},
                                      where=table.c.computed_at <= stmt.excluded.computed_at)
    with db.engine.begin() as conn:
        conn.execute(stmt)


def make_again(kept) -> int:
    """For the job worker, once it has computed the copy again: the files readers
    asked for from the copy before, made from this one; the others are dropped.
    How many it made."""
    table = ReportFile.__table__
    older = sa.and_(table.c.key == kept.key, table.c.computed_at < kept.computed_at)
    with db.engine.begin() as conn:
        asked = conn.execute(sa.select(table.c.what).where(older, table.c.asked_at.is_not(None))).scalars().all()
        conn.execute(sa.delete(table).where(older, table.c.asked_at.is_(None)))
    made = 0
    for what in asked:
        parts = _parts(what)
        if parts is not None:
            _store(kept.key, what, kept.computed_at, exports.report_file(kept.report, *parts), asked=False)
            made += 1
    return made
