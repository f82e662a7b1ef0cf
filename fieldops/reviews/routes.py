"""Review pages: the periods, one period with its criteria, closing it, the
ranking of officers and collectives, the award titles. Nominations are in
nomination_routes.py, dossiers and the verification page in dossier_routes.py,
on the same blueprint.

HR runs reviews; leadership (viewer), supervisors and admins read them in their
area. Each view validates its form, calls one operation and commits once.
"""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldops.audit.operations import record_denied
from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.core.numbers import whole_number
from fieldops.core.translations import gettext as _
from fieldops.extensions import db, htmx
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.scope import get_or_404, scoped
from fieldops.reviews import bp, operations, standings
from fieldops.reviews.forms import CloseForm, CouncilForm, CriterionForm, CutOffForm, DeleteForm, PeriodForm
from fieldops.reviews.labels import template_globals
from fieldops.reviews.models import Criterion, Nomination, NominationState, NomineeKind, ReviewFigure, ReviewPeriod
from fieldops.reviews.operations import ReviewError
from fieldops.timeutil import local_today, to_local

READERS = (Role.viewer, Role.supervisor, Role.hr, Role.admin)
H = Role.hr


@bp.record_once
def _register(state):
    state.app.jinja_env.globals.update(template_globals())
    from fieldops.reviews.criteria import annotate, describe

    state.app.jinja_env.globals["review_annotate"] = annotate
    state.app.jinja_env.globals["review_describe"] = describe


def period_or_404(period_id) -> ReviewPeriod:
    return get_or_404(ReviewPeriod, period_id, current_user)


def refused(error: ReviewError, where: str, target=None):
    """A refused change: denials are logged; the message goes to the page."""
    db.session.rollback()
    if error.status == 403:
        record_denied(current_user, where, error.reason)
        abort(403)
    flash(error.message, "error")
    return redirect(target or request.referrer or url_for("reviews.index")), 303


def units_of_review(period: ReviewPeriod, levels=None):
    """(id, label) of the units of the user's area inside the review's."""
    root = period.scope_root(current_user)
    stmt = scoped(OrgUnit, current_user).where(OrgUnit.scope_clause(root)).order_by(OrgUnit.path)
    if levels:
        stmt = stmt.where(OrgUnit.level.in_(levels))
    base = root.depth
    return [(u.id, f"{'— ' * (u.depth - base)}{u.code} · {u.name}") for u in db.session.scalars(stmt)]


# --- periods ---------------------------------------------------------------------------------


@bp.get("/reviews/")
@roles_required(*READERS)
def index():
    periods = db.session.scalars(scoped(ReviewPeriod, current_user).order_by(
        ReviewPeriod.cut_off.desc(), ReviewPeriod.id.desc())).all()
    return render_template("reviews/index.html", periods=periods)


def _period_form(form):
    units = scoped(OrgUnit, current_user).where(OrgUnit.level != UnitLevel.team).order_by(OrgUnit.path)
    base = current_user.org_unit.depth
    form.org_unit_id.choices = [(u.id, f"{'— ' * (u.depth - base)}{u.code} · {u.name}")
                                for u in db.session.scalars(units)]
    return form


@bp.route("/reviews/new", methods=["GET", "POST"])
@roles_required(H)
def new():
    from fieldops.progress.dashboard import current_campaign

    campaign = current_campaign(local_today())
    form = _period_form(PeriodForm(org_unit_id=current_user.org_unit_id))
    if campaign is None:
        flash(_("No campaign has been set up yet."), "error")
        return render_template("reviews/new.html", form=form, campaign=None), 422
    if request.method == "GET":
        return render_template("reviews/new.html", form=form, campaign=campaign)
    if not form.validate_on_submit():
        return render_template("reviews/new.html", form=form, campaign=campaign), 422
    unit = get_or_404(OrgUnit, form.org_unit_id.data, current_user)
    try:
        period = operations.create_period(current_user, campaign, unit, form.kind.data, form.cut_off.data)
        db.session.commit()
    except ReviewError as error:
        db.session.rollback()
        getattr(form, error.field or "kind").errors.append(error.message)
        return render_template("reviews/new.html", form=form, campaign=campaign), error.status
    flash(_("Review created. Set its criteria next."), "success")
    return redirect(url_for("reviews.period", period_id=period.id))


def render_period(period, status=200, **forms):
    context = {"period": period, "close_form": CloseForm(formdata=None),
               "criterion_form": CriterionForm(formdata=None), "cut_off_form": CutOffForm(formdata=None, cut_off=period.cut_off),
               "delete_form": DeleteForm(formdata=None), "root": period.scope_root(current_user)} | forms
    from fieldops.reviews.dossier_routes import generate_form

    context["generate_form"] = generate_form(period)
    context["frozen_count"] = None if period.is_open else db.session.scalar(
        sa.select(sa.func.count(ReviewFigure.id)).where(ReviewFigure.period_id == period.id))
    mine = scoped(Nomination, current_user).where(Nomination.period_id == period.id).with_only_columns(
        sa.func.count(Nomination.id))
    context["overrides"] = db.session.scalar(mine.where(Nomination.justification != "",
                                                        Nomination.state != NominationState.withdrawn))
    context["revoked"] = db.session.scalar(mine.where(Nomination.state == NominationState.revoked))
    if "council_form" not in context:
        local = to_local(period.council_held_at) if period.council_held_at else None
        context["council_form"] = CouncilForm(
            formdata=None, held_on=local.date() if local else None, held_time=local.strftime("%H:%M") if local else "",
            place=period.council_place, chair=period.council_chair, secretary=period.council_secretary,
            attendees=period.council_attendees)
    template = "reviews/_criteria.html" if htmx.target == "review-criteria" else "reviews/period.html"
    return render_template(template, **context), status


