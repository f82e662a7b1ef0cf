"""The titles and forms of award HR proposes from: the national list, and lists
a unit's HR keeps for its own reviews."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import get_or_404, scoped
from fieldops.reviews import bp, titles
from fieldops.reviews.forms import TitleEditForm, TitleForm
from fieldops.reviews.models import AwardTitle
from fieldops.reviews.operations import ReviewError
from fieldops.reviews.routes import refused


def _title_form(form):
    choices = []
    if current_user.org_unit.parent_id is None:
        choices.append((0, _("National list")))
    base = current_user.org_unit.depth
    for unit in db.session.scalars(scoped(OrgUnit, current_user).order_by(OrgUnit.path).limit(500)):
        choices.append((unit.id, f"{'— ' * (unit.depth - base)}{unit.code} · {unit.name}"))
    form.scope.choices = choices
    if not form.is_submitted():
        form.scope.data = 0 if current_user.org_unit.parent_id is None else current_user.org_unit_id
    return form


def _render(form, status=200, sent_edit=None):
    """The page; `sent_edit`: a title's edit form as sent, shown with its errors in its row."""
    listed = db.session.scalars(scoped(AwardTitle, current_user).order_by(
        AwardTitle.org_unit_id.is_not(None), AwardTitle.position, AwardTitle.name)).all()
    edits = {t.id: TitleEditForm(formdata=None, prefix=f"t{t.id}", name=t.name, applies_to=str(t.applies_to),
                                 active="1" if t.active else "0") for t in listed}
    if sent_edit is not None:
        edits[sent_edit[0]] = sent_edit[1]
    return render_template("reviews/titles.html", form=form, titles=listed, edits=edits), status


@bp.route("/reviews/titles", methods=["GET", "POST"])
@roles_required(Role.hr)
def titles_page():
    form = _title_form(TitleForm())
    if not form.is_submitted():
        return _render(form)
    if not form.validate():
        return _render(form, 422)
    unit = get_or_404(OrgUnit, form.scope.data, current_user) if form.scope.data else None
    try:
        titles.add_title(current_user, form.name.data, form.applies_to.data, unit)
        db.session.commit()
    except ReviewError as error:
        db.session.rollback()
        if error.status == 403:
            return refused(error, "award_title:new", url_for("reviews.titles_page"))
        getattr(form, error.field or "name").errors.append(error.message)
        return _render(form, error.status)
    flash(_("Title added."), "success")
    return redirect(url_for("reviews.titles_page"))


@bp.post("/reviews/titles/<int:title_id>")
@roles_required(Role.hr)
def title_edit(title_id):
    title = get_or_404(AwardTitle, title_id, current_user)
    form = TitleEditForm(prefix=f"t{title.id}")
    if not form.validate_on_submit():
        return _render(_title_form(TitleForm(formdata=None)), 422, sent_edit=(title.id, form))
    try:
        titles.edit_title(current_user, title, form.name.data, form.applies_to.data, form.active.data == "1")
        db.session.commit()
    except ReviewError as error:
        return refused(error, f"award_title:{title_id}", url_for("reviews.titles_page"))
    flash(_("Title saved."), "success")
    return redirect(url_for("reviews.titles_page"))
