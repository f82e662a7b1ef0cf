import uuid
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from fieldops.audit.operations import record_denied
from fieldops.auth.access import roles_required, signed_in
from fieldops.auth.models import Role
from fieldops.core.numbers import whole_number
from fieldops.core.translations import gettext as _
from fieldops.definitions import counts_on
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.employers.queries import readable_or_404, search_page
from fieldops.extensions import db, htmx
from fieldops.org.scope import get_or_404
from fieldops.timeutil import local_today
from fieldops.visits import bp, operations, rules
from fieldops.visits.forms import LineForm, ObstacleForm, ReviewForm, VisitForm
from fieldops.visits.labels import template_globals
from fieldops.visits.models import Visit
from fieldops.visits.queries import (department_figures, earliest_visit_date, my_visits_page, own_visit_dates,
                                     visit_by_key)


@bp.record_once
def _template_globals(state):
    # Globals rather than context: the macros in visits/_figures.html see them too.
    state.app.jinja_env.globals.update(template_globals())


@bp.app_template_filter("isodate")
def isodate(value):
    """A date kept as ISO text in a revision's content, back to a date."""
    return date.fromisoformat(value) if value else None


@bp.get("/")
@roles_required(Role.officer)
def mine():
    page = my_visits_page(current_user)
    return render_template("visits/mine.html", page=page)


@bp.get("/new")
@roles_required(Role.officer)
def start():
    """Step one of a new visit: find the employer."""
    q = request.args.get("q", "").strip()[:100]
    page = search_page(current_user, q)
    template = "visits/_employer_choices.html" if htmx.target == "visit-employers" else "visits/start.html"
    return render_template(template, page=page, q=q)


# --- the visit form --------------------------------------------------------


def _prefill(form, departments, counted=None):
    """One line per department with its current figures; `counted` (ids) marks
    the lines ticked, all of them when None."""
    for department in departments:
        form.lines.append_entry({
            "department_id": str(department.id),
            "counted": counted is None or department.id in counted,
            "insured": department.insured,
            "registered": department.current_registered,
            "active": department.current_active,
            "newly_registered": 0,
        })


def _ready_to_check(form, own: dict) -> dict:
    """Gives the form what its checks need (the campaign's first counting day, the
    department names taken) and returns the departments its counted lines name,
    among the employer's own (`own`, by id: the employer was reached through the
    scope). Any other id answers 404 like any id the user cannot reach."""
    form.earliest_date = earliest_visit_date()
    form.existing_names = frozenset(d.name.casefold() for d in own.values())
    form.department_lives = {d.id: (d.starts_on, d.retired_on) for d in own.values()
                             if d.starts_on is not None or d.retired_on is not None}
    found = {}
    for line in form.counted_lines():
        if line.is_new:
            continue
        department_id = line.department_key
        if department_id is None:
            abort(404)
        if department_id not in own:
            get_or_404(LabourDepartment, department_id, current_user)  # 404, and the audit of an attempt outside
            abort(404)  # in scope, of another employer
        found[department_id] = own[department_id]
    return found


def _render_form(form, employer, visit=None, status=200, conflict=False, conflict_visit=None):
    departments = {d.id: d for d in employer.departments}
    return render_template(
        "visits/form.html", form=form, employer=employer, visit=visit, departments=departments,
        rules=rules.for_browser(form.earliest_date or earliest_visit_date()),
        own_dates=own_visit_dates(current_user, employer, visit),
        conflict=conflict, conflict_visit=conflict_visit, restore=request.method == "GET", today=local_today(),
        # Blank rows the page's script copies when a department or an obstacle is added.
        new_line=LineForm(prefix="lines-__index__-", data={"counted": True, "newly_registered": 0}),
        new_obstacle=ObstacleForm(prefix="obstacles-__index__-"),
    ), status


def _conflict(form, employer, existing, visit=None):
    """The same form sent again with other content: nothing is saved a second time."""
    return _render_form(form, employer, visit=visit, status=409, conflict=True, conflict_visit=existing)


@bp.route("/new/<int:employer_id>", methods=["GET", "POST"])
@roles_required(Role.officer)
def new(employer_id):
    employer = get_or_404(Employer, employer_id, current_user)
    if request.method == "GET":
        form = VisitForm(formdata=None, idempotency_key=str(uuid.uuid4()), visit_date=local_today())
        _prefill(form, [d for d in employer.departments if d.counts_now])
        return _render_form(form, employer)

    form = VisitForm()
    payload_hash = form.payload_hash(employer.id)
    # Rows of their ids and names are all a new visit's lines need (ORM objects cost a submit ~1 ms).
    departments = _ready_to_check(form, {row.id: row for row in department_figures(employer)})
    if not form.validate():
        # A form recorded before is answered as such, even if it would not pass today.
        key = form.sent_key()
        existing = visit_by_key(key) if key else None
        if existing is not None:
            return _replay(form, employer, existing, payload_hash)
        return _render_form(form, employer, status=422)
    # A form sent again fails on its key when the visit is saved, and is answered below:
    # looking the key up first would cost every submit a query for the rare resend.
    try:
        visit_id = operations.create_visit(current_user, employer, form.visit_input(departments),
                                           idempotency_key=form.idempotency_key.data, content_hash=payload_hash)
        db.session.commit()
    except IntegrityError:
        # Sent again: this form or the same one sent at once was recorded first.
        db.session.rollback()
        existing = visit_by_key(form.idempotency_key.data)
        if existing is None:
            raise
        return _replay(form, employer, existing, payload_hash)
    flash(_("Visit recorded. It now waits for review."), "success")
    return redirect(url_for("visits.show", visit_id=visit_id))


