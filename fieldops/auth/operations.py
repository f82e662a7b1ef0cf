"""Sign-in, sessions and user management. Functions flush; the view commits."""
import hashlib
import secrets
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from flask import current_app

from fieldops.audit.operations import client_address, record
from fieldops.auth.models import USER_AGENT_MAX, LoginAttempt, User, UserSession
from fieldops.auth.passwords import burn_verify, hash_password, verify_password
from fieldops.core import hooks
from fieldops.core.rows import columns_of, first_of, instances_of
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.timeutil import utcnow


class SignInRefused(Exception):
    """reason is one of: invalid, throttled (wait out the window), delayed (wait a minute)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _failures(*where) -> int:
    # An attempt is saved as failed before its password is checked, and marked
    # succeeded afterwards: one still being checked counts as a failure.
    return db.session.scalar(
        sa.select(sa.func.count(LoginAttempt.id)).where(LoginAttempt.succeeded.is_(False), *where))


def throttle(username: str, address: str) -> str | None:
    """Why this attempt (already saved) may not be checked: "address" (too many
    failures from its address, on any account: wait out the window), "account"
    (too many on this account from everywhere: it is checked again a short delay
    after the latest attempt, so one address cannot lock an account out for the
    whole window), or None."""
    cfg = current_app.config
    now = utcnow()
    window_start = now - cfg["LOGIN_FAILURE_WINDOW"]
    last_success = db.session.scalar(
        sa.select(sa.func.max(LoginAttempt.created_at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
        )
    )
    since_for_account = max(window_start, last_success) if last_success else window_start
    limit = cfg["LOGIN_FAILURE_LIMIT"]
    # Every count includes this attempt: of N sent at once, at most `limit` pass.
    account = (LoginAttempt.username == username, LoginAttempt.created_at > since_for_account)
    if _failures(LoginAttempt.client_address == address, LoginAttempt.created_at > window_start) > limit:
        return "address"
    if _failures(*account) > limit and _failures(
            LoginAttempt.username == username, LoginAttempt.created_at > now - cfg["LOGIN_ACCOUNT_DELAY"]) > 1:
        return "account"
    return None


def sign_in(username: str, password: str) -> User:
    """Check the credentials and open a server-side session, or raise SignInRefused.

    The attempt is committed as a failure before anything is checked, so that
    requests sent at once, to any worker, all see it: throttling needs no lock."""
    username = (username or "").strip().lower()[:60]
    address = client_address()
    attempt = LoginAttempt(username=username, client_address=address, succeeded=False)
    db.session.add(attempt)
    db.session.commit()
    refused = throttle(username, address)
    if refused:
        # A refused attempt was not checked: it does not keep the lock going.
        db.session.delete(attempt)
        record("auth.login_throttled", actor_name=username, after={"address": address, "by": refused})
        raise SignInRefused("throttled" if refused == "address" else "delayed")

    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        burn_verify(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.active

    if not ok:
        reason = "unknown_user" if user is None else ("inactive" if not user.active else "bad_password")
        record("auth.login_failed", actor=user, actor_name=username, after={"reason": reason})
        raise SignInRefused("invalid")

    attempt.succeeded = True
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_token_hash(token), client_address=address,
                               user_agent=_user_agent()))
    user.session_token = token
    record("auth.login", actor=user, obj=user)
    return user


def _user_agent() -> str:
    from flask import has_request_context, request

    if not has_request_context():
        return ""
    return "".join(c for c in request.headers.get("User-Agent", "") if c.isprintable())[:USER_AGENT_MAX]


# The top bar's notice badge, read with the session: registered by the follow-ups.
badge_of = hooks.hook("session.badge_of")  # its count, as a column of the user's id
badge_read = hooks.hook("session.badge_read")  # given the count read


@cache
def _session_read():
    """The read behind every request, built once (building and keying it cost
    more than running it: 2 ms of a /healthz's 8). The user's unit and the count
    on the top bar's notice badge (the follow-ups' hook) come with it: nearly
    every page scopes by the one and shows the other. Read as columns, the user
    and the unit made from them (`instance_of`): the ORM's loading of the three
    cost 0.4-0.5 ms a request more."""
    return (
        sa.select(UserSession.id, UserSession.created_at, UserSession.last_seen_at, badge_of(User.id),
                  *columns_of(User), *columns_of(OrgUnit))
        .select_from(UserSession)
        .join(User, User.id == UserSession.user_id)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(UserSession.token_hash == sa.bindparam("token_hash"), UserSession.ended_at.is_(None))
    )


_UPDATE_SESSION = sa.update(UserSession).where(UserSession.id == sa.bindparam("session_id"))


def load_session(token: str) -> User | None:
    """The user behind a live session token; ends the session if it timed out."""
    if not token:
        return None
    cfg = current_app.config
    row = first_of(_session_read(), {"token_hash": _token_hash(token)})
    if row is None:
        return None
    session_id, created_at, last_seen_at, unseen_notices, *columns = row
    user, unit = instances_of(columns, User, OrgUnit)
    set_committed_value(user, "org_unit", unit)
    badge_read(unseen_notices)
    now = utcnow()
    if (
        not user.active
        or now - last_seen_at > cfg["SESSION_IDLE_TIMEOUT"]
        or now - created_at > cfg["SESSION_ABSOLUTE_TIMEOUT"]
    ):
        db.session.connection().execute(_UPDATE_SESSION, {"session_id": session_id, "ended_at": now})
        db.session.commit()
        return None
    # One write a minute is enough for a 30-minute idle timeout.
    if (now - last_seen_at).total_seconds() > 60:
        db.session.connection().execute(_UPDATE_SESSION, {"session_id": session_id, "last_seen_at": now})
        db.session.commit()
    user.session_token = token
    return user


def sign_out(user: User) -> None:
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == _token_hash(user.session_token or ""))
        .values(ended_at=utcnow())
    )
    record("auth.logout", actor=user, obj=user)


def end_all_sessions(user: User) -> None:
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def live_sessions(user: User) -> list[UserSession]:
    """The user's sessions that have not ended or timed out, the latest used first."""
    cfg = current_app.config
    now = utcnow()
    return db.session.scalars(
        sa.select(UserSession).where(
            UserSession.user_id == user.id, UserSession.ended_at.is_(None),
            UserSession.last_seen_at > now - cfg["SESSION_IDLE_TIMEOUT"],
            UserSession.created_at > now - cfg["SESSION_ABSOLUTE_TIMEOUT"])
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())).all()


