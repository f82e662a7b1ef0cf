"""Dossiers: HR's print queue (by period, unit and status), generating one (now,
or through the job worker when it is large), download, print preview,
regenerating, marking final and printed; and the verification page a code on
a printed page leads to."""
import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import aliased, selectinload

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.core.numbers import whole_number
from fieldops.core.paging import page_of
from fieldops.core.pdf import preview_response
from fieldops.core.translations import gettext as _
from fieldops.extensions import db, htmx
from fieldops.jobs.models import ACTIVE_STATES, Job, JobState
from fieldops.org.models import OrgUnit
from fieldops.org.scope import get_or_404, scoped
from fieldops.reviews import dossier as dossiers
from fieldops.reviews import bp, operations
from fieldops.reviews.forms import GenerateForm, MarkForm
from fieldops.reviews.jobs import DOSSIER, queue_dossier
from fieldops.reviews.models import Dossier, DossierStatus, ReviewPeriod, within
from fieldops.reviews.operations import ReviewError
from fieldops.reviews.routes import period_or_404, refused, units_of_review

H = Role.hr


def generate_form(period, formdata=None):
    form = GenerateForm(formdata=formdata) if formdata is not None else GenerateForm(formdata=None)
    form.unit_id.choices = units_of_review(period)
    if formdata is None and form.unit_id.choices:
        form.unit_id.data = form.unit_id.choices[0][0]
    return form


# --- the print queue --------------------------------------------------------------------------


@bp.get("/reviews/dossiers")
@roles_required(H)
def dossiers_page():
    periods = db.session.scalars(scoped(ReviewPeriod, current_user).order_by(ReviewPeriod.cut_off.desc())).all()
    stmt = scoped(Dossier, current_user).options(selectinload(Dossier.org_unit), selectinload(Dossier.period),
                                                 selectinload(Dossier.generated_by))
    args = {}
    number = whole_number(request.args.get("period"))
    if number is not None:
        stmt = stmt.where(Dossier.period_id == number)
        args["period"] = str(number)
    number = whole_number(request.args.get("unit"))
    if number is not None:
        unit = get_or_404(OrgUnit, number, current_user)
        stmt = stmt.where(Dossier.org_unit_id.in_(sa.select(OrgUnit.id).where(OrgUnit.scope_clause(unit))))
        args["unit"] = str(number)
    status = request.args.get("status", "")
    if status in DossierStatus.__members__:
        stmt = stmt.where(Dossier.status == DossierStatus(status))
        args["status"] = status
    if request.args.get("all") != "1":
        # The latest version of each period and unit; ?all=1 shows the earlier ones too.
        d2 = aliased(Dossier)
        newest = sa.select(sa.func.max(d2.version)).where(d2.period_id == Dossier.period_id,
                                                           d2.org_unit_id == Dossier.org_unit_id).scalar_subquery()
        stmt = stmt.where(Dossier.version == newest)
    else:
        args["all"] = "1"
    page = page_of(stmt.order_by(Dossier.generated_at.desc(), Dossier.id.desc()))
    jobs = db.session.scalars(scoped(Job, current_user).where(
        Job.kind == DOSSIER, sa.or_(Job.state.in_(ACTIVE_STATES), Job.state == JobState.failed))
        .order_by(Job.id.desc()).limit(20)).all()
    context = {"page": page, "periods": periods, "args": args, "jobs": jobs, "mark_form": MarkForm(formdata=None),
               "units": _unit_choices()}
    template = "reviews/_dossier_list.html" if htmx.target == "dossier-list" else "reviews/dossiers.html"
    return render_template(template, **context)


def _unit_choices():
    base = current_user.org_unit.depth
    return [(u.id, f"{'— ' * (u.depth - base)}{u.code} · {u.name}")
            for u in db.session.scalars(scoped(OrgUnit, current_user).order_by(OrgUnit.path).limit(1000))]


# --- generating -------------------------------------------------------------------------------


