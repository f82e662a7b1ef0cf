"""Production that is safe by default (issue 22): the app refuses to start
without a random key unless development or testing is chosen, and production
sends HSTS, a __Host- cookie and a CSP that allows no inline code or style."""
import base64
import hashlib
import re
import secrets
from pathlib import Path

import pytest

from fieldops import create_app
from fieldops.config import ConfigError
from tests.conftest import PASSWORD
from tests.test_access import built_world, client_as, world  # noqa: F401  (the access walk's fixtures)

TEMPLATES = Path(__file__).resolve().parent.parent / "fieldops" / "templates"


@pytest.fixture
def bare_environment(monkeypatch):
    for name in ("FIELDOPS_ENV", "SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_nothing_chosen_means_production_which_refuses_the_public_key(bare_environment):
    # `gunicorn wsgi:app` with no environment at all
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    bare_environment.setenv("SECRET_KEY", "dev-only-not-secret")
    bare_environment.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_and_testing_must_be_chosen_explicitly(bare_environment, env):
    bare_environment.setenv("FIELDOPS_ENV", env)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["FIELDOPS_ENV"] == env and not app.config["SESSION_COOKIE_SECURE"]


def test_an_unknown_environment_is_refused(bare_environment):
    bare_environment.setenv("FIELDOPS_ENV", "prod")
    with pytest.raises(ConfigError, match="FIELDOPS_ENV"):
        create_app()


def test_make_run_and_make_test_choose_their_environment():
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    assert "migrate run: export FIELDOPS_ENV ?= development" in makefile
    assert "test: export FIELDOPS_ENV ?= testing" in makefile


@pytest.fixture
def production(app, users, bare_environment):
    """A production app on the test database, as gunicorn would load it."""
    bare_environment.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    bare_environment.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    bare_environment.setenv("FIELDOPS_ENV", "production")
    bare_environment.setenv("FIELDOPS_PUBLIC_URL", "https://fieldops.example")
    made = create_app({"WTF_CSRF_ENABLED": False})
    with made.app_context():
        yield made
        from fieldops.extensions import db

        db.session.remove()


def test_production_cookie_is_host_prefixed_secure_and_strict_transport(production):
    client, https = production.test_client(), "https://fieldops.example"
    response = client.post("/login", data={"username": "officer.hn", "password": PASSWORD}, base_url=https)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-fieldops_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert client.get("/", base_url=https).status_code == 200


def test_development_sends_no_strict_transport(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_the_policy_allows_no_inline_script_or_style(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "style-src 'self';" in policy and "script-src 'self';" in policy


def test_no_template_holds_inline_script_style_or_handler():
    for template in TEMPLATES.rglob("*.html"):
        if template.parts[-2] == "pdf":
            continue  # documents for WeasyPrint; their preview sends its own policy
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"<style\b|\sstyle=|\(style=|\son[a-z]+=", text), template



def test_the_dossier_preview_shows_no_server_path_and_allows_only_its_own_styles(world, client_as):
    response = client_as("hr").get(f"/reviews/dossiers/{world.params['dossier_id']}/preview")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Mã xác minh" in text
    assert "file://" not in text and str(TEMPLATES.parent.parent) not in text
    assert "/static/fonts/NotoSerif-Regular.ttf" in text
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "script-src 'none'" in policy
    style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy
