"""The supervisor's review queue (fieldops/visits/queue.py) and its bulk verify,
on the visits blueprint."""
from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from fieldops.audit.operations import record_denied
from fieldops.auth.access import roles_required
from fieldops.auth.queries import officers_for_choice
from fieldops.auth.models import Role
from fieldops.core.navigation import safe_next
from fieldops.core.numbers import whole_number
from fieldops.core.paging import page_of
from fieldops.core.transactions import committed_with_retries
from fieldops.core.translations import gettext as _, lazy_gettext as _l, ngettext
from fieldops.extensions import db, htmx
from fieldops.org.scope import scoped
from fieldops.timeutil import format_date
from fieldops.visits import bp, operations, queue as queries
from fieldops.visits.forms import QueueFilterForm
from fieldops.visits.labels import state_labels
from fieldops.visits.models import ReviewState, Visit, VisitPurpose
from fieldops.visits.queries import waiting_review_count


def _state_choices():
    labels = state_labels()
    return [(state.value, labels[state]) for state in ReviewState] + [(queries.ALL_STATES, _l("All"))]


def _filters(form) -> queries.QueueFilters:
    """The filters the form could read; a value it could not read filters nothing."""
    valid = form.validate()
    filters = queries.QueueFilters(errors=[] if valid else [
        (field, error) for field in form if field.errors for error in field.errors])
    if not form.officer.errors:
        filters.officer_id = form.officer.data or None
    if not form.date_from.errors:
        filters.date_from = form.date_from.data
    if not form.date_to.errors:
        filters.date_to = form.date_to.data
    if form.purpose.data and not form.purpose.errors:
        filters.purpose = VisitPurpose(form.purpose.data)
    if form.state.data and not form.state.errors:
        filters.state = None if form.state.data == queries.ALL_STATES else ReviewState(form.state.data)
    if not form.employer.errors:
        filters.employer = form.employer.data or ""
    return filters


@bp.get("/review")
@roles_required(Role.supervisor)
def queue():
    form = QueueFilterForm(formdata=request.args)
    form.fill_choices(officers_for_choice(current_user), _state_choices())
    filters = _filters(form)
    if not request.args.get("state"):
        form.state.data = ReviewState.submitted.value
    # "Verify all" is offered for what the filters select, once they could all be read, up to the cap.
    # Showing the waiting, the cards are that selection. Unfiltered, they are counted first from their
    # index alone, and read only when the button is offered (a district's queue is often longer than
    # the cap: reading the cap and one cost a view 0.5 ms); filtered, the selection is read first, up
    # to the cap and one, and is the count when it is not past it.
    total = partial(queries.count_cards, current_user, filters)
    if filters.errors:
        selection, too_many = [], False
    elif filters.state == ReviewState.submitted and not filters.as_args():
        total = waiting_review_count(current_user)  # visits/queries.py
        too_many = total > queries.MAX_BULK
        selection = [] if too_many else queries.waiting_selection(current_user, filters)
    else:
        selection = queries.waiting_selection(current_user, filters)
        too_many = len(selection) > queries.MAX_BULK
        if filters.state == ReviewState.submitted and not too_many:
            total = len(selection)
    cards, parameters = queries.review_cards(current_user, filters)
    page = page_of(cards, rows=True, params=parameters, total=total)
    fragment = htmx.target == "review-results"
    context = dict(page=page, form=form, filters=filters, selection=selection, too_many=too_many,
                   max_bulk=queries.MAX_BULK,
                   # Cards of this page that wait for review: each can be ticked and verified.
                   waiting_here=any(card.state == ReviewState.submitted for card in page.items),
                   cards=_with_changes(page.items),
                   title=_title(filters.state), fragment=fragment)
    return render_template("visits/_queue_list.html" if fragment else "visits/queue.html", **context)


def _with_changes(cards) -> tuple:
    """Each card's row with its changes per department: all a card shows (the key it is made once by)."""
    changes = queries.card_changes([card.id for card in cards])
    return tuple((card, changes.get(card.id, ())) for card in cards)


@bp.app_template_global("verify_all_inputs")
def verify_all_inputs(selection) -> Markup:
    """What "verify all" sends: each visit selected with the revision seen, as hidden
    inputs. Written here, not looped over in the template: a district's selection has
    up to 200 (numbers only, nothing to escape)."""
    # Each (id, revision) row formatted whole by %: 0.065 against 0.1 ms for 133 with an f-string each.
    return Markup("".join(map(_VERIFY_ALL_INPUT.__mod__, selection)))


_VERIFY_ALL_INPUT = '<input type="hidden" name="all" value="%d.%d">'


def _title(state):
    """The queue of waiting visits, or the visits of the state the filter asks for."""
    if state == ReviewState.submitted:
        return _("Review queue")
    return _("Visits — %(state)s", state=state_labels()[state]) if state else _("Visits — all states")


def _seen(values) -> dict[int, int]:
    """{visit id: revision seen} from "id.revision" values; others are dropped."""
    seen = {}
    for value in values:
        visit_id, _dot, revision = str(value).partition(".")
        visit_id, revision = whole_number(visit_id), whole_number(revision, digits=6)
        if visit_id and revision:
            seen[visit_id] = revision
    return seen


@bp.post("/review/verify")
@roles_required(Role.supervisor)
def bulk_verify():
    """Verify a selection of the queue: asked, confirmed, then each visit verified
    on its own; those changed since the supervisor saw them are skipped and named."""
    # CSRF is checked for every POST (fieldops/extensions.py): without it, 400 before this line.
    back = safe_next(request.form.get("next")) or url_for("visits.queue")
    values = request.form.getlist("all" if request.form.get("which") == "all" else "pick")
    if len(values) > queries.MAX_BULK:
        flash(_("Verify at most %(num)d visits at a time: narrow the filters.", num=queries.MAX_BULK), "error")
        return redirect(back)
    seen = _seen(values)
    if not seen:
        flash(_("Tick the visits to verify, or verify all those the filters select."), "error")
        return redirect(back)
    visits = db.session.scalars(scoped(Visit, current_user).where(Visit.id.in_(list(seen)))
                                .options(joinedload(Visit.employer), joinedload(Visit.officer))
                                .order_by(Visit.submitted_at, Visit.id)).all()
    if len(visits) != len(seen):
        # An id outside the area, or none: nothing is verified; an attempt outside is audited as get_or_404 does.
        outside = sorted(set(seen) - {visit.id for visit in visits})
        for visit_id in db.session.scalars(sa.select(Visit.id).where(Visit.id.in_(outside)).order_by(Visit.id)).all():
            record_denied(current_user, f"visit:{visit_id}", "out_of_scope")
        abort(404)
    if request.form.get("confirm") != "1":
        return render_template("visits/bulk_confirm.html", visits=visits, seen=seen, back=back)
    # Many visits in one transaction may meet another writer of the district's figures
    # in a deadlock; the database undoes one side whole, and it is done again.
    verified, skipped = committed_with_retries(
        lambda: operations.verify_many(current_user, {visit: seen[visit.id] for visit in visits}))
    if verified:
        flash(ngettext("%(num)d visit verified.", "%(num)d visits verified.", len(verified)), "success")
    else:
        flash(_("No visit was verified."), "info")
    why = {"changed": _l("changed since you saw it"), "already_reviewed": _l("already reviewed"),
           "not_reviewer": _l("your own visit")}
    for visit, reason in skipped:
        flash(_("Not verified: %(what)s — %(why)s", why=why[reason], what="%s (%s, %s)" % (
            visit.employer.name, format_date(visit.visit_date), visit.officer.full_name)), "error")
    return redirect(back)
