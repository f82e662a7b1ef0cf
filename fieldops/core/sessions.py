"""The session cookie is not sent back by background requests.

Flask refreshes a permanent session's cookie on every answer. A slow request the
page did not wait for (the tablet's district sync, a job's progress polled every
two seconds) carries the session as it was when it was asked, and its answer
would put that copy back over what the person did meanwhile (the language they
had just switched to). Such views are marked `@background`; their answers set
the cookie only when the request itself changed the session.
"""
from flask import current_app, request
from flask.sessions import SecureCookieSessionInterface


def background(view=None, *, when=None):
    """Mark a view as asked in the background; `when()`, if given, says whether this request is
    (a page that is also polled as a fragment)."""

    def mark(fn):
        fn.background = when or True
        return fn

    return mark(view) if view is not None else mark


def in_background() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    mark = getattr(view, "background", False)
    return bool(mark() if callable(mark) else mark)


class SessionInterface(SecureCookieSessionInterface):
    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        return session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"] and not in_background()


def install(app) -> None:
    app.session_interface = SessionInterface()
