"""Follow-up pages: the supervisor's queue, the officer's queue, the Customer Care
Center's escalations and their export, notifications, one follow-up, and the
proposal form. The state changes are in action_routes.py, on the same blueprint."""
import io
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import (Response, abort, flash, redirect, render_template, request, send_file,
                   stream_with_context, url_for)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from fieldops.auth.access import roles_required, signed_in
from fieldops.auth.models import Role, User
from fieldops.core.navigation import safe_next
from fieldops.core.paging import page_of
from fieldops.core.exporting import Sheet, csv_chunks, write_xlsx
from fieldops.core.replica import reads_replica
from fieldops.core.translations import gettext as _, ngettext
from fieldops.employers.models import Employer
from fieldops.employers.queries import search_page
from fieldops.extensions import db, htmx
from fieldops.followups import bp, operations, queries
from fieldops.followups.forms import (
    ApproveForm, ProposeForm, QueueFilterForm, ReasonForm, ReassignForm, StartForm,
)
from fieldops.followups.care import CENTER_CATEGORIES
from fieldops.followups.labels import template_globals
from fieldops.followups.models import FollowUp, FollowUpKind, FollowUpState
from fieldops.org.models import OrgUnit
from fieldops.org.queries import units_for_choice
from fieldops.employers.queries import readable_or_404
from fieldops.org.scope import get_or_404
from fieldops.timeutil import local_today, utcnow
from fieldops.visits.labels import obstacle_labels
from fieldops.visits.models import Obstacle, Visit


@bp.record_once
def _label_globals(state):
    # Globals (not a context processor), so the macros of followups/_macros.html see
    # them too; the labels are lazy, read in the user's language when rendered.
    state.app.jinja_env.globals.update(template_globals(), notices_counted=queries.NOTICES_COUNTED)


@bp.app_template_global("followup_notice_count")
def followup_notice_count():
    return queries.unseen_notice_count(current_user) if current_user.is_authenticated else 0


@bp.app_template_global("my_due_followups")
def my_due_followups(limit=5):
    if not current_user.is_authenticated or current_user.role != Role.officer:
        return []
    return queries.my_due(current_user, local_today(), limit=limit)


@bp.app_template_global("followup_today")
def followup_today():
    return local_today()


def action_forms():
    """The forms a follow-up's actions post, for their CSRF tokens and fields."""
    return {"approve_form": ApproveForm(formdata=None), "reject_form": ReasonForm(formdata=None),
            "cancel_form": ReasonForm(formdata=None), "start_form": StartForm(formdata=None)}


# --- the supervisor's queue --------------------------------------------------------


def _filters(form) -> queries.QueueFilters:
    filters = queries.QueueFilters()
    unit_id = form.chosen(form.unit)
    if unit_id:
        filters.unit = db.session.get(OrgUnit, unit_id)
    form.fill_officers(queries.officers_for_choice(current_user, filters.unit))
    filters.officer_id = form.chosen(form.officer)
    kind, state = form.chosen(form.kind), form.chosen(form.state)
    filters.kind = FollowUpKind(kind) if kind else None
    if "state" not in request.args:  # opened afresh: on what awaits the viewer's decision
        filters.state = queries.awaiting_decision(current_user)
        form.state.data = filters.state.value if filters.state else queries.ALL_STATES
    else:
        filters.state = FollowUpState(state) if state and state != queries.ALL_STATES else None
    filters.overdue, filters.due_this_week = bool(form.overdue.data), bool(form.week.data)
    return filters


@bp.get("/")
@signed_in
def queue():
    form = QueueFilterForm(formdata=request.args)
    form.fill_choices(units_for_choice(current_user))
    filters = _filters(form)
    today = local_today()
    page = page_of(queries.queue(current_user, filters, today))
    context = dict(page=page, form=form, filters=filters, today=today,
                   counts=queries.state_counts(current_user, filters, today), **action_forms())
    fragment = htmx.target in ("followup-results", "followup-counts")
    template = "followups/_results.html" if fragment else "followups/queue.html"
    return render_template(template, **context)


# --- the officer's queue -------------------------------------------------------------


@bp.get("/mine")
@roles_required(Role.officer)
def mine():
    today = local_today()
    return render_template("followups/mine.html", sections=queries.my_queue(current_user, today), today=today,
                           **action_forms())


# --- escalations and export ------------------------------------------------------------


def _state_arg():
    value = request.args.get("state", "")
    return FollowUpState(value) if value in FollowUpState.__members__ else None


@bp.get("/escalations")
@signed_in
def escalations():
    state = _state_arg()
    page = page_of(queries.escalations(current_user, state))
    return render_template("followups/escalations.html", page=page, state=state, today=local_today(),
                           now=utcnow())


@bp.get("/export")
@signed_in
@reads_replica
def export():
    """The follow-ups of one kind (escalations unless told) as XLSX or CSV."""
    kind_arg = request.args.get("kind", FollowUpKind.escalation.value)
    kind = FollowUpKind(kind_arg) if kind_arg in FollowUpKind.__members__ else None
    state = _state_arg()
    fmt = "csv" if request.args.get("format") == "csv" else "xlsx"
    name = f"followups-{kind or 'all'}-{local_today().isoformat()}.{fmt}"
    proposals = request.args.get("proposals") == "1"  # escalations: approved ones unless told
    sheet = Sheet(_("Follow-ups"), queries.export_header(),
                  queries.export_rows(current_user, kind, state, proposals=proposals))
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(stream_with_context(csv_chunks(sheet)), mimetype="text/csv; charset=utf-8",
                        headers=disposition)
    buffer = io.BytesIO()
    write_xlsx(buffer, [sheet])
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- notifications -------------------------------------------------------------------


