"""Revoking an approved award, recording the council's meeting, and (for admins)
who signs a unit's documents."""
from datetime import datetime, time, timezone

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import get_or_404, scoped
from fieldops.reviews import award_operations, bp
from fieldops.reviews.forms import CouncilForm, RevokeForm, SignerForm
from fieldops.reviews.nomination_routes import _act, nomination_or_404
from fieldops.reviews.operations import ReviewError
from fieldops.reviews.paper import UnitSigner, set_signer
from fieldops.reviews.routes import period_or_404, refused, render_period
from fieldops.timeutil import LOCAL_TZ


@bp.post("/reviews/nominations/<int:nomination_id>/revoke")
@roles_required(Role.hr)
def revoke(nomination_id):
    n = nomination_or_404(nomination_id)
    form = RevokeForm()
    return _act(n, "revoke_form", form, lambda: award_operations.revoke(
        current_user, n, form.reason.data, form.decision_number.data, form.decision_date.data),
        _("The award is revoked."))


def _held_at(form):
    """The meeting's local date and time as UTC, or None; the time field's error otherwise."""
    if form.held_on.data is None:
        return None
    raw = (form.held_time.data or "").strip() or "00:00"
    try:
        hour, minute = (int(part) for part in raw.split(":"))
        local = datetime.combine(form.held_on.data, time(hour, minute), tzinfo=LOCAL_TZ)
    except ValueError:
        form.held_time.errors.append(_("Give the time as hh:mm."))
        raise
    return local.astimezone(timezone.utc).replace(tzinfo=None)


@bp.post("/reviews/<int:period_id>/council")
@roles_required(Role.hr)
def council(period_id):
    period = period_or_404(period_id)
    form = CouncilForm()
    if not form.validate_on_submit():
        return render_period(period, 422, council_form=form)
    try:
        held_at = _held_at(form)
    except ValueError:
        return render_period(period, 422, council_form=form)
    try:
        award_operations.record_council(current_user, period, held_at, form.place.data, form.chair.data,
                                        form.secretary.data, form.attendees.data)
        db.session.commit()
    except ReviewError as error:
        if error.status == 403:
            return refused(error, f"review_period:{period.id}")
        db.session.rollback()
        getattr(form, error.field.removeprefix("council_") if error.field else "place").errors.append(error.message)
        return render_period(period_or_404(period_id), error.status, council_form=form)
    flash(_("The council's meeting is recorded."), "success")
    return redirect(url_for("reviews.period", period_id=period.id))


@bp.route("/reviews/signers/<int:unit_id>", methods=["GET", "POST"])
@roles_required(Role.admin)
def signer(unit_id):
    """Who signs the unit's documents: the title and full name printed under its signature."""
    unit = get_or_404(OrgUnit, unit_id, current_user)
    row = db.session.scalars(scoped(UnitSigner, current_user).where(UnitSigner.org_unit_id == unit.id)).first()
    form = SignerForm(obj=row) if request.method == "GET" else SignerForm()
    units = db.session.scalars(scoped(OrgUnit, current_user).order_by(OrgUnit.path).limit(1000)).all()
    context = {"unit": unit, "form": form, "units": units}
    if request.method == "GET":
        return render_template("reviews/signer.html", **context)
    if not form.validate_on_submit():
        return render_template("reviews/signer.html", **context), 422
    try:
        set_signer(current_user, unit, form.title.data, form.full_name.data, form.recipients.data)
        db.session.commit()
    except ValueError as error:
        db.session.rollback()
        field, reason = error.args
        missing = {"title": _("Give the signer's title."), "full_name": _("Give the signer's full name.")}
        getattr(form, field).errors.append(missing[field] if reason == "required" else _("This text is too long."))
        return render_template("reviews/signer.html", **context), 422
    flash(_("The signer of %(unit)s's documents is saved.", unit=unit.name), "success")
    return redirect(url_for("reviews.signer", unit_id=unit.id))
