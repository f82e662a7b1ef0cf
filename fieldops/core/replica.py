"""Dashboards, reports and exports read from a read replica when one is set.

With `DATABASE_REPLICA_URL` (the `replica` bind), a view marked `@reads_replica`
sends its plain SELECTs to the replica: leaders' dashboards and exports then add
up the country on a second server instead of competing with the officers'
writes on the primary. Everything else reads the primary, and so does, in a
marked view,
- whatever the session has written or is about to flush (its own rows),
- a SELECT ... FOR UPDATE, a text() statement and a statement run on
  `db.session.connection()` (only a built select is known to read),
- every request of a browser that wrote within `REPLICA_STICKY_SECONDS`
  (any request that is not GET or HEAD marks its browser with a cookie), so a
  user's own just-written visit is never read from a replica lagging behind,
- every request that is not GET or HEAD.

The user's session is read before the view runs, on the primary: a sign-out is
seen at once. Without the bind nothing changes.
"""
import time
from functools import wraps

from flask import current_app, request
from sqlalchemy import event

from fieldops.extensions import READS_REPLICA, REPLICA_BIND as BIND, WROTE, db

COOKIE = "fieldops_primary_until"
SAFE_METHODS = ("GET", "HEAD")


def _sticky() -> bool:
    try:
        return float(request.cookies.get(COOKIE, "0")) > time.time()
    except ValueError:
        return False


def has_replica(app) -> bool:
    return BIND in app.config.get("SQLALCHEMY_BINDS", {})


def reads_replica(view):
    """Mark a view whose SELECTs may read the replica (dashboards, reports, exports)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not has_replica(current_app) or request.method not in SAFE_METHODS \
                or _sticky():
            return view(*args, **kwargs)
        session = db.session()
        # What the sign-in bookkeeping wrote before the view is committed and is not the page's data.
        session.info.pop(WROTE, None)
        session.info[READS_REPLICA] = True
        try:
            return view(*args, **kwargs)
        finally:
            session.info.pop(READS_REPLICA, None)

    wrapper.reads_replica = True
    return wrapper


def _note_writes(orm_execute_state):
    if not orm_execute_state.is_select:
        orm_execute_state.session.info[WROTE] = True


def _flushed(session, _context):
    session.info[WROTE] = True


def _stick_to_primary(response):
    if request.method not in SAFE_METHODS and response.status_code < 500:
        seconds = current_app.config["REPLICA_STICKY_SECONDS"]
        response.set_cookie(COOKIE, str(int(time.time() + seconds)), max_age=seconds, httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")
    return response


def install(app):
    """Route the marked views' reads, when the app has a replica."""
    if not has_replica(app):
        return
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "do_orm_execute", _note_writes):
        event.listen(session_class, "do_orm_execute", _note_writes)
        event.listen(session_class, "after_flush", _flushed)
    app.after_request(_stick_to_primary)
