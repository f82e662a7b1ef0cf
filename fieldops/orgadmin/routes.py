import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.auth.queries import count_users_by_unit
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org import operations
from fieldops.org.forms import NewOrgUnitForm, OrgUnitForm
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.queries import unit_tree, units_for_choice
from fieldops.org.scope import get_or_404
from fieldops.orgadmin import bp


@bp.get("/")
@roles_required(Role.admin)
def units():
    return render_template("org/units.html", tree=unit_tree(current_user), user_counts=count_users_by_unit(current_user))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def unit_new():
    form = NewOrgUnitForm(parent_id=request.args.get("parent", type=int))
    form.parent_id.choices = units_for_choice(
        current_user, levels=[UnitLevel.national, UnitLevel.province, UnitLevel.district]
    )
    if form.validate_on_submit():
        parent = get_or_404(OrgUnit, form.parent_id.data, current_user)
        code = form.code.data.strip().upper()
        if db.session.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == code)):
            form.code.errors.append(_("This code is already used by another unit."))
        else:
            unit = operations.create_org_unit(current_user, code=code, name=form.name.data, parent=parent)
            db.session.commit()
            flash(_("Unit %(code)s created.", code=unit.code), "success")
            return redirect(url_for("org.units"))
    return render_template("org/unit_form.html", form=form, unit=None), 422 if form.errors else 200


@bp.route("/<int:unit_id>", methods=["GET", "POST"])
@roles_required(Role.admin)
def unit_edit(unit_id):
    unit = get_or_404(OrgUnit, unit_id, current_user)
    form = OrgUnitForm(obj=unit)
    if form.validate_on_submit():
        operations.rename_org_unit(current_user, unit, form.name.data)
        db.session.commit()
        flash(_("Changes saved."), "success")
        return redirect(url_for("org.units"))
    return render_template("org/unit_form.html", form=form, unit=unit), 422 if form.errors else 200
