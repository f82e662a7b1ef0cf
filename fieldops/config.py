"""Configuration from the environment.

FIELDOPS_ENV chooses it: `development` (SQLite under `instance/`, a public
development key; what `make run` chooses), `testing`, or `production`, which is
also what the app runs when nothing is chosen: it then refuses to start without a
random SECRET_KEY and a DATABASE_URL, so a server started without its settings
never runs with the public key or an insecure cookie.
"""
import os
from datetime import timedelta

DEV_SECRET = "dev-only-not-secret"


# A random key of 32 characters or more holds many different characters; a typed one rarely.
SECRET_MIN_LENGTH = 32
SECRET_MIN_DISTINCT = 10


class ConfigError(RuntimeError):
    pass


class Config:
    SECRET_KEY = DEV_SECRET
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app: instance folder is known there
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = 12 * 3600  # a token lives as long as the longest session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "fieldops_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # The cookie lives 12 hours from sign-in, as long as the session may (SESSION_ABSOLUTE_TIMEOUT), and
    # the server-side session keeps the idle timeout: re-signing it on every answer (a fifth of /healthz's
    # CPU) would change nothing a user sees.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    LOGIN_FAILURE_LIMIT = 10
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    # Past the limit on one account from everywhere: one attempt per this delay.
    LOGIN_ACCOUNT_DELAY = timedelta(minutes=1)
    PASSWORD_MIN_LENGTH = 12
    # argon2id parameters (RFC 9106 second recommended option: 64 MiB, t=3, p=4)
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
    PAGE_SIZE = 20
    # An import's file (fieldops/core/spreadsheet.py, MAX_FILE_BYTES) and the form around it.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024 + 64 * 1024
    # A larger employer file (~15,000 rows) is imported by the job worker, not the request.
    EMPLOYER_IMPORT_INLINE_MAX_BYTES = 1024 * 1024
    # A larger file of targets or group returns is imported by the job worker: a return's row is
    # checked against those filed (~3 ms a row on a loaded server), so 32 KB (~900 rows) is a few seconds.
    IMPORT_INLINE_MAX_BYTES = 32 * 1024
    # How long a unit's progress report is served from its kept copy (fieldops/progress/snapshots.py);
    # an older copy is computed again by the job worker.
    PROGRESS_REPORT_SECONDS = 60
    # The job worker's CPU niceness (0–19, added to the process's): its jobs and the dashboards it
    # computes again yield the CPU to the web servers' requests on a shared machine.
    JOB_WORKER_NICE = 10
    # After a write, the browser's requests read the primary this long, not a replica lagging behind.
    REPLICA_STICKY_SECONDS = 30
    # Where the app is reached from outside: printed (with a QR code) on every page of a dossier.
    FIELDOPS_PUBLIC_URL = "http://localhost:5000"


class ProductionConfig(Config):
    SECRET_KEY = None
    SESSION_COOKIE_SECURE = True
    # "__Host-": the browser keeps it only from HTTPS, for this host and every path,
    # so neither a sibling subdomain nor plain HTTP can plant or read it.
    SESSION_COOKIE_NAME = "__Host-fieldops_session"
    STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    # Low-cost argon2id keeps the suite fast; still the argon2id algorithm.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    # Every page shows what was just written; tests of the kept copies set their own.
    PROGRESS_REPORT_SECONDS = 0


ENVIRONMENTS = {"development": Config, "testing": TestConfig, "production": ProductionConfig}


def load_config(app, overrides=None):
    env = os.environ.get("FIELDOPS_ENV", "").strip().lower() or "production"
    if overrides and overrides.get("TESTING"):
        env = "testing"
    if env not in ENVIRONMENTS:
        raise ConfigError("FIELDOPS_ENV must be one of: " + ", ".join(ENVIRONMENTS))
    app.config.from_object(ENVIRONMENTS[env])
    app.config["FIELDOPS_ENV"] = env

    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("FIELDOPS_PUBLIC_URL"):
        app.config["FIELDOPS_PUBLIC_URL"] = os.environ["FIELDOPS_PUBLIC_URL"].rstrip("/")
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(app.instance_path, "fieldops.sqlite3")
    )
    if os.environ.get("DATABASE_REPLICA_URL"):
        # Dashboards, reports and exports read from it (fieldops/core/replica.py).
        app.config["SQLALCHEMY_BINDS"] = {"replica": os.environ["DATABASE_REPLICA_URL"]}
    if overrides:
        app.config.update(overrides)

    if env == "production":
        check_production(app.config)


def check_production(config):
    secret = config.get("SECRET_KEY") or ""
    if secret in (DEV_SECRET, TestConfig.SECRET_KEY) or len(secret) < SECRET_MIN_LENGTH \
            or len(set(secret)) < SECRET_MIN_DISTINCT:
        raise ConfigError(
            "SECRET_KEY must be set to a random value of at least 32 characters "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(48))'), "
            "or FIELDOPS_ENV set to development or testing")
    if not os.environ.get("DATABASE_URL"):
        raise ConfigError("DATABASE_URL must point at the production PostgreSQL database")
    if not os.environ.get("FIELDOPS_PUBLIC_URL", "").startswith("https://"):
        raise ConfigError("FIELDOPS_PUBLIC_URL must be the https:// address the printed dossiers point to")
