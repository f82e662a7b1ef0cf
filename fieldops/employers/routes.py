import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldops.auth.access import roles_required, signed_in
from fieldops.auth.models import Role
from fieldops.core import hooks
from fieldops.core.translations import gettext as _
from fieldops.employers import bp, operations
from fieldops.employers.lifecycle import double_count
from fieldops.employers.forms import DepartmentForm, EmployerForm, NewEmployerForm
from fieldops.employers.models import DepartmentEnd, Employer, LabourDepartment
from fieldops.employers.queries import search_page, unit_code_taken
from fieldops.extensions import db, htmx
from fieldops.org.models import OrgUnit
from fieldops.org.queries import districts_for_choice
from fieldops.org.scope import get_or_404
from fieldops.timeutil import local_today

employer_visits = hooks.hook("employer_visits")


@bp.record_once
def _template_globals(state):
    state.app.jinja_env.globals["department_end_label"] = department_end_label


def department_end_label(how) -> str:
    return {DepartmentEnd.retired: _("retired"), DepartmentEnd.split: _("split"),
            DepartmentEnd.merged: _("merged")}.get(how, "")


@bp.get("/")
@signed_in
def index():
    q = request.args.get("q", "").strip()[:100]
    page = search_page(current_user, q)
    template = "employers/_results.html" if htmx.target == "employer-results" else "employers/index.html"
    return render_template(template, page=page, q=q)


def _render_show(employer, department_form, status=200):
    """The employer with its departments' current figures and its visit history
    (paged, newest first; the history alone when htmx asks for that part), read
    by visits (a hook registered at app start: fieldops/visits/queries.py)."""
    template = "employers/_history.html" if htmx.target == "visit-history" else "employers/show.html"
    shown = employer_visits(employer, local_today())
    return render_template(template, employer=employer, department_form=department_form,
                           double_count=double_count(shown["departments"]), **shown), status


@bp.get("/<int:employer_id>")
@signed_in
def show(employer_id):
    employer = get_or_404(Employer, employer_id, current_user)
    # Only an admin adds departments here: nobody else's page has the form.
    return _render_show(employer, DepartmentForm() if current_user.role == Role.admin else None)


def _form(form_class, employer=None):
    form = form_class(obj=employer)
    form.district_id.choices = districts_for_choice(current_user)
    return form


def _fields(form):
    get_or_404(OrgUnit, form.district_id.data, current_user)
    return {
        "unit_code": form.unit_code.data,
        "tax_code": form.tax_code.data or "",
        "name": form.name.data,
        "address": form.address.data or "",
        "sector": form.sector.data or "",
        "district_id": form.district_id.data,
        "contact_name": (form.contact_name.data or "").strip(),
        "contact_phone": form.contact_phone.data or "",
    }


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def new():
    form = _form(NewEmployerForm)
    if form.validate_on_submit():
        departments = [line.strip() for line in (form.departments.data or "").splitlines() if line.strip()]
        if db.session.scalar(unit_code_taken(form.unit_code.data)):
            form.unit_code.errors.append(_("Another employer already has this unit code."))
        elif any(len(d) > 160 for d in departments) or len(set(departments)) != len(departments):
            form.departments.errors.append(_("Department names must be unique and at most 160 characters."))
        else:
            employer = operations.create_employer(current_user, departments=departments, **_fields(form))
            db.session.commit()
            flash(_("Employer %(name)s created.", name=employer.name), "success")
            return redirect(url_for("employers.show", employer_id=employer.id))
    return render_template("employers/form.html", form=form, employer=None), 422 if form.errors else 200


@bp.route("/<int:employer_id>/edit", methods=["GET", "POST"])
@roles_required(Role.admin)
def edit(employer_id):
    employer = get_or_404(Employer, employer_id, current_user)
    form = _form(EmployerForm, employer)
    if form.validate_on_submit():
        if db.session.scalar(unit_code_taken(form.unit_code.data, exclude_id=employer.id)):
            form.unit_code.errors.append(_("Another employer already has this unit code."))
        else:
            operations.update_employer(current_user, employer, **_fields(form))
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("employers.show", employer_id=employer.id))
    return render_template("employers/form.html", form=form, employer=employer), 422 if form.errors else 200


def _department_name_taken(employer, name, exclude_id=None):
    stmt = sa.select(LabourDepartment.id).where(
        LabourDepartment.employer_id == employer.id, LabourDepartment.name == name.strip()
    )
    if exclude_id is not None:
        stmt = stmt.where(LabourDepartment.id != exclude_id)
    return db.session.scalar(stmt) is not None


@bp.post("/<int:employer_id>/departments")
@roles_required(Role.admin)
def department_add(employer_id):
    employer = get_or_404(Employer, employer_id, current_user)
    form = DepartmentForm()
    if form.validate_on_submit():
        if _department_name_taken(employer, form.name.data):
            form.name.errors.append(_("This employer already has a department with this name."))
        else:
            operations.add_department(current_user, employer, form.name.data)
            db.session.commit()
            flash(_("Department added."), "success")
            return redirect(url_for("employers.show", employer_id=employer.id))
    return _render_show(employer, form, 422)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@roles_required(Role.admin)
def department_edit(department_id):
    department = get_or_404(LabourDepartment, department_id, current_user)
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        if _department_name_taken(department.employer, form.name.data, exclude_id=department.id):
            form.name.errors.append(_("This employer already has a department with this name."))
        else:
            operations.rename_department(current_user, department, form.name.data)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("employers.show", employer_id=department.employer_id))
    return render_template("employers/department_form.html", form=form, department=department), (
        422 if form.errors else 200
    )
