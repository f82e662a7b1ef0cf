"""Targets: listed per unit beside the sum of its children's, created, edited,
deleted and imported by admins and HR, in their own area."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role
from fieldops.campaigns.models import Campaign
from fieldops.campaigns.queries import all_campaigns, chosen_campaign
from fieldops.core.import_layout import header_check, template_file
from fieldops.core.numbers import whole_number
from fieldops.core.paging import page_of
from fieldops.core.sessions import background
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.jobs.uploads import import_job, import_or_queue, import_page, polled
from fieldops.org.models import OrgUnit
from fieldops.org.queries import units_for_choice
from fieldops.org.scope import get_or_404
from fieldops.progress import bp, operations, queries
from fieldops.progress.forms import DeleteForm, TargetForm, TargetImportForm, TargetValueForm, metric_problem
from fieldops.progress.import_jobs import IMPORT
from fieldops.progress.importing import COLUMNS, METRIC_NAMES, import_targets
from fieldops.progress.models import PERCENT_METRICS, Metric, Target
from fieldops.timeutil import local_today

EDITORS = (Role.admin, Role.hr)


def _campaigns():
    return all_campaigns()


def _campaign_choices():
    return [(c.id, c.label) for c in _campaigns()]


def _chosen_campaign():
    """?campaign= (code or number; 404 when it names none), else the one in force, else the latest set up."""
    raw = request.args.get("campaign", "").strip()
    found = chosen_campaign(raw, local_today())
    if raw and found is None:
        abort(404)
    return found or next(iter(_campaigns()), None)


@bp.get("/targets")
@roles_required(*EDITORS)
def targets():
    campaign = _chosen_campaign()
    page = page_of(queries.units_of(current_user))
    own, summed = queries.targets_for_units(campaign, page.items)
    return render_template("progress/targets.html", campaign=campaign, campaigns=_campaigns(), page=page, own=own,
                           summed=summed, metrics=list(Metric), percent_metrics=PERCENT_METRICS,
                           delete_form=DeleteForm(formdata=None))


def _target_form():
    form = TargetForm()
    form.campaign_id.choices = _campaign_choices()
    form.org_unit_id.choices = units_for_choice(current_user)
    return form


@bp.route("/targets/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def target_new():
    form = _target_form()
    if request.method == "GET":
        campaign = _chosen_campaign()
        form.campaign_id.data = campaign.id if campaign else None
        form.org_unit_id.data = whole_number(request.args.get("unit")) or current_user.org_unit_id
        form.metric.data = request.args.get("metric", Metric.registered_employer.value)
    elif form.validate_on_submit():
        unit = get_or_404(OrgUnit, form.org_unit_id.data, current_user)
        campaign = db.session.get(Campaign, form.campaign_id.data)
        metric = Metric(form.metric.data)
        problem = metric_problem(unit, metric)
        if problem:
            form.metric.errors.append(problem)
        value = form.parsed_value(metric)
        if not form.errors and value is not None:
            try:
                operations.create_target(current_user, campaign, unit, metric, value, form.comparison.data)
            except operations.TargetExists as exists:
                form.metric.errors.append(_("%(unit)s already has a target for this metric in this campaign; "
                                            "change that one instead.", unit=unit.code))
                existing = exists.target
            else:
                db.session.commit()
                flash(_("Target saved."), "success")
                return redirect(url_for("progress.targets", campaign=campaign.id))
            return render_template("progress/target_form.html", form=form, target=None, existing=existing), 422
    return render_template("progress/target_form.html", form=form, target=None, existing=None), (
        422 if form.errors else 200)


@bp.route("/targets/<int:target_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def target_edit(target_id):
    target = get_or_404(Target, target_id, current_user)
    form = TargetValueForm(data={"value": _shown(target.value), "comparison": str(target.comparison)}
                           if request.method == "GET" else None)
    if request.method == "POST" and form.validate_on_submit():
        value = form.parsed_value(target.metric)
        if value is not None:
            operations.update_target(current_user, target, value, form.comparison.data)
            db.session.commit()
            flash(_("Target saved."), "success")
            return redirect(url_for("progress.targets", campaign=target.campaign_id))
    return render_template("progress/target_form.html", form=form, target=target, existing=None), (
        422 if form.errors else 200)


def _shown(value):
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@bp.post("/targets/<int:target_id>/delete")
@roles_required(*EDITORS)
def target_delete(target_id):
    target = get_or_404(Target, target_id, current_user)
    form = DeleteForm()
    campaign_id = target.campaign_id
    if form.validate_on_submit():
        operations.delete_target(current_user, target)
        db.session.commit()
        flash(_("Target deleted."), "success")
    return redirect(url_for("progress.targets", campaign=campaign_id))


def column_help():
    names = {metric: ", ".join(f"“{n}”" for n in names[:1] + names[-2:]) for metric, names in METRIC_NAMES.items()}
    described = {
        "unit_code": _("Code of a unit in your area (VN, HN, HN-BD…)."),
        "metric": _("One of: %(metrics)s.", metrics="; ".join(names.values())),
        "value": _("A whole number; for coverage and the new voluntary participants registered a percentage "
                   "from 0 to 100 (97,5 or 97.5)."),
        "unit_name": _("Optional, for the reader; not used."),
    }
    return [(c.vietnamese, c.field, described[c.field]) for c in COLUMNS]


def _import_page(**context):
    return import_page("progress/targets_import.html", "progress/_import_report.html", columns=column_help(),
                       **context)


@bp.route("/targets/import", methods=["GET", "POST"])
@roles_required(*EDITORS)
def targets_import():
    form = TargetImportForm()
    form.campaign_id.choices = _campaign_choices()
    if request.method == "GET":
        campaign = _chosen_campaign()
        form.campaign_id.data = campaign.id if campaign else None
    job, result, _conflict, failed = import_or_queue(
        form, IMPORT, lambda stream, filename, dry_run: import_targets(
            current_user, db.session.get(Campaign, form.campaign_id.data), stream, filename, dry_run=dry_run),
        limit=current_app.config["IMPORT_INLINE_MAX_BYTES"], check_header=header_check(COLUMNS),
        options={"campaign_id": form.campaign_id.data})
    return _import_page(form=form, job=job, result=result, failed=bool(form.errors or failed),
                        report_url=job and url_for("progress.targets_import_report", job_id=job.id))


@bp.get("/targets/import/jobs/<int:job_id>")
@background(when=polled)
@roles_required(*EDITORS)
def targets_import_report(job_id):
    """An import the job worker runs: its progress, then its report."""
    job, result, _conflict = import_job(job_id, IMPORT, lambda: None)
    form = TargetImportForm(formdata=None, data={"campaign_id": (job.params.get("options") or {}).get("campaign_id")})
    form.campaign_id.choices = _campaign_choices()
    return _import_page(form=form, job=job, result=result,
                        report_url=url_for("progress.targets_import_report", job_id=job.id))


@bp.get("/targets/import/template")
@roles_required(*EDITORS)
def targets_import_template():
    """The columns the import reads, and an example row (a target of one's own unit)."""
    unit = current_user.org_unit
    example = {"unit_code": unit.code, "metric": METRIC_NAMES[Metric.visits][3], "value": 100,
               "unit_name": unit.name}
    return template_file(COLUMNS, example, request.args.get("format"), "targets-template")
