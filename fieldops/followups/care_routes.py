"""The Customer Care Center's pages: its queue of approved escalations and its
answer to one (fieldops/followups/care.py). Registered on the follow-ups blueprint."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.followups import bp, care
from fieldops.followups.forms import CareAnswerForm
from fieldops.followups.models import FollowUp
from fieldops.followups.operations import FollowUpError
from fieldops.org.scope import get_or_404
from fieldops.visits.labels import obstacle_labels


# Stands for an escalation's id in the blank answer form, rendered once per page (see followups/care.html).
ROW = "__row"


def _form(followup_id, **kwargs):
    # One form per escalation on the page: its own prefix keeps the fields' ids apart.
    return CareAnswerForm(prefix=f"care{followup_id}", **kwargs)


def _queue(sent=None, status=200):
    page = care.waiting_page(current_user)
    # Only a form sent with errors is kept as such; every other row gets the blank form's markup with its id:
    # a form object and its fields' rendering per row cost more than the rest of the row.
    # The categories' names translated once for the page, not once per row.
    categories = {category: str(label) for category, label in obstacle_labels().items()}
    return render_template("followups/care.html", page=page, forms=sent or {}, blank=_form(ROW, formdata=None),
                           row=ROW, answered=care.answered(current_user), describe=care.describe,
                           categories=categories), status


@bp.get("/care")
@roles_required(Role.care)
def care_queue():
    return _queue()


@bp.post("/<int:followup_id>/care-answer")
@roles_required(Role.care)
def care_answer(followup_id):
    followup = get_or_404(FollowUp, followup_id, current_user)
    form = _form(followup.id)
    if form.validate_on_submit():
        try:
            care.answer_escalation(current_user, followup, form.answer.data, form.note.data)
        except FollowUpError as error:
            db.session.rollback()
            getattr(form, error.field or "answer").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Answer recorded; the officer and the supervisor are told."), "success")
            return redirect(url_for("followups.care_queue"))
    return _queue({followup.id: form}, 422)
