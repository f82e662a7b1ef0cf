import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from fieldops.auth import bp, operations
from fieldops.auth.access import public, roles_required, signed_in
from fieldops.auth.forms import ActiveForm, LoginForm, NewUserForm, ResetPasswordForm, UserForm
from fieldops.auth.models import Role, User
from fieldops.core.navigation import safe_next
from fieldops.core.paging import page_of
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.queries import units_for_choice
from fieldops.org.scope import get_or_404, scoped


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = operations.sign_in(form.username.data, form.password.data)
        except operations.SignInRefused as refused:
            db.session.commit()  # keep the failed attempt and its audit event
            if refused.reason == "throttled":
                message = _("Too many failed sign-ins. Wait 15 minutes and try again.")
            elif refused.reason == "delayed":
                message = _("Too many failed sign-ins on this account. Wait a minute and try again.")
            else:
                message = _("Wrong username or password, or the account is deactivated.")
            form.password.errors.append(message)
            return render_template("auth/login.html", form=form), 200 if refused.reason == "invalid" else 429
        db.session.commit()
        session.clear()
        session.permanent = True
        session["lang"] = str(user.preferred_language)
        login_user(user)
        return redirect(safe_next(form.next.data) or url_for("core.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@signed_in
def logout():
    operations.sign_out(current_user)
    db.session.commit()
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


# --- user administration -------------------------------------------------


def _user_form(form_class, user=None):
    form = form_class(obj=user)
    form.org_unit_id.choices = units_for_choice(current_user)
    return form


def _unit_in_scope(unit_id):
    return get_or_404(OrgUnit, unit_id, current_user)


@bp.get("/admin/users")
@roles_required(Role.admin)
def users():
    q = request.args.get("q", "").strip()[:100]
    stmt = scoped(User, current_user).order_by(User.username)
    if q:
        needle = f"%{q}%"
        stmt = stmt.where(sa.or_(User.username.ilike(needle), User.full_name.ilike(needle)))
    page = page_of(stmt)
    return render_template("auth/users.html", page=page, q=q)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def user_new():
    form = _user_form(NewUserForm)
    if form.validate_on_submit():
        taken = db.session.scalar(sa.select(User.id).where(User.username == form.username.data.strip().lower()))
        if taken:
            form.username.errors.append(_("This username is already taken."))
        else:
            user = operations.create_user(
                current_user,
                username=form.username.data,
                full_name=form.full_name.data,
                role=form.role.data,
                org_unit=_unit_in_scope(form.org_unit_id.data),
                password=form.password.data,
                preferred_language=form.preferred_language.data,
            )
            db.session.commit()
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id))
    return render_template("auth/user_form.html", form=form, user=None), 422 if form.errors else 200


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.admin)
def user_edit(user_id):
    user = get_or_404(User, user_id, current_user)
    form = _user_form(UserForm, user)
    if form.validate_on_submit():
        if user.id == current_user.id and form.role.data != Role.admin:
            form.role.errors.append(_("You cannot remove your own administrator role."))
        else:
            operations.update_user(
                current_user,
                user,
                full_name=form.full_name.data,
                role=form.role.data,
                org_unit=_unit_in_scope(form.org_unit_id.data),
                preferred_language=form.preferred_language.data,
            )
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id))
    return render_template(
        "auth/user_form.html", form=form, user=user, reset_form=ResetPasswordForm(), active_form=ActiveForm()
    ), 422 if form.errors else 200


@bp.post("/admin/users/<int:user_id>/active")
@roles_required(Role.admin)
def user_active(user_id):
    user = get_or_404(User, user_id, current_user)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
    else:
        operations.set_active(current_user, user, form.active.data)
        db.session.commit()
        flash(_("Account activated.") if form.active.data else _("Account deactivated; its sessions have ended."),
              "success")
    return redirect(url_for("auth.user_edit", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/password")
@roles_required(Role.admin)
def user_password(user_id):
    user = get_or_404(User, user_id, current_user)
    form = ResetPasswordForm()
    form.owner = user
    if form.validate_on_submit():
        operations.reset_password(current_user, user, form.password.data)
        db.session.commit()
        flash(_("Password reset; the user's sessions have ended."), "success")
        return redirect(url_for("auth.user_edit", user_id=user.id))
    edit_form = _user_form(UserForm, user)
    return render_template(
        "auth/user_form.html", form=edit_form, user=user, reset_form=form, active_form=ActiveForm()
    ), 422
