"""FieldOps: the field workflow of the VssID registration campaign."""
import os

import sqlalchemy as sa
from flask import Flask, g, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from fieldops.config import load_config
from fieldops.extensions import babel, csrf, db, htmx, login_manager, migrate


def create_app(overrides=None):
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    load_config(app, overrides)

    proxies = int(os.environ.get("FIELDOPS_PROXY_COUNT", "0"))
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from fieldops import models  # noqa: F401  (registers the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Ho_Chi_Minh")
    _init_login(app)
    _init_sqlite(app)

    from fieldops.auth.routes import bp as auth_bp
    from fieldops.core.routes import bp as core_bp
    from fieldops.employers.routes import bp as employers_bp
    from fieldops.org.routes import bp as org_bp
    from fieldops.visits.routes import bp as visits_bp

    for bp in (core_bp, auth_bp, org_bp, employers_bp, visits_bp):
        app.register_blueprint(bp)
    from fieldops.followups.routes import bp as followups_bp

    app.register_blueprint(followups_bp)

    from fieldops.core import errors, templating
    from fieldops.demo import commands as demo_commands
    from fieldops.employers import cli as employers_cli

    errors.register(app)
    templating.register(app)
    demo_commands.register(app)
    employers_cli.register(app)
    from fieldops.followups import cli as followups_cli

    followups_cli.register(app)
    # Progress monitoring (fieldops/progress): dashboards, targets, exports, the report.
    from fieldops.progress import cli as progress_cli
    from fieldops.progress.routes import bp as progress_bp

    app.register_blueprint(progress_bp)
    progress_cli.register(app)
    return app


def select_locale():
    languages = ("vi", "en")
    if current_user and current_user.is_authenticated:
        return str(current_user.preferred_language)
    lang = session.get("lang")
    return lang if lang in languages else "vi"


def _init_login(app):
    from flask_babel import lazy_gettext as _l

    from fieldops.auth.operations import load_session

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side session does this job
    login_manager.user_loader(load_session)

    @app.before_request
    def load_user_first():
        # Load (and touch) the session before the view starts its own work,
        # so the touch commits on a clean session.
        if request.endpoint != "static":
            g.user_loaded = current_user.is_authenticated


def _init_sqlite(app):
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()
