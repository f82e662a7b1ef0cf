"""Passwords and sessions (issue 22, ASVS 2.1 and 3.3): common passwords and ones
containing the user's name are refused at every password set; a user changes
their own password and sees and ends their other sessions; an admin ends a
user's sessions."""
import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import User, UserSession
from fieldops.extensions import db
from tests.conftest import PASSWORD, sign_in

COMMON = "Mật khẩu này nằm trong số mật khẩu phổ biến nhất"
HAS_NAME = "Mật khẩu không được chứa tên đăng nhập hoặc họ tên của bạn."
REPETITIVE = "Mật khẩu này lặp lại quá ít ký tự"
PHONE = "Mozilla/5.0 (Linux; Android 13; SM-T505) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def _user(username):
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def _actions():
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


@pytest.mark.parametrize("password, message", [
    ("aaaaaaaaaaaa", REPETITIVE),
    ("officer.hn111", HAS_NAME),
    ("OFFICERHN-2023", HAS_NAME),
    ("password1234", COMMON),
    ("qwertyuiop123", COMMON),
    ("Matkhau@2023!", COMMON),
])
def test_a_weak_password_is_refused_at_reset_and_nothing_changes(users, client_as, password, message):
    target = users["HN"]["officer"]
    before = target.password_hash
    response = client_as("admin").post(f"/admin/users/{target.id}/password",
                                       data={"password": password, "confirm": password})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, target.id).password_hash == before


def test_a_new_user_cannot_get_their_name_as_password(org, users, client_as):
    response = client_as("admin").post("/admin/users/new", data={
        "username": "nguyen.an", "full_name": "Nguyễn Văn An", "role": "officer", "org_unit_id": org["HN-BD"].id,
        "preferred_language": "vi", "password": "nguyen.an.2023", "confirm": "nguyen.an.2023"})
    assert response.status_code == 422 and HAS_NAME in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.id).where(User.username == "nguyen.an")) is None


def _change(client, current, new, confirm=None):
    return client.post("/account/password", data={"current": current, "password": new,
                                                  "confirm": new if confirm is None else confirm})


def test_a_user_changes_their_own_password_and_their_other_sessions_end(app, users):
    officer = users["HN"]["officer"]
    here, elsewhere = sign_in(app.test_client(), officer), sign_in(app.test_client(), officer)
    response = _change(here, PASSWORD, "a-new-long-passphrase")
    assert response.status_code == 302 and response.location == "/account"
    assert here.get("/").status_code == 200  # this session goes on
    assert elsewhere.get("/").status_code == 302  # the other one has ended
    assert sign_in(app.test_client(), officer, "a-new-long-passphrase")
    assert "user.password_change" in _actions()


@pytest.mark.parametrize("current, new, confirm, message", [
    ("not-my-password", "a-new-long-passphrase", None, "Đây không phải mật khẩu hiện tại của bạn."),
    (PASSWORD, "password1234", None, COMMON),
    (PASSWORD, "officer.hn.2024", None, HAS_NAME),
    (PASSWORD, "a-new-long-passphrase", "another-one", "Hai mật khẩu không khớp nhau."),
    ("", "a-new-long-passphrase", None, "Trường này là bắt buộc."),
])
def test_a_refused_change_says_why_and_keeps_the_password(app, users, current, new, confirm, message):
    officer = users["HN"]["officer"]
    client, elsewhere = sign_in(app.test_client(), officer), sign_in(app.test_client(), officer)
    response = _change(client, current, new, confirm)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert elsewhere.get("/").status_code == 200
    assert sign_in(app.test_client(), officer, PASSWORD)


def test_the_sessions_page_lists_device_address_and_ends_the_others(app, users):
    officer = users["HN"]["officer"]
    tablet = app.test_client()
    tablet.post("/login", data={"username": "officer.hn", "password": PASSWORD},
                headers={"User-Agent": PHONE}, environ_base={"REMOTE_ADDR": "10.20.30.40"})
    desk = sign_in(app.test_client(), officer)
    page = desk.get("/account").get_data(as_text=True)
    assert "Chrome · Android" in page and "10.20.30.40" in page and "(thiết bị này)" in page
    response = desk.post("/account/sessions/end-others")
    assert response.status_code == 302
    assert tablet.get("/").status_code == 302 and desk.get("/").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id)).where(UserSession.ended_at.is_(None))) == 1
    assert "Đăng xuất ở mọi nơi khác" not in desk.get("/account").get_data(as_text=True)


def test_an_admin_ends_a_users_sessions_within_scope(app, users, client_as):
    officer = client_as("officer")
    target = users["HN"]["officer"]
    assert client_as("admin", "HT").post(f"/admin/users/{target.id}/sessions/end").status_code == 404
    assert officer.get("/").status_code == 200
    assert client_as("admin").post(f"/admin/users/{target.id}/sessions/end").status_code == 302
    assert officer.get("/").status_code == 302
    assert "user.sessions_end" in _actions()


def test_the_current_password_is_guessed_no_faster_than_at_sign_in(app, users):
    client = sign_in(app.test_client(), users["HN"]["officer"])
    before = _user("officer.hn").password_hash
    for i in range(10):  # a stolen session guessing the password
        response = _change(client, f"guess-number-{i}", "a-new-long-passphrase")
        assert "Đây không phải mật khẩu hiện tại của bạn." in response.get_data(as_text=True)
    response = _change(client, PASSWORD, "a-new-long-passphrase")
    assert response.status_code == 422 and "Đăng nhập sai quá nhiều lần" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _user("officer.hn").password_hash == before