@bp.get("/reviews/<int:period_id>")
@roles_required(*READERS)
def period(period_id):
    return render_period(period_or_404(period_id))


@bp.post("/reviews/<int:period_id>/cut-off")
@roles_required(H)
def cut_off(period_id):
    period = period_or_404(period_id)
    form = CutOffForm()
    if not form.validate_on_submit():
        return render_period(period, 422, cut_off_form=form)
    try:
        operations.change_cut_off(current_user, period, form.cut_off.data)
        db.session.commit()
    except ReviewError as error:
        if error.status == 403:
            return refused(error, f"review_period:{period.id}")
        db.session.rollback()
        form.cut_off.errors.append(error.message)
        return render_period(period, error.status, cut_off_form=form)
    flash(_("Cut-off date changed."), "success")
    return redirect(url_for("reviews.period", period_id=period.id))


@bp.post("/reviews/<int:period_id>/close")
@roles_required(H)
def close(period_id):
    """Close now, or through the job worker when the review's area is large."""
    from flask import current_app

    from fieldops.reviews.jobs import officers_count, queue_close

    period = period_or_404(period_id)
    form = CloseForm()
    if not form.validate_on_submit():
        return render_period(period, 422)
    target = url_for("reviews.period", period_id=period.id)
    try:
        if period.is_open and officers_count(period) > current_app.config.get("REVIEW_CLOSE_INLINE_MAX", 2000):
            job = queue_close(current_user, period)
            db.session.commit()
            flash(_("The review is being closed in the background."), "info")
            return redirect(url_for("jobs.show", job_id=job.id))
        frozen = operations.close_period(current_user, period)
        db.session.commit()
    except ReviewError as error:
        return refused(error, f"review_period:{period.id}", target)
    flash(_("Review closed: the figures of %(n)s officers and units are frozen.", n=frozen), "success")
    return redirect(target)


# --- criteria --------------------------------------------------------------------------------


@bp.post("/reviews/<int:period_id>/criteria")
@roles_required(H)
def criterion_add(period_id):
    period = period_or_404(period_id)
    form = CriterionForm()
    if not form.validate_on_submit():
        return render_period(period, 422, criterion_form=form)
    try:
        operations.add_criterion(current_user, period, form.rule.data, form.applies_to.data, form.threshold.data,
                                 form.metric.data)
        db.session.commit()
    except ReviewError as error:
        if error.status == 403:
            return refused(error, f"review_period:{period.id}")
        db.session.rollback()
        getattr(form, error.field or "rule").errors.append(error.message)
        return render_period(period_or_404(period_id), error.status, criterion_form=form)
    if htmx.target == "review-criteria":
        return render_period(period, notice=_("Criterion added."))
    flash(_("Criterion added."), "success")
    return redirect(url_for("reviews.period", period_id=period.id))


@bp.post("/reviews/criteria/<int:criterion_id>/delete")
@roles_required(H)
def criterion_delete(criterion_id):
    criterion = get_or_404(Criterion, criterion_id, current_user)
    period = criterion.period
    form = DeleteForm()
    if not form.validate_on_submit():
        return render_period(period, 400)
    try:
        operations.delete_criterion(current_user, criterion)
        db.session.commit()
    except ReviewError as error:
        return refused(error, f"review_criterion:{criterion_id}", url_for("reviews.period", period_id=period.id))
    if htmx.target == "review-criteria":
        return render_period(period, notice=_("Criterion removed."))
    flash(_("Criterion removed."), "success")
    return redirect(url_for("reviews.period", period_id=period.id))


# --- ranking ----------------------------------------------------------------------------------


@bp.get("/reviews/<int:period_id>/ranking")
@roles_required(*READERS)
def ranking(period_id):
    from flask import current_app

    period = period_or_404(period_id)
    who = request.args.get("who", "officers")
    kind = NomineeKind.collective if who == "units" else NomineeKind.individual
    root = period.scope_root(current_user)
    unit_id = whole_number(request.args.get("unit"))
    if unit_id is not None:
        unit = get_or_404(OrgUnit, unit_id, current_user)
        root = unit if unit.path.startswith(root.path) else root
    page_number = whole_number(request.args.get("page"), digits=5) or 1
    eligible_only = request.args.get("eligible") == "1"
    page = standings.ranked(period, root, kind, page_number, current_app.config["PAGE_SIZE"], eligible_only)
    keys = [item["key"] for item in page.items]
    # An award revoked since shows beside its nominee's figures.
    revoked = set(db.session.scalars(sa.select(Nomination.subject_key).where(
        Nomination.period_id == period.id, Nomination.state == NominationState.revoked,
        Nomination.subject_key.in_(keys)))) if keys else set()
    context = {"period": period, "page": page, "who": "units" if kind == NomineeKind.collective else "officers",
               "root": root, "eligible_only": eligible_only, "units": units_of_review(period), "revoked": revoked}
    template = "reviews/_ranking.html" if htmx.target == "review-ranking" else "reviews/ranking.html"
    return render_template(template, **context)
