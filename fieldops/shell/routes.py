import sqlalchemy as sa
from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from fieldops.auth.access import public, signed_in
from fieldops.auth.models import Role
from fieldops.auth.operations import set_language
from fieldops.core.navigation import safe_next
from fieldops.core.sessions import background
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.progress.queries import employers_furthest_from_full
from fieldops.shell import bp
from fieldops.visits import queries as visits


@bp.get("/")
@signed_in
def home():
    """"Today": an officer's own visits and the employers that need them most; a
    supervisor's count of visits waiting for review; the tiles for everyone."""
    context = {}
    if current_user.role == Role.officer:
        context["recent_visits"] = visits.recent_visits(current_user, limit=8)
        context["furthest"] = employers_furthest_from_full(current_user, limit=8)
    elif current_user.role == Role.supervisor:
        context["waiting_review"] = visits.waiting_review_count(current_user)
    return render_template("core/home.html", **context)


@bp.get("/healthz")
@background
@public
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@bp.post("/language")
@public
def language():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        return render_template("errors/error.html", code=400, message=_("Unknown language.")), 400
    if current_user.is_authenticated:
        set_language(current_user, lang)
        db.session.commit()
    session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("core.home"))
