import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import LoginAttempt, User, UserSession
from fieldops.extensions import db
from fieldops.timeutil import utcnow
from tests import factories
from tests.conftest import PASSWORD, csrf_token_from, sign_in

WRONG = "Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đã bị khóa."
THROTTLED = "Đăng nhập sai quá nhiều lần"


def _actions():
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def _login(client, username, password, **extra):
    return client.post("/login", data={"username": username, "password": password, **extra})


def test_sign_in_opens_a_server_session_and_is_audited(client, users):
    response = _login(client, "officer.hn", PASSWORD)
    assert response.status_code == 302 and response.location == "/"
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 1
    assert "auth.login" in _actions()


def test_passwords_are_argon2id(users):
    assert users["HN"]["officer"].password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    "username, password, message",
    [
        ("officer.hn", "wrong-password-123", WRONG),
        ("nobody.here", PASSWORD, WRONG),
        ("", PASSWORD, "Trường này là bắt buộc."),
        ("officer.hn", "", "Trường này là bắt buộc."),
    ],
)
def test_bad_credentials_get_a_clear_message_and_no_session(client, users, username, password, message):
    response = _login(client, username, password)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 0
    assert client.get("/").status_code == 302


def test_failed_sign_in_is_audited_with_the_name_typed(client, users):
    _login(client, "nobody.here", PASSWORD)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).one()
    assert event.actor_name == "nobody.here" and event.after == {"reason": "unknown_user"}


def test_deactivated_user_cannot_sign_in(client, org):
    factories.user(org["HN-BD"], username="gone.user", active=False)
    db.session.commit()
    response = _login(client, "gone.user", PASSWORD)
    assert WRONG in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_overlong_username_is_refused_cleanly(client, users):
    response = _login(client, "x" * 5000, PASSWORD)
    assert response.status_code == 200
    assert "Không được dài quá 60 ký tự." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(LoginAttempt.id))) == 0


def test_ten_failures_lock_the_account_even_with_the_right_password(client, users):
    for _ in range(10):
        assert WRONG in _login(client, "officer.hn", "wrong-password-123").get_data(as_text=True)
    response = _login(client, "officer.hn", PASSWORD)
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert "auth.login_throttled" in _actions()


def test_ten_failures_from_one_address_lock_that_address(client, users):
    for i in range(10):
        _login(client, f"guess{i}", "wrong-password-123")
    assert _login(client, "officer.ht", PASSWORD).status_code == 429
    other_address = client.post("/login", data={"username": "officer.ht", "password": PASSWORD},
                                environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other_address.status_code == 302


def test_throttle_is_shared_by_every_worker(app, client, users):
    """A second app (another gunicorn worker) sees the failures the first one counted."""
    from fieldops import create_app

    for _ in range(10):
        _login(client, "officer.hn", "wrong-password-123")
    other_worker = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                               "WTF_CSRF_ENABLED": False})
    with other_worker.app_context():
        response = other_worker.test_client().post("/login", data={"username": "officer.hn", "password": PASSWORD})
        assert response.status_code == 429
        from fieldops.extensions import db as other_db

        other_db.session.remove()