def _replay(form, employer, existing, payload_hash):
    if existing.officer_id == current_user.id and existing.content_hash == payload_hash:
        flash(_("This visit had already been received; nothing was added."), "info")
        return redirect(url_for("visits.show", visit_id=existing.id))
    return _conflict(form, employer, existing if existing.officer_id == current_user.id else None)


def _own_visit_or_404(visit_id) -> Visit:
    visit = get_or_404(Visit, visit_id, current_user)
    if visit.officer_id != current_user.id:
        record_denied(current_user, f"visit:{visit_id}", "not_owner")
        abort(404)
    return visit


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@roles_required(Role.officer)
def edit(visit_id):
    visit = _own_visit_or_404(visit_id)
    employer = visit.employer
    if not visit.can_edit(current_user):
        flash(_("This visit has been verified and can no longer be changed."), "error")
        return redirect(url_for("visits.show", visit_id=visit.id))
    if request.method == "GET":
        form = VisitForm(
            formdata=None, visit_date=visit.visit_date, purpose=str(visit.purpose), notes=visit.notes,
            base_revision=str(visit.revision), idempotency_key=_edit_key(visit),
            latitude="" if visit.latitude is None else f"{visit.latitude:.6f}",
            longitude="" if visit.longitude is None else f"{visit.longitude:.6f}",
        )
        lines = {line.labour_department_id: line for line in visit.lines}
        for department in employer.departments:
            line = lines.get(department.id)
            if line is None and not counts_on(visit.visit_date, department.starts_on, department.retired_on):
                continue
            if line is None:
                _prefill(form, [department], counted=set())
            else:
                form.lines.append_entry({
                    "department_id": str(department.id), "counted": True, "insured": line.insured,
                    "registered": line.registered, "active": line.active,
                    "newly_registered": line.newly_registered,
                })
        for obstacle in visit.obstacles:
            form.obstacles.append_entry({"category": str(obstacle.category),
                                         "people_affected": obstacle.people_affected, "note": obstacle.note})
        return _render_form(form, employer, visit=visit)

    form = VisitForm()
    payload_hash = form.payload_hash(employer.id)
    base = form.base_revision.data or ""
    if base != str(visit.revision):
        return _replay_edit(form, visit, payload_hash)
    departments = _ready_to_check(form, {d.id: d for d in employer.departments})
    if not form.validate():
        return _render_form(form, employer, visit=visit, status=422)
    was_returned = visit.revision_action == "resubmit"
    try:
        operations.revise_visit(current_user, visit, form.visit_input(departments),
                                base_revision=visit.revision, payload_hash=payload_hash)
        db.session.commit()
    except (IntegrityError, operations.VisitStateError):
        db.session.rollback()
        visit = get_or_404(Visit, visit_id, current_user)
        return _replay_edit(form, visit, payload_hash)
    flash(_("Visit resubmitted for review.") if was_returned else _("Changes saved; the visit waits for review."),
          "success")
    return redirect(url_for("visits.show", visit_id=visit.id))


def _edit_key(visit):
    # An edit is identified by the revision it starts from; the key field only
    # satisfies the form's check.
    return f"visit-{visit.id}-r{visit.revision}"


def _replay_edit(form, visit, payload_hash):
    latest = visit.revisions[-1] if visit.revisions else None
    if latest is not None and latest.payload_hash == payload_hash and latest.submitted_by_id == current_user.id:
        flash(_("These changes had already been received; nothing was added."), "info")
        return redirect(url_for("visits.show", visit_id=visit.id))
    return _conflict(form, visit.employer, visit, visit=visit)


# --- reading and review ------------------------------------------------------


@bp.get("/<int:visit_id>")
@signed_in
def show(visit_id):
    visit = readable_or_404(Visit, visit_id, current_user)
    number = whole_number(request.args.get("revision"), digits=6)
    revision = None
    if number is not None:
        revision = next((r for r in visit.revisions if r.number == number), None)
    revision = revision or visit.revisions[-1]
    return _render_show(visit, revision, ReviewForm())


def _render_show(visit, revision, review_form, status=200):
    response = render_template(
        "visits/show.html", visit=visit, revision=revision, content=revision.content, review_form=review_form,
    )
    # The tablet's outbox knows its visit arrived when it lands on this page.
    return response, status, {"X-Visit-Id": str(visit.id)}


@bp.post("/<int:visit_id>/review")
@roles_required(Role.supervisor)
def review(visit_id):
    visit = get_or_404(Visit, visit_id, current_user)
    form = ReviewForm()
    if visit.officer_id == current_user.id:
        flash(_("You cannot review your own visit; another supervisor will."), "error")
        return redirect(url_for("visits.show", visit_id=visit.id))
    if not visit.can_review(current_user):
        flash(_("This visit has already been reviewed."), "info")
        return redirect(url_for("visits.show", visit_id=visit.id))
    if not form.validate_on_submit():
        revision = visit.revisions[-1]
        response, _status, headers = _render_show(visit, revision, form)
        return response, 422, headers
    try:
        if form.decision.data == "verify":
            operations.verify_visit(current_user, visit)
            message = _("Visit verified.")
        else:
            operations.return_visit(current_user, visit, form.reason.data)
            message = _("Visit returned to the officer.")
        db.session.commit()
    except operations.VisitStateError:
        db.session.rollback()
        flash(_("This visit has already been reviewed."), "info")
        return redirect(url_for("visits.show", visit_id=visit_id))
    flash(message, "success")
    return redirect(url_for("visits.queue"))