@bp.get("/notices")
@signed_in
def notices():
    """The user's notifications; opening this page marks them seen."""
    items = queries.notices(current_user)
    unseen = {n.id for n in items if n.seen_at is None}
    queries.mark_notices_seen(current_user)
    db.session.commit()
    return render_template("followups/notices.html", notices=items, unseen=unseen)


# --- one follow-up ---------------------------------------------------------------------


def render_show(followup, status=200, error=None, **forms):
    reassign_form = forms.pop("reassign_form", None) or ReassignForm(formdata=None)
    if followup.can_reassign(current_user):
        reassign_form.assignee_id.choices = queries.assignees_for_choice(current_user, followup.employer)
    context = action_forms() | {"reassign_form": reassign_form} | forms
    return render_template("followups/show.html", followup=followup, history=queries.history(followup),
                           today=local_today(), error=error, **context), status


@bp.get("/<int:followup_id>")
@signed_in
def show(followup_id):
    # After an employer moved, the new district's staff read its open follow-ups (fieldops/employers/queries.py).
    body, status = render_show(readable_or_404(FollowUp, followup_id, current_user))
    # The tablet's outbox knows its action arrived when it lands on this page.
    return body, status, {"X-Followup-Id": str(followup_id)}


# --- proposing -----------------------------------------------------------------------


def _source():
    """Where the proposal starts: an obstacle, a visit, an employer, or a rejected
    follow-up proposed again. Ids outside the user's area answer 404."""
    args = request.args
    employer = visit = obstacle = again = None
    if args.get("again", type=int):
        again = get_or_404(FollowUp, args.get("again", type=int), current_user)
        employer, visit = again.employer, again.visit
        obstacle = again.obstacle
    elif args.get("obstacle", type=int):
        obstacle = get_or_404(Obstacle, args.get("obstacle", type=int), current_user)
        visit = obstacle.visit
        employer = visit.employer
    elif args.get("visit", type=int):
        visit = get_or_404(Visit, args.get("visit", type=int), current_user)
        employer = visit.employer
    elif args.get("employer", type=int):
        employer = get_or_404(Employer, args.get("employer", type=int), current_user)
    return employer, visit, obstacle, again


def _pick_employer():
    q = request.args.get("q", "").strip()[:100]
    page = search_page(current_user, q)
    template = "followups/_employer_choices.html" if htmx.target == "followup-employers" else "followups/pick.html"
    return render_template(template, page=page, q=q)


def _propose_form(employer, visit, obstacle, again):
    if request.method == "GET":
        # Only the Customer Care Center can fix some obstacles: those are proposed as escalations.
        center = obstacle is not None and obstacle.category in CENTER_CATEGORIES
        default_kind = FollowUpKind.escalation if center else FollowUpKind.revisit
        form = ProposeForm(
            formdata=None,
            kind=(again.kind if again else default_kind).value,
            obstacle_id=obstacle.id if obstacle is not None else 0,
            assignee_id=current_user.id if current_user.role == Role.officer else 0,
            note=again.note if again else "",
            due_date=local_today() + timedelta(days=7),
            idempotency_key=str(uuid.uuid4()),
        )
    else:
        form = ProposeForm()
    obstacles = visit.obstacles if visit is not None else []

    labels = obstacle_labels()
    form.obstacle_id.choices = [(0, _("None"))] + [
        (o.id, "%s · %s" % (labels[o.category], ngettext("%(num)d person affected", "%(num)d people affected",
                                                          o.people_affected)))
        for o in obstacles
    ]
    form.assignee_id.choices = queries.assignees_for_choice(current_user, employer)
    return form, obstacles


def _received(form):
    """A proposal sent again (a double tap, a tablet's outbox after a dropped
    answer): the follow-up its key recorded, nothing added."""
    key = form.sent_key()
    existing = key and db.session.scalar(sa.select(FollowUp).where(FollowUp.idempotency_key == key))
    if not existing:
        return None
    if existing.proposer_id != current_user.id:
        abort(409)
    flash(_("This follow-up had already been received; nothing was added."), "info")
    return redirect(url_for("followups.show", followup_id=existing.id))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.officer, Role.supervisor)
def new():
    employer, visit, obstacle, again = _source()
    if employer is None:
        return _pick_employer()
    form, obstacles = _propose_form(employer, visit, obstacle, again)
    if request.method == "POST" and (received := _received(form)) is not None:
        return received
    if form.validate_on_submit():
        chosen = next((o for o in obstacles if o.id == form.obstacle_id.data), None)
        assignee = db.session.get(User, form.assignee_id.data) if form.assignee_id.data else None
        try:
            followup = operations.propose_followup(
                current_user, kind=form.kind.data, employer=employer, visit=visit, obstacle=chosen,
                assignee=assignee, due_date=form.due_date.data, note=form.note.data,
                idempotency_key=form.sent_key(),
            )
            db.session.commit()
        except operations.FollowUpError as error:
            db.session.rollback()
            getattr(form, error.field or "kind").errors.append(error.message)
        except IntegrityError:
            # The same form sent at once twice: the first one recorded it.
            db.session.rollback()
            received = _received(form)
            if received is None:
                raise
            return received
        else:
            flash(_("Follow-up proposed. It now waits for a supervisor's approval."), "success")
            return redirect(safe_next(request.form.get("next")) or url_for("followups.show", followup_id=followup.id))
    return render_template("followups/new.html", form=form, employer=employer, visit=visit, obstacles=obstacles,
                           again=again), 422 if form.errors else 200