def test_old_failures_fall_out_of_the_window(client, users):
    for _ in range(10):
        _login(client, "officer.hn", "wrong-password-123")
    db.session.execute(sa.update(LoginAttempt).values(created_at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    assert _login(client, "officer.hn", PASSWORD).status_code == 302


def test_session_cookie_flags(client, users):
    response = _login(client, "officer.hn", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookie_is_secure_and_config_is_required(monkeypatch):
    from fieldops import create_app
    from fieldops.config import ConfigError

    monkeypatch.setenv("FIELDOPS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "s" * 40)  # long, but not random
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app()
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("FIELDOPS_PUBLIC_URL", raising=False)
    with pytest.raises(ConfigError, match="FIELDOPS_PUBLIC_URL"):
        create_app()
    monkeypatch.setenv("FIELDOPS_PUBLIC_URL", "https://fieldops.example.vn/")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["FIELDOPS_PUBLIC_URL"] == "https://fieldops.example.vn"


def _age_session(**ages):
    db.session.execute(sa.update(UserSession).values(**{k: utcnow() - v for k, v in ages.items()}))
    db.session.commit()


def test_idle_session_times_out_after_30_minutes(client, users):
    sign_in(client, users["HN"]["officer"])
    _age_session(last_seen_at=timedelta(minutes=31))
    assert client.get("/").status_code == 302
    assert db.session.scalar(sa.select(UserSession.ended_at)) is not None


def test_active_session_ends_after_12_hours(client, users):
    sign_in(client, users["HN"]["officer"])
    _age_session(created_at=timedelta(hours=12, minutes=1), last_seen_at=timedelta(minutes=1))
    assert client.get("/").status_code == 302


def test_session_is_kept_alive_while_used(client, users):
    sign_in(client, users["HN"]["officer"])
    _age_session(last_seen_at=timedelta(minutes=20))
    assert client.get("/").status_code == 200
    last_seen = db.session.scalar(sa.select(UserSession.last_seen_at))
    assert utcnow() - last_seen < timedelta(minutes=1)


def _copy_cookie(source, target):
    cookie = source.get_cookie("fieldops_session")
    target.set_cookie("fieldops_session", cookie.value)


def test_sign_out_ends_the_session_on_the_server(app, client, users):
    sign_in(client, users["HN"]["officer"])
    thief = app.test_client()
    _copy_cookie(client, thief)
    assert thief.get("/").status_code == 200
    client.post("/logout")
    assert thief.get("/").status_code == 302
    assert "auth.logout" in _actions()


def test_password_reset_ends_every_session_of_the_user(app, users, client_as):
    officer = client_as("officer")
    admin = client_as("admin")
    target = users["HN"]["officer"]
    response = admin.post(f"/admin/users/{target.id}/password",
                          data={"password": "a-brand-new-password", "confirm": "a-brand-new-password"})
    assert response.status_code == 302
    assert officer.get("/").status_code == 302
    assert sign_in(app.test_client(), target, "a-brand-new-password")


def test_deactivation_ends_every_session(users, client_as):
    officer = client_as("officer")
    admin = client_as("admin")
    admin.post(f"/admin/users/{users['HN']['officer'].id}/active", data={})
    assert officer.get("/").status_code == 302


@pytest.mark.parametrize(
    "target, lands_on",
    [
        ("/employers/", "/employers/"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_only_same_site_next_redirects(client, users, target, lands_on):
    response = _login(client, "officer.hn", PASSWORD, next=target)
    assert response.location == lands_on


def test_denied_access_is_audited(users, client_as):
    client_as("officer").get("/admin/users")
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "access.denied")).one()
    assert event.actor.username == "officer.hn" and event.after["reason"] == "role"


def test_out_of_scope_access_is_audited_and_answers_404(org, users, client_as):
    employer = factories.employer(org["HT-TP"])
    db.session.commit()
    assert client_as("officer").get(f"/employers/{employer.id}").status_code == 404
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "access.denied")).one()
    assert event.after["reason"] == "out_of_scope"


def test_missing_csrf_token_is_refused(csrf_on, client, users):
    response = _login(client, "officer.hn", PASSWORD)
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 0


def test_stale_csrf_token_is_refused(app, csrf_on, client, users):
    other = app.test_client()
    token_of_other_session = csrf_token_from(other.get("/login").get_data(as_text=True))
    client.get("/login")
    response = _login(client, "officer.hn", PASSWORD, csrf_token=token_of_other_session)
    assert response.status_code == 400


def test_sign_in_with_a_valid_csrf_token(csrf_on, client, users):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert _login(client, "officer.hn", PASSWORD, csrf_token=token).status_code == 302


def test_language_preference_follows_the_user(app, users, client_as):
    client = client_as("officer")
    client.post("/language", data={"lang": "en"})
    assert db.session.get(User, users["HN"]["officer"].id).preferred_language == "en"
    fresh = sign_in(app.test_client(), users["HN"]["officer"])
    assert 'lang="en"' in fresh.get("/").get_data(as_text=True)


def test_the_user_behind_a_request_is_read_with_their_unit_in_one_statement(app, users):
    from fieldops.auth.operations import load_session, sign_in as open_session
    from tests.statements import recorded

    officer = users["HN"]["officer"]
    expected = (officer.id, officer.username, officer.role, officer.org_unit.name)
    with app.test_request_context("/"):
        token = open_session(officer.username, PASSWORD).session_token
        db.session.commit()
        db.session.expunge_all()
        with recorded() as sent:
            user = load_session(token)
            assert (user.id, user.username, user.role, user.org_unit.name) == expected
        assert len(sent) == 1
        # The session's own objects: the view's changes to them are saved, nothing else is written.
        assert user in db.session and user.org_unit in db.session and not db.session.dirty
        assert load_session(token) is user
        user.full_name = "Nguyễn Văn Đổi"
        db.session.commit()
        db.session.expunge_all()
        assert db.session.get(User, expected[0]).full_name == "Nguyễn Văn Đổi"
        assert load_session("not-a-token") is None
