"""The state changes of follow-ups: each view checks its form, calls one operation
and commits once. A refused action changes nothing and says why: 403 when the
user may not, 409 when the follow-up's state does not allow it (someone else
decided first, say), 422 when the input is wrong.

Plain POSTs redirect back with a message; htmx requests get back the fragment
they target: a row of the supervisor's queue or a card of the officer's queue."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldops.audit.operations import record_denied
from fieldops.auth.access import roles_required
from fieldops.auth.models import Role, User
from fieldops.core.navigation import safe_next
from fieldops.core.numbers import whole_number
from fieldops.core.translations import gettext as _, ngettext
from fieldops.extensions import db, htmx
from fieldops.followups import bp, operations, queries
from fieldops.followups.forms import ApproveForm, BulkForm, CompleteForm, ReasonForm, ReassignForm, StartForm
from fieldops.followups.models import FollowUp, FollowUpState
from fieldops.followups.operations import FollowUpError
from fieldops.followups.routes import action_forms, render_show
from fieldops.org.scope import get_or_404, scoped
from fieldops.timeutil import local_today

MAX_BULK = 200


def _respond(followup, *, message=None, error=None, status=200, forms=None):
    target = htmx.target or ""
    context = dict(followup=followup, today=local_today(), notice=message, error=error) | action_forms() | (forms or {})
    if target == f"followup-row-{followup.id}":
        # A decision changes the counts per state above the queue: they refresh themselves.
        headers = {"HX-Trigger": "followups-changed"} if error is None else {}
        return render_template("followups/_row.html", **context), status, headers
    if target == f"followup-card-{followup.id}":
        return render_template("followups/_card.html", **context), status
    if error is not None:
        return render_show(followup, status=status, error=error, **(forms or {}))
    flash(message, "success")
    return redirect(safe_next(request.form.get("next")) or url_for("followups.show", followup_id=followup.id))


def _run(followup, change, success, forms=None):
    """Run one operation and commit, or report why it was refused."""
    try:
        change()
        db.session.commit()
    except FollowUpError as error:
        db.session.rollback()
        if error.status == 403:
            record_denied(current_user, f"follow_up:{followup.id}", error.reason)
        form = next(iter((forms or {}).values()), None)
        if error.field and form is not None and hasattr(form, error.field):
            getattr(form, error.field).errors.append(error.message)
        return _respond(followup, error=error.message, status=error.status, forms=forms)
    return _respond(followup, message=success)


def _invalid(followup, key, form):
    message = next((e for errors in form.errors.values() for e in errors), _("Check the form."))
    return _respond(followup, error=message, status=422, forms={key: form})


@bp.post("/<int:followup_id>/approve")
@roles_required(Role.supervisor)
def approve(followup_id):
    followup = get_or_404(FollowUp, followup_id, current_user)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _invalid(followup, "approve_form", form)
    return _run(followup, lambda: operations.approve_followup(current_user, followup, form.comment.data),
                _("Follow-up approved."), {"approve_form": form})


@bp.post("/<int:followup_id>/reject")
@roles_required(Role.supervisor)
def reject(followup_id):
    followup = get_or_404(FollowUp, followup_id, current_user)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _invalid(followup, "reject_form", form)
    return _run(followup, lambda: operations.reject_followup(current_user, followup, form.reason.data),
                _("Follow-up rejected and returned to its proposer."), {"reject_form": form})


@bp.post("/<int:followup_id>/reassign")
@roles_required(Role.supervisor)
def reassign(followup_id):
    followup = get_or_404(FollowUp, followup_id, current_user)
    form = ReassignForm()
    form.assignee_id.choices = queries.assignees_for_choice(current_user, followup.employer)
    if not form.validate_on_submit():
        return _invalid(followup, "reassign_form", form)
    assignee = db.session.get(User, form.assignee_id.data) if form.assignee_id.data else None
    return _run(followup, lambda: operations.reassign_followup(current_user, followup, assignee),
                _("Follow-up given to %(name)s.", name=assignee.full_name if assignee else ""),
                {"reassign_form": form})


@bp.post("/<int:followup_id>/cancel")
@roles_required(Role.supervisor)
def cancel(followup_id):
    followup = get_or_404(FollowUp, followup_id, current_user)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _invalid(followup, "cancel_form", form)
    return _run(followup, lambda: operations.cancel_followup(current_user, followup, form.reason.data),
                _("Follow-up cancelled."), {"cancel_form": form})


@bp.post("/<int:followup_id>/start")
@roles_required(Role.officer)
def start(followup_id):
    followup = get_or_404(FollowUp, followup_id, current_user)
    form = StartForm()
    if not form.validate_on_submit():
        return _invalid(followup, "start_form", form)
    if followup.state == FollowUpState.in_progress and followup.assignee_id == current_user.id:
        # A second tap on a slow connection: it has started already.
        return _respond(followup, message=_("Follow-up started."))
    return _run(followup, lambda: operations.start_followup(current_user, followup), _("Follow-up started."))


@bp.route("/<int:followup_id>/complete", methods=["GET", "POST"])
@roles_required(Role.officer)
def complete(followup_id):
    followup = get_or_404(FollowUp, followup_id, current_user)
    form = CompleteForm()
    visits = queries.visits_for_completion(current_user, followup)
    form.done_visit_id.choices = [(0, _("None"))] + [
        (v.id, f"{v.visit_date.strftime('%d/%m/%Y')} · {v.officer.full_name}") for v in visits]
    status, error = 200, None
    if request.method == "POST":
        if followup.state == FollowUpState.done and followup.assignee_id == current_user.id:
            flash(_("This follow-up is already done."), "info")
            return redirect(url_for("followups.show", followup_id=followup.id))
        if form.validate_on_submit():
            done_visit = next((v for v in visits if v.id == form.done_visit_id.data), None)
            try:
                operations.complete_followup(current_user, followup, form.outcome.data, done_visit)
                db.session.commit()
            except FollowUpError as refused:
                db.session.rollback()
                status, error = refused.status, refused.message
                if refused.field and hasattr(form, refused.field):
                    getattr(form, refused.field).errors.append(refused.message)
            else:
                flash(_("Follow-up done. Thank you."), "success")
                return redirect(safe_next(request.form.get("next")) or url_for("followups.mine"))
        else:
            status = 422
    return render_template("followups/complete.html", followup=followup, form=form, error=error,
                           today=local_today()), status


@bp.post("/bulk")
@roles_required(Role.supervisor)
def bulk():
    """Approve or reject the follow-ups ticked in the queue, with one reason."""
    form = BulkForm()
    back = safe_next(form.next.data) or url_for("followups.queue")
    raw = request.form.getlist("ids")
    ids = sorted({n for n in map(whole_number, raw) if n is not None})
    if not form.validate_on_submit() or not ids:
        flash(_("Tick at least one follow-up, then choose approve or reject."), "error")
        return redirect(back)
    if len(ids) > MAX_BULK:
        flash(_("Decide at most %(num)d follow-ups at a time.", num=MAX_BULK), "error")
        return redirect(back)
    followups = db.session.scalars(scoped(FollowUp, current_user).where(FollowUp.id.in_(ids))
                                   .order_by(FollowUp.id)).all()
    if len(followups) != len(ids):
        abort(404)
    try:
        decided, refused = operations.decide_many(current_user, followups, form.decision.data, form.reason.data)
        db.session.commit()
    except FollowUpError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    if decided:
        flash(ngettext("%(num)d follow-up approved.", "%(num)d follow-ups approved.", len(decided))
              if form.decision.data == "approve" else
              ngettext("%(num)d follow-up rejected.", "%(num)d follow-ups rejected.", len(decided)), "success")
    for followup, error in refused:
        what = "#%d %s" % (followup.id, followup.employer.name)
        flash(_("Not decided: %(what)s — %(why)s", what=what, why=error.message), "error")
    return redirect(back)
