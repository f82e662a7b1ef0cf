"""The officer's offline field kit: the manifest that makes FieldOps installable,
the service worker and the shell page it keeps, the outbox page, and the sync of
the district's data to the tablet (sync.py)."""
import json
from pathlib import Path

from flask import Response, render_template, request, url_for
from flask_login import current_user
from isal import igzip

from fieldops.auth.access import public, roles_required
from fieldops.auth.models import Role
from fieldops.core.sessions import background
from fieldops.core.translations import gettext as _
from fieldops.offline import bp, shell, sync, texts
from fieldops.visits.forms import LineForm, ObstacleForm, VisitForm


_WORKER = Path(__file__).resolve().parent.parent / "static" / "js" / "service_worker.js"


@bp.get("/manifest.webmanifest")
@background
@public
def manifest():
    body = {
        "name": _("FieldOps: VssID registration in the field"),
        "short_name": "FieldOps",
        "description": _("Visits, follow-ups and the employers of your district, with or without a connection."),
        "lang": "vi",
        "start_url": url_for("core.home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f7fa",
        "theme_color": "#08427c",
        "icons": [
            {"src": url_for("static", filename=f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
             "type": "image/png", "purpose": "any maskable"}
            for size in (192, 512)
        ],
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")


@bp.get("/sw.js")
@background
@public
def service_worker():
    """At the root, so it may answer for every page; its first line names the
    release, so any change of the shell makes the browser install it anew."""
    config = {
        "version": shell.version(),
        "page": url_for("offline.page"),
        "files": [url_for("static", filename=name) for name in shell.SHELL_FILES],
    }
    body = f"self.FIELDOPS_SHELL = {json.dumps(config)};\n" + _WORKER.read_text()
    return Response(body, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


@bp.get("/offline")
@roles_required(Role.officer)
def page():
    """The page the service worker shows for any page asked for without a
    network: offline_pages.js draws it from what the tablet keeps."""
    return render_template(
        "offline/page.html", strings=texts.strings(), labels=texts.labels(),
        form=VisitForm(formdata=None, meta={"csrf": False}),
        new_line=LineForm(prefix="lines-__index__-", data={"counted": True, "newly_registered": 0}),
        new_obstacle=ObstacleForm(prefix="obstacles-__index__-"),
    )


@bp.get("/outbox")
@roles_required(Role.officer)
def outbox():
    """The items kept on this tablet, drawn by offline_pages.js (the same page offline)."""
    return render_template("offline/outbox.html", strings=texts.strings(), labels=texts.labels())


@bp.get("/offline/sync")
@background
@roles_required(Role.officer)
def district_data():
    """The officer's district for the tablet: everything, or what changed since
    ?since= (the cursor a previous answer gave). Gzipped when the browser takes it."""
    body = sync.to_json(sync.payload(current_user, request.args.get("since", "")))
    response = Response(body, mimetype="application/json", headers={"Cache-Control": "no-store"})
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(body) > 1024:
        # ISA-L's level 1: the largest district's 5.5 MB in 11 ms of CPU to 1.21 MB (zlib's level 3: 75 ms, 1.22 MB).
        response.set_data(igzip.compress(body, compresslevel=1))
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
    return response
