"""The app shell a tablet keeps for working offline, and its version.

The version is a hash of the shell's files, read once when the app starts, so it
changes with any release that changes one of them. Every page asks for static
files with `?v=<version>` (the URL default below): the service worker keeps one
cache per version, filled whole at install, so a page never gets an old script
beside a new stylesheet, and a new release is fetched as a whole, never a mix."""
import hashlib
from functools import cache
from pathlib import Path

from flask import request

PACKAGE = Path(__file__).resolve().parent.parent
# What the offline pages need besides the shell page itself (PDF fonts are not).
SHELL_FILES = (
    "css/app.css",
    "vendor/htmx-2.0.4.min.js",
    "js/app.js",
    "js/followups.js",
    "js/visit_rules.js",
    "js/visit_checks.js",
    "js/visit_outbox.js",
    "js/visit_form.js",
    "js/offline_store.js",
    "js/offline_pages.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
)


@cache
def version() -> str:
    digest = hashlib.sha256()
    files = sorted(path for path in (PACKAGE / "static").rglob("*") if path.is_file())
    files += sorted((PACKAGE / "templates" / "offline").glob("*.html"))
    files += sorted((PACKAGE / "translations").glob("*/LC_MESSAGES/messages.po"))
    for path in files:
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def install(app) -> None:
    @app.url_defaults
    def versioned_static(endpoint, values):
        if endpoint == "static" and "v" not in values:
            values["v"] = version()

    # Under the debug server files change while it runs, and the version does not.
    if app.debug:
        return

    @app.after_request
    def keep_versioned_static(response):
        if request.endpoint == "static" and response.status_code == 200 and request.args.get("v") == version():
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