def _generate(period, unit):
    """Now when small; through the job worker when large. A redirect either way."""
    count = dossiers.count_nominations(period, unit)
    if count > current_app.config.get("DOSSIER_MAX_NOMINEES", 250):
        limit = current_app.config.get("DOSSIER_MAX_NOMINEES", 250)
        return refused(ReviewError("too_many", limit=limit), f"review_period:{period.id}",
                       url_for("reviews.period", period_id=period.id))
    if count > current_app.config.get("DOSSIER_INLINE_MAX", 25):
        job = queue_dossier(current_user, period, unit)
        db.session.commit()
        flash(_("The dossier is large: it is being generated in the background."), "info")
        return redirect(url_for("jobs.show", job_id=job.id))
    try:
        dossier = dossiers.generate_dossier(current_user, period, unit)
        db.session.commit()
    except ReviewError as error:
        return refused(error, f"review_period:{period.id}", url_for("reviews.period", period_id=period.id))
    if dossier.reused:
        flash(_("Nothing this closed review's dossier prints has changed: version %(n)s and its code %(code)s "
                "stay valid.", n=dossier.version, code=dossier.verification_code), "info")
        return redirect(url_for("reviews.dossiers_page", period=period.id))
    flash(_("Dossier generated (%(pages)s pages, code %(code)s).", pages=dossier.pages,
            code=dossier.verification_code), "success")
    if not dossier.snapshot.get("signer", {}).get("name"):
        flash(_("No one is set to sign the documents of %(unit)s: the letter and the list print no name. "
                "An administrator sets it under Reviews.", unit=unit.name), "error")
    return redirect(url_for("reviews.dossiers_page", period=period.id))


@bp.post("/reviews/<int:period_id>/dossiers")
@roles_required(H)
def generate(period_id):
    from fieldops.reviews.routes import render_period

    period = period_or_404(period_id)
    form = generate_form(period, request.form)
    if not form.validate_on_submit():
        return render_period(period, 422, generate_form=form)
    unit = get_or_404(OrgUnit, form.unit_id.data, current_user)
    if not within(unit, period.org_unit):
        abort(404)
    return _generate(period, unit)


def dossier_or_404(dossier_id) -> Dossier:
    return get_or_404(Dossier, dossier_id, current_user)


@bp.post("/reviews/dossiers/<int:dossier_id>/regenerate")
@roles_required(H)
def regenerate(dossier_id):
    from fieldops.core.forms import Form

    dossier = dossier_or_404(dossier_id)
    if not Form().validate_on_submit():
        abort(400)
    return _generate(dossier.period, dossier.org_unit)


@bp.get("/reviews/dossiers/<int:dossier_id>.pdf")
@roles_required(H)
def dossier_pdf(dossier_id):
    dossier = dossier_or_404(dossier_id)
    return Response(dossier.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{dossiers.file_name(dossier)}"',
        "X-Verification-Code": dossier.verification_code})


@bp.get("/reviews/dossiers/<int:dossier_id>/preview")
@roles_required(H)
def dossier_preview(dossier_id):
    """The same document as HTML, for the browser's print preview."""
    return preview_response(dossiers.preview_html(dossier_or_404(dossier_id)))


@bp.post("/reviews/dossiers/<int:dossier_id>/mark")
@roles_required(H)
def dossier_mark(dossier_id):
    dossier = dossier_or_404(dossier_id)
    form = MarkForm()
    back = url_for("reviews.dossiers_page", period=dossier.period_id)
    if not form.validate_on_submit() or form.status.data not in ("final", "printed"):
        flash(_("Choose final or printed."), "error")
        return redirect(back), 303
    try:
        operations.mark_dossier(current_user, dossier, form.status.data)
        db.session.commit()
    except ReviewError as error:
        return refused(error, f"dossier:{dossier_id}", back)
    flash(_("Dossier marked as printed.") if form.status.data == "printed" else _("Dossier marked as final."),
          "success")
    return redirect(back)

