"""Pages that split, merge or retire a labour department (fieldops/employers/lifecycle.py),
for an officer of the employer's district or an admin. Registered on the employers blueprint."""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.core.translations import gettext as _
from fieldops.employers import bp, lifecycle
from fieldops.employers.forms import MergeForm, RetireForm, SplitForm
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.org.scope import get_or_404

MAY_CHANGE = (Role.officer, Role.admin)


def _parts(text) -> list[lifecycle.Part]:
    """Lines "name" or "name; insured" (a number that is not one is refused by the operation)."""
    parts = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, _sep, count = line.partition(";")
        count = count.strip().replace(".", "").replace(",", "")
        parts.append(lifecycle.Part(name.strip(), int(count) if count.isdigit() else (None if count else 0)))
    return parts


def _refused(form, error):
    getattr(form, error.field or "day", form.day).errors.append(str(error.message))


def _done(employer_id, message, warnings=()):
    db.session.commit()
    flash(message, "success")
    for warning in warnings:
        flash(str(warning), "warning")
    return redirect(url_for("employers.show", employer_id=employer_id))


def _page(form, department, employer, kind, status=200):
    return render_template("employers/department_life.html", form=form, department=department, employer=employer,
                           kind=kind), 422 if form.errors else status


@bp.route("/departments/<int:department_id>/retire", methods=["GET", "POST"])
@roles_required(*MAY_CHANGE)
def department_retire(department_id):
    department = get_or_404(LabourDepartment, department_id, current_user)
    form = RetireForm()
    if form.validate_on_submit():
        try:
            lifecycle.retire_department(current_user, department, form.day.data, form.reason.data)
        except lifecycle.LifeError as error:
            db.session.rollback()
            _refused(form, error)
        else:
            return _done(department.employer_id, _("%(name)s no longer counts from %(date)s.", name=department.name,
                                                   date=form.day.data.strftime("%d/%m/%Y")))
    return _page(form, department, department.employer, "retire")


@bp.route("/departments/<int:department_id>/split", methods=["GET", "POST"])
@roles_required(*MAY_CHANGE)
def department_split(department_id):
    department = get_or_404(LabourDepartment, department_id, current_user)
    form = SplitForm()
    if request.method == "GET":
        # The fix the employer page offers: the named departments that already have figures.
        form.parts.data = request.args.get("parts", "")[:10_000]
        form.day.data = _date_arg()
    if form.validate_on_submit():
        try:
            warnings = lifecycle.split_department(current_user, department, form.day.data, form.reason.data,
                                                  _parts(form.parts.data))
        except lifecycle.LifeError as error:
            db.session.rollback()
            _refused(form, error)
        else:
            return _done(department.employer_id, _("%(name)s split from %(date)s.", name=department.name,
                                                   date=form.day.data.strftime("%d/%m/%Y")), warnings)
    return _page(form, department, department.employer, "split")


@bp.route("/<int:employer_id>/departments/merge", methods=["GET", "POST"])
@roles_required(*MAY_CHANGE)
def department_merge(employer_id):
    employer = get_or_404(Employer, employer_id, current_user)
    form = MergeForm()
    form.departments.choices = [(d.id, d.name) for d in lifecycle.counting_now(employer)]
    if form.validate_on_submit():
        chosen = [d for d in employer.departments if d.id in set(form.departments.data)]
        try:
            into = lifecycle.merge_departments(current_user, chosen, form.day.data, form.reason.data, form.name.data)
        except lifecycle.LifeError as error:
            db.session.rollback()
            _refused(form, error)
        else:
            return _done(employer.id, _("Merged into %(name)s from %(date)s.", name=into.name,
                                        date=form.day.data.strftime("%d/%m/%Y")))
    return _page(form, None, employer, "merge")


def _date_arg():
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return None
