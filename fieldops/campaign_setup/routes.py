"""Campaign set-up pages. Campaigns are national: every admin sees the list, and
only an admin of the national unit sets one up, changes it or copies targets
into it (others are refused, 403, and the refusal is audited). Allocating a
unit's targets to the units below it is target work: admins and HR do it in
their own area (a unit outside it answers 404)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.campaign_setup import bp, operations, targets
from fieldops.campaigns.forms import AllocateForm, CampaignForm, CopyTargetsForm
from fieldops.campaigns.models import Campaign, ParticipantGroup
from fieldops.campaigns.queries import all_campaigns, campaign_in_force, find_campaign
from fieldops.core.numbers import whole_number
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.queries import units_for_choice
from fieldops.org.scope import get_or_404
from fieldops.timeutil import local_today

TARGET_EDITORS = (Role.admin, Role.hr)


def _national_only():
    if current_user.org_unit.level != UnitLevel.national:
        from fieldops.audit.operations import record_denied

        record_denied(current_user, request.endpoint or "", "not_national")
        abort(403)


def _campaign_or_404(ident) -> Campaign:
    found = find_campaign(ident)
    if found is None:
        abort(404)
    return found


def _refused(form, error):
    getattr(form, error.field).errors.append(error.message)


@bp.get("/")
@roles_required(Role.admin)
def index():
    return render_template("campaigns/index.html", campaigns=all_campaigns(), in_force=campaign_in_force(local_today()),
                           can_edit=current_user.org_unit.level == UnitLevel.national)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def new():
    _national_only()
    form = CampaignForm(participant_groups=[g.value for g in ParticipantGroup])
    if form.validate_on_submit():
        try:
            campaign = operations.create_campaign(current_user, form.values())
        except operations.CampaignError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Campaign %(name)s set up.", name=campaign.label), "success")
            return redirect(url_for("campaigns.edit", ident=campaign.id))
    return render_template("campaigns/form.html", form=form, campaign=None), 422 if form.errors else 200


@bp.route("/<ident>", methods=["GET", "POST"])
@roles_required(Role.admin)
def edit(ident):
    campaign = _campaign_or_404(ident)
    _national_only()
    form = CampaignForm(obj=campaign if request.method == "GET" else None)
    if request.method == "GET":
        form.state.data = str(campaign.state)
    elif form.validate_on_submit():
        try:
            changed = operations.update_campaign(current_user, campaign, form.values())
        except operations.CampaignError as error:
            db.session.rollback()
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Changes saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("campaigns.edit", ident=campaign.id))
    return render_template("campaigns/form.html", form=form, campaign=campaign,
                           copy_form=_copy_form(campaign)), 422 if form.errors else 200


def _copy_form(campaign, formdata=None):
    form = CopyTargetsForm(formdata=formdata)
    form.source_id.choices = [(c.id, c.label) for c in all_campaigns() if c.id != campaign.id]
    return form


@bp.route("/<ident>/copy-targets", methods=["GET", "POST"])
@roles_required(Role.admin)
def copy_targets(ident):
    campaign = _campaign_or_404(ident)
    _national_only()
    form = _copy_form(campaign, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        source = db.session.get(Campaign, form.source_id.data)
        try:
            count = targets.copy_targets(current_user, source, campaign)
        except targets.TargetsError as error:
            db.session.rollback()
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("%(count)s targets copied from %(source)s.", count=count, source=source.label), "success")
            return redirect(url_for("progress.targets", campaign=campaign.id))
    return render_template("campaigns/copy_targets.html", form=form, campaign=campaign), 422 if form.errors else 200


@bp.route("/<ident>/allocate", methods=["GET", "POST"])
@roles_required(*TARGET_EDITORS)
def allocate(ident):
    campaign = _campaign_or_404(ident)
    form = AllocateForm(formdata=request.form if request.method == "POST" else None)
    form.unit_id.choices = units_for_choice(current_user, levels=[UnitLevel.national, UnitLevel.province,
                                                                  UnitLevel.district])
    form.source_id.choices = [(0, "—")] + [(c.id, c.label) for c in all_campaigns() if c.id != campaign.id]
    if request.method == "GET":
        unit = request.args.get("unit", "")
        form.unit_id.data = whole_number(unit) or current_user.org_unit_id
    elif form.validate():
        parent = get_or_404(OrgUnit, form.unit_id.data, current_user)
        source = db.session.get(Campaign, form.source_id.data) if form.basis.data == "achievement" else None
        try:
            plan = targets.allocate_targets(current_user, campaign, parent, form.basis.data, local_today(), source)
        except targets.TargetsError as error:
            db.session.rollback()
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("The targets of %(unit)s were allocated to the units below it (%(count)s metrics).",
                    unit=parent.code, count=len(plan)), "success")
            return redirect(url_for("progress.targets", campaign=campaign.id))
    return render_template("campaigns/allocate.html", form=form, campaign=campaign), 422 if form.errors else 200
