"""Group return pages: a month's returns of the area's districts, filing one,
one return with its history, changing it while filed, locking it, correcting it
once locked."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from fieldops.audit.queries import history_of
from fieldops.auth.access import roles_required, signed_in
from fieldops.auth.models import Role
from fieldops.campaigns.models import ParticipantGroup
from fieldops.core.errors import act_on
from fieldops.core.paging import page_of
from fieldops.core.translations import gettext as _
from fieldops.extensions import db, htmx
from fieldops.org.models import OrgUnit
from fieldops.org.queries import districts_for_choice
from fieldops.org.scope import get_or_404
from fieldops.returns import bp, operations, queries
from fieldops.returns.forms import ChangeForm, CorrectForm, FileForm, LockForm, MonthFilterForm, parse_month
from fieldops.returns.labels import figure_labels, group_labels, state_labels
from fieldops.returns.models import FIGURES, FILING_ROLES, RETURN_GROUPS, GroupReturn
from fieldops.timeutil import local_today


FILERS = FILING_ROLES


@bp.record_once
def _label_globals(state):
    # Globals (not a context processor), so the macros of returns/_macros.html see them
    # too; the labels are lazy, read in the user's language when rendered.
    state.app.jinja_env.globals.update(
        return_group_labels=group_labels(), return_state_labels=state_labels(),
        return_figure_labels=figure_labels(), RETURN_GROUPS=RETURN_GROUPS, RETURN_FIGURES=FIGURES)


def _this_month():
    return local_today().replace(day=1)


@bp.get("/")
@signed_in
def index():
    """The chosen month's returns (unless told, the last month due) of the area's districts."""
    due = queries.last_month_due(local_today())
    form = MonthFilterForm(formdata=request.args if "month" in request.args else None, month=due)
    month = form.month.data or due
    if form.month.problem:
        form.month.errors = [form.month.problem]
    page = page_of(queries.districts(current_user))
    returns = queries.returns_of([d.id for d in page.items], month)
    template = "returns/_grid.html" if htmx.target == "return-grid" else "returns/index.html"
    return render_template(template, form=form, month=month, page=page, returns=returns,
                           may_file=current_user.role in FILERS and bool(page.items))


# --- filing -------------------------------------------------------------------------------


def _file_form():
    if request.method == "POST":
        form = FileForm()
    else:
        # Prefilled from the returns page: the district, group and month of the cell chosen.
        month, _problem = parse_month(request.args.get("month", ""))
        group = request.args.get("group", "")
        form = FileForm(formdata=None, district_id=request.args.get("district", type=int) or 0,
                        participant_group=group if group in RETURN_GROUPS else ParticipantGroup.voluntary.value,
                        month=month or _this_month())
    form.district_id.choices = districts_for_choice(current_user)
    return form


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*FILERS)
def new():
    form = _file_form()
    # A cell already filed opens its return (the choices hold only the user's districts).
    if request.method == "GET" and form.district_id.data in dict(form.district_id.choices):
        existing = operations.find_return(form.district_id.data, form.participant_group.data, form.month.data)
        if existing is not None:
            return redirect(url_for("returns.show", return_id=existing.id))
    if form.validate_on_submit():
        district = get_or_404(OrgUnit, form.district_id.data, current_user)
        try:
            made = operations.file_return(current_user, district, ParticipantGroup(form.participant_group.data),
                                          form.month.data, form.figures())
            db.session.commit()
        except operations.ReturnError as error:
            db.session.rollback()
            getattr(form, error.field or "participants").errors.append(error.message)
        except IntegrityError:
            # Filed by someone else at the same moment.
            db.session.rollback()
            form.month.errors.append(operations.ReturnError("already_filed").message)
        else:
            flash(_("Return filed. A supervisor of the district locks it once checked."), "success")
            return redirect(url_for("returns.show", return_id=made.id))
    return render_template("returns/new.html", form=form), 422 if form.errors else 200


# --- one return -------------------------------------------------------------------------


def render_show(group_return, status=200, error=None, **forms):
    version = group_return.version
    context = {"lock_form": LockForm(formdata=None, version=version),
               "change_form": ChangeForm(formdata=None, version=version, **group_return.figures),
               "correct_form": CorrectForm(formdata=None, version=version, **group_return.figures)} | forms
    return render_template("returns/show.html", r=group_return, history=history_of(group_return),
                           error=error, **context), status


@bp.get("/<int:return_id>")
@signed_in
def show(return_id):
    return render_show(get_or_404(GroupReturn, return_id, current_user))


def _act(group_return, form, form_name, action, done_message):
    return act_on(group_return, form, form_name, action, done_message, render=render_show,
                  url=url_for("returns.show", return_id=group_return.id))


@bp.post("/<int:return_id>/change")
@roles_required(*FILERS)
def change(return_id):
    group_return = get_or_404(GroupReturn, return_id, current_user)
    return _act(group_return, ChangeForm(), "change_form",
                lambda f: operations.change_return(current_user, group_return, f.figures(), f.version_seen),
                _("Return changed."))


@bp.post("/<int:return_id>/lock")
@roles_required(Role.supervisor)
def lock(return_id):
    group_return = get_or_404(GroupReturn, return_id, current_user)
    return _act(group_return, LockForm(), "lock_form",
                lambda f: operations.lock_return(current_user, group_return, f.version_seen),
                _("Return locked. Any later correction needs a reason."))


@bp.post("/<int:return_id>/correct")
@roles_required(Role.supervisor)
def correct(return_id):
    group_return = get_or_404(GroupReturn, return_id, current_user)
    return _act(group_return, CorrectForm(), "correct_form",
                lambda f: operations.correct_return(current_user, group_return, f.figures(), f.reason.data,
                                                    f.version_seen),
                _("Return corrected. The earlier figures are kept below."))

# The import and missing-returns pages register their routes on this blueprint.
