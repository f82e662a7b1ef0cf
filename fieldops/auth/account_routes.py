"""A user's own account: changing one's password, and one's active sessions with
"sign out everywhere else"; an administrator ending a user's sessions."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from fieldops.auth import bp, operations
from fieldops.auth.access import roles_required, signed_in
from fieldops.auth.forms import ActiveForm, ChangePasswordForm
from fieldops.auth.models import Role, User
from fieldops.core.forms import Form
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.scope import get_or_404


def device_of(user_agent: str) -> str:
    """Browser and system, read from a User-Agent: what a person recognises."""
    text = user_agent or ""
    browser = next((name for key, name in (("Edg/", "Edge"), ("OPR/", "Opera"), ("CocCoc", "Cốc Cốc"),
                                           ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
                    if key in text), "")
    system = next((name for key, name in (("Android", "Android"), ("iPad", "iPadOS"), ("iPhone", "iOS"),
                                          ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
                                          ("Linux", "Linux")) if key in text), "")
    return " · ".join(part for part in (browser, system) if part) or (text[:60] or "—")


def _render_account(form, status=200):
    sessions = [(s, operations.is_current(s, current_user), device_of(s.user_agent))
                for s in operations.live_sessions(current_user)]
    return render_template("auth/account.html", form=form, sessions=sessions, end_form=Form()), status


@bp.get("/account")
@signed_in
def account():
    return _render_account(ChangePasswordForm())


@bp.post("/account/password")
@signed_in
def account_password():
    form = ChangePasswordForm()
    form.owner = current_user
    if form.validate_on_submit():
        try:
            operations.change_password(current_user, form.current.data, form.password.data)
        except operations.WrongPassword as wrong:
            db.session.commit()  # keep the attempt and the audit event of the refusal
            form.current.errors.append({
                "invalid": _("This is not your current password."),
                "throttled": _("Too many failed sign-ins. Wait 15 minutes and try again."),
                "delayed": _("Too many failed sign-ins on this account. Wait a minute and try again."),
            }[wrong.reason])
        else:
            db.session.commit()
            flash(_("Your password has been changed; your other sessions have ended."), "success")
            return redirect(url_for("auth.account"))
    return _render_account(form, 422)


@bp.post("/account/sessions/end-others")
@signed_in
def account_end_others():
    if not Form().validate_on_submit():
        abort(400)
    ended = operations.end_other_sessions(current_user)
    db.session.commit()
    flash(_("Signed out everywhere else (%(n)d sessions ended).", n=ended), "success")
    return redirect(url_for("auth.account"))


@bp.post("/admin/users/<int:user_id>/sessions/end")
@roles_required(Role.admin)
def user_sessions_end(user_id):
    user = get_or_404(User, user_id, current_user)
    if not ActiveForm().validate_on_submit():
        abort(400)
    operations.end_sessions_of(current_user, user)
    db.session.commit()
    flash(_("Every session of %(name)s has ended.", name=user.username), "success")
    return redirect(url_for("auth.user_edit", user_id=user.id))