def is_current(user_session: UserSession, user: User) -> bool:
    return user_session.token_hash == _token_hash(user.session_token or "")


def end_other_sessions(user: User) -> int:
    """End every session of the user but the one making the request; how many."""
    ended = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
               UserSession.token_hash != _token_hash(user.session_token or ""))
        .values(ended_at=utcnow())).rowcount
    record("user.sessions_end_others", actor=user, obj=user, after={"ended": ended})
    return ended


def end_sessions_of(actor, user: User) -> None:
    """An administrator signs the user out everywhere."""
    end_all_sessions(user)
    record("user.sessions_end", actor=actor, obj=user)


class WrongPassword(Exception):
    """reason: invalid, or throttled/delayed as at sign-in."""

    def __init__(self, reason="invalid"):
        super().__init__(reason)
        self.reason = reason


def change_password(user: User, current: str, new_password: str) -> None:
    """The user's own change: the current password is required, and every other
    session ends (whoever else holds one may have learned the old password).
    The current password is guessed no faster here than at sign-in: the attempt
    is counted, and throttled, as a sign-in's."""
    address = client_address()
    attempt = LoginAttempt(username=user.username, client_address=address, succeeded=False)
    db.session.add(attempt)
    db.session.commit()
    refused = throttle(user.username, address)
    if refused:
        db.session.delete(attempt)
        raise WrongPassword("throttled" if refused == "address" else "delayed")
    if not verify_password(user.password_hash, current):
        record("user.password_change_refused", actor=user, obj=user)
        raise WrongPassword()
    attempt.succeeded = True
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    end_other_sessions(user)
    record("user.password_change", actor=user, obj=user)


def user_snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": str(user.role),
        "org_unit_id": user.org_unit_id,
        "preferred_language": str(user.preferred_language),
        "active": user.active,
    }


def create_user(actor, *, username, full_name, role, org_unit, password=None, password_hash=None,
                preferred_language="vi") -> User:
    """A new account; `password_hash` instead of `password` reuses a hash already made."""
    user = User(
        username=username.strip().lower(),
        full_name=full_name.strip(),
        role=role,
        org_unit=org_unit,
        preferred_language=preferred_language,
        password_hash=password_hash or hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    record("user.create", actor=actor, obj=user, after=user_snapshot(user))
    return user


def update_user(actor, user: User, *, full_name, role, org_unit, preferred_language) -> None:
    before = user_snapshot(user)
    user.full_name = full_name.strip()
    user.role = role
    user.org_unit = org_unit
    user.preferred_language = preferred_language
    db.session.flush()
    record("user.edit", actor=actor, obj=user, before=before, after=user_snapshot(user))


def set_active(actor, user: User, active: bool) -> None:
    before = user_snapshot(user)
    user.active = active
    if not active:
        end_all_sessions(user)
    record("user.activate" if active else "user.deactivate", actor=actor, obj=user,
           before=before, after=user_snapshot(user))


def reset_password(actor, user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    end_all_sessions(user)
    record("user.password_reset", actor=actor, obj=user)


def set_language(user: User, language: str) -> None:
    before = {"preferred_language": str(user.preferred_language)}
    user.preferred_language = language
    record("user.language", actor=user, obj=user, before=before, after={"preferred_language": language})
