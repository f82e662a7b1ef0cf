"""Outreach pages: the area's activities, planning or recording one, one activity
(held with its figures, cancelled with a reason, verified by a supervisor, its
photos), and a district's plan for a month or a quarter against what was held.

Officers and supervisors of a district plan and record; everyone reads their
area's. Every activity, photo, district and employer is reached through the
scoping helper: outside the user's area it answers 404."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldops.audit.queries import history_of
from fieldops.auth.access import roles_required, signed_in
from fieldops.auth.models import Role
from fieldops.core.errors import act_on
from fieldops.core.numbers import whole_number
from fieldops.core.paging import page_of
from fieldops.core.translations import gettext as _
from fieldops.employers.models import Employer
from fieldops.extensions import db, htmx
from fieldops.org.models import OrgUnit
from fieldops.org.queries import districts_for_choice
from fieldops.org.scope import MAX_ID, get_or_404
from fieldops.outreach import bp, operations, queries
from fieldops.outreach.forms import ActivityForm, CancelForm, HeldForm, PhotoForm, VerifyForm
from fieldops.outreach.labels import template_globals
from fieldops.outreach.models import MAX_PHOTOS, OutreachActivity, OutreachKind, OutreachPhoto
from fieldops.outreach.photos import PhotoError, read_photo
from fieldops.timeutil import local_today

RECORDERS = (Role.officer, Role.supervisor)


@bp.record_once
def _template_globals(state):
    state.app.jinja_env.globals.update(template_globals())


@bp.get("/")
@signed_in
def index():
    state, kind = request.args.get("state", ""), request.args.get("kind", "")
    page = page_of(queries.activities(current_user, state, kind))
    template = "outreach/_rows.html" if htmx.target == "outreach-rows" else "outreach/index.html"
    return render_template(template, page=page, state=state, kind=kind,
                           may_record=current_user.role in RECORDERS)


# --- planning or recording an activity ---------------------------------------------------------


def _photos_of(form, field):
    """The photos sent, checked and re-encoded; None (with the message beside the field) when one is refused."""
    files = form.sent_photos()
    if len(files) > MAX_PHOTOS:
        field.errors.append(operations.OutreachError("too_many_photos").message)
        return None
    photos = []
    for file in files:
        try:
            photos.append(read_photo(file.stream, file.filename))
        except PhotoError as error:
            field.errors.append(f"{file.filename[:80]}: {error.message}")
            return None
    return photos


def _activity_input(form, district):
    employer = None
    code = (form.employer_code.data or "").strip()
    if code:
        employer = queries.employer_by_code(district, code)
        if employer is None:
            raise operations.OutreachError("employer_outside", "employer_code")
    return operations.ActivityInput(
        district=district, kind=OutreachKind(form.kind.data), groups=tuple(sorted(set(form.groups.data))),
        starts_on=form.starts_on.data, ends_on=form.last_day, place=(form.place.data or "").strip(),
        employer=employer, partners=(form.partners.data or "").strip(),
        note=(form.note.data or "").replace("\r\n", "\n").strip())


def _refused(form, error):
    target = getattr(form, error.field, None) if error.field else None
    (target if target is not None else form.kind).errors.append(error.message)


def _render_form(form, activity=None, status=200):
    return render_template("outreach/form.html", form=form, activity=activity, max_photos=MAX_PHOTOS), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*RECORDERS)
def new():
    if request.method == "GET":
        form = ActivityForm(formdata=None, starts_on=local_today())
        raw = request.args.get("employer_id", "")
        if raw:
            # Opened from an employer: one outside the user's area answers 404.
            employer = get_or_404(Employer, whole_number(raw) or 0, current_user)
            form.employer_code.data, form.district_id.data = employer.unit_code, employer.district_id
        form.district_id.choices = districts_for_choice(current_user)
        return _render_form(form)
    form = ActivityForm()
    form.district_id.choices = districts_for_choice(current_user)
    if not form.validate_for():
        return _render_form(form, status=422)
    district = get_or_404(OrgUnit, form.district_id.data, current_user)
    photos = _photos_of(form, form.photos)
    if photos is None:
        return _render_form(form, status=422)
    try:
        made = operations.create_activity(current_user, _activity_input(form, district),
                                          form.figures() if form.status.data == "held" else None, photos)
        db.session.commit()
    except operations.OutreachError as error:
        db.session.rollback()
        _refused(form, error)
        return _render_form(form, status=error.status)
    flash(_("Activity recorded. A supervisor of the district verifies it.") if made.is_held
          else _("Activity planned. Record it as held, with its figures, once it has taken place."), "success")
    return redirect(url_for("outreach.show", activity_id=made.id))


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@roles_required(*RECORDERS)
def edit(activity_id):
    activity = get_or_404(OutreachActivity, activity_id, current_user)
    try:
        operations.require_change(current_user, activity)
    except operations.OutreachError as error:
        flash(error.message, "error")
        return redirect(url_for("outreach.show", activity_id=activity.id))
    if request.method == "GET":
        form = ActivityForm(
            formdata=None, version=str(activity.version), district_id=activity.district_id, kind=str(activity.kind),
            groups=[str(g) for g in activity.groups], starts_on=activity.starts_on,
            ends_on=activity.ends_on if activity.ends_on != activity.starts_on else None, place=activity.place,
            employer_code=activity.employer.unit_code if activity.employer else "", partners=activity.partners,
            people_reached=activity.people_reached, registrations=activity.registrations, note=activity.note)
    else:
        form = ActivityForm()
    form.district_id.choices = [(activity.district_id, f"{activity.district.code} · {activity.district.name}")]
    if request.method == "GET":
        return _render_form(form, activity)
    if not form.validate_for(activity):
        return _render_form(form, activity, 422)
    try:
        operations.change_activity(current_user, activity, _activity_input(form, activity.district),
                                   form.figures() if activity.is_held else None, form.version_seen)
        db.session.commit()
    except operations.OutreachError as error:
        db.session.rollback()
        _refused(form, error)
        return _render_form(form, get_or_404(OutreachActivity, activity_id, current_user), error.status)
    flash(_("Changes saved."), "success")
    return redirect(url_for("outreach.show", activity_id=activity.id))


# --- one activity ------------------------------------------------------------------------------


def render_show(activity, status=200, error=None, **forms):
    version = str(activity.version)
    context = {"held_form": HeldForm(formdata=None, version=version),
               "cancel_form": CancelForm(formdata=None, version=version),
               "verify_form": VerifyForm(formdata=None, version=version),
               "photo_form": PhotoForm(formdata=None)} | forms
    return render_template("outreach/show.html", a=activity, photos=queries.photo_ids(activity),
                           history=history_of(activity), error=error, max_photos=MAX_PHOTOS,
                           **context), status


@bp.get("/<int:activity_id>")
@signed_in
def show(activity_id):
    return render_show(get_or_404(OutreachActivity, activity_id, current_user))


def _act(activity, form, form_name, action, done_message):
    return act_on(activity, form, form_name, action, done_message, render=render_show,
                  url=url_for("outreach.show", activity_id=activity.id))


@bp.post("/<int:activity_id>/held")
@roles_required(*RECORDERS)
def held(activity_id):
    activity = get_or_404(OutreachActivity, activity_id, current_user)
    return _act(activity, HeldForm(), "held_form",
                lambda f: operations.record_held(current_user, activity, f.figures(), f.version_seen),
                _("Activity recorded as held. A supervisor of the district verifies it."))


@bp.post("/<int:activity_id>/cancel")
@roles_required(*RECORDERS)
def cancel(activity_id):
    activity = get_or_404(OutreachActivity, activity_id, current_user)
    return _act(activity, CancelForm(), "cancel_form",
                lambda f: operations.cancel_activity(current_user, activity, f.reason.data, f.version_seen),
                _("Activity cancelled."))


@bp.post("/<int:activity_id>/verify")
@roles_required(Role.supervisor)
def verify(activity_id):
    activity = get_or_404(OutreachActivity, activity_id, current_user)
    return _act(activity, VerifyForm(), "verify_form",
                lambda f: operations.verify_activity(current_user, activity, f.version_seen),
                _("Activity verified."))


@bp.post("/<int:activity_id>/photos")
@roles_required(*RECORDERS)
def photos(activity_id):
    activity = get_or_404(OutreachActivity, activity_id, current_user)
    form = PhotoForm()
    if not form.validate():
        return render_show(activity, 422, photo_form=form)
    if not form.sent_photos():
        form.photos.errors.append(_("Choose at least one photo."))
        return render_show(activity, 422, photo_form=form)
    sent = _photos_of(form, form.photos)
    if sent is None:
        return render_show(activity, 422, photo_form=form)
    return _act(activity, form, "photo_form", lambda f: operations.add_photos(current_user, activity, sent),
                _("Photos added."))


@bp.get("/photos/<int:photo_id>")
@signed_in
def photo(photo_id):
    if not 0 < photo_id <= MAX_ID:
        abort(404)
    row = db.session.get(OutreachPhoto, photo_id)
    if row is None:
        abort(404)
    get_or_404(OutreachActivity, row.activity_id, current_user)  # outside the area: 404, audited
    return Response(row.data, mimetype=row.content_type,
                    headers={"Cache-Control": "private, max-age=86400",
                             "Content-Disposition": f'inline; filename="hoat-dong-{row.activity_id}-{row.id}.jpg"'})
