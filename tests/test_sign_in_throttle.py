"""Sign-in throttling that holds under concurrent guesses (issue 22): every
attempt is counted before its password is checked, and one address cannot lock
an account out: past the limit, the account is checked again after a minute."""
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldops.auth import operations
from fieldops.auth.models import LoginAttempt, UserSession
from fieldops.extensions import db
from fieldops.timeutil import utcnow
from tests.concurrency import run_at_once
from tests.conftest import PASSWORD

DELAYED = "Vui lòng chờ một phút rồi thử lại."


def _login(client, username, password, address="127.0.0.1"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_one_address_cannot_lock_an_account_out_for_the_window(client, users):
    for _ in range(10):
        _login(client, "officer.hn", "wrong-password-123", "10.0.0.66")
    # The guesser's address is locked out for the window…
    assert _login(client, "officer.hn", PASSWORD, "10.0.0.66").status_code == 429
    # …the account, from anywhere else, for a minute.
    held = _login(client, "officer.hn", PASSWORD, "10.0.0.7")
    assert held.status_code == 429 and DELAYED in held.get_data(as_text=True)
    db.session.execute(sa.update(LoginAttempt).values(created_at=utcnow() - timedelta(seconds=61)))
    db.session.commit()
    assert _login(client, "officer.hn", PASSWORD, "10.0.0.7").status_code == 302


def test_past_the_limit_an_account_is_checked_once_a_minute_from_anywhere(client, users):
    for i in range(10):
        _login(client, "officer.hn", "wrong-password-123", f"10.1.0.{i}")
    db.session.execute(sa.update(LoginAttempt).values(created_at=utcnow() - timedelta(seconds=61)))
    db.session.commit()
    assert _login(client, "officer.hn", "wrong-password-456", "10.2.0.1").status_code == 200  # checked
    assert _login(client, "officer.hn", PASSWORD, "10.2.0.2").status_code == 429  # within the minute


def test_refused_attempts_do_not_prolong_the_lock(client, users):
    for _ in range(10):
        _login(client, "officer.hn", "wrong-password-123")
    for _ in range(5):
        assert _login(client, "officer.hn", PASSWORD).status_code == 429
    assert db.session.scalar(sa.select(sa.func.count(LoginAttempt.id))) == 10


def test_forty_concurrent_sign_ins_check_at_most_the_limit(app, users, monkeypatch):
    """39 wrong passwords and the right one sent at once, each in a thread of its
    own (its own session and connection): at most 10 passwords are checked."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite serialises them anyway)")
    checked, lock = [], threading.Lock()
    real_verify, real_burn = operations.verify_password, operations.burn_verify

    def slow_verify(password_hash, password):
        with lock:
            checked.append(password)
        threading.Event().wait(0.2)  # a production-cost argon2id: the requests overlap
        return real_verify(password_hash, password)

    def slow_burn(password):
        slow_verify(None, password)
        real_burn(password)

    monkeypatch.setattr(operations, "verify_password", slow_verify)
    monkeypatch.setattr(operations, "burn_verify", slow_burn)
    statuses, start = [], threading.Barrier(40)

    def attempt(password):
        def run():
            with app.app_context():
                start.wait()
                response = app.test_client().post("/login", data={"username": "officer.hn", "password": password})
                with lock:
                    statuses.append(response.status_code)
                db.session.remove()
        return run

    passwords = [f"wrong-password-{i}" for i in range(39)] + [PASSWORD]
    run_at_once(*(attempt(p) for p in passwords))
    assert len(statuses) == 40
    assert len(checked) <= 10
    assert statuses.count(429) >= 30 and statuses.count(200) + statuses.count(302) == len(checked)
    signed_in = db.session.scalar(sa.select(sa.func.count(UserSession.id)))
    assert signed_in == (1 if PASSWORD in checked else 0)
