"""A district's outreach plan for a month or a quarter: a count of activities per
kind and group, and beside each what was held. The district and its recorders
change it; everyone of the area reads it."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldops.auth.access import roles_required, signed_in
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.queries import districts_for_choice
from fieldops.org.scope import get_or_404
from fieldops.outreach import bp, figures, operations
from fieldops.outreach.forms import PlanChoiceForm, PlanForm, parse_period, period_code
from fieldops.outreach.models import MAX_PLANNED, OUTREACH_GROUPS, OutreachActivity, OutreachKind, OutreachPlanLine, PlanPeriod
from fieldops.outreach.routes import RECORDERS
from fieldops.timeutil import local_today
from fieldops.visits.forms import parse_count


def _choice():
    """(form, district or None, period kind, period start or None) from the query string or the form sent."""
    source = request.form if request.method == "POST" else request.args
    form = PlanChoiceForm(formdata=source)
    form.district_id.choices = districts_for_choice(current_user)
    if not form.district_id.data and form.district_id.choices:
        form.district_id.data = form.district_id.choices[0][0]
    kind = form.period_kind.data if form.period_kind.data in {p.value for p in PlanPeriod} else PlanPeriod.month
    form.period_kind.data = kind
    if not form.period.data:
        form.period.data = period_code(kind, local_today())
    start, problem = parse_period(kind, form.period.data)
    if problem:
        form.period.errors = [problem]
    if kind == PlanPeriod.quarter and start is not None:
        start = operations.quarter_of(start)
    district = get_or_404(OrgUnit, form.district_id.data, current_user) if form.district_id.data else None
    return form, district, PlanPeriod(kind), start


def _cells(district, kind, start):
    """{(kind, group): typed value} of the saved plan."""
    lines = operations.plan_lines(district.id, kind, start)
    return {key: str(line.planned) for key, line in lines.items()}


def _render(choice, district, kind, start, cells, problems=None, status=200):
    table = []
    if district is not None and start is not None:
        end = figures.period_end(kind, start)
        where = OutreachActivity.district_id == district.id
        planned = {key: parse_count(value)[0] or 0 for key, value in cells.items() if value}
        table = figures.plan_table(planned if problems else figures.planned_by(
            OutreachPlanLine.district_id == district.id, start, end), figures.held_by_kind_group(where, start, end))
    may_plan = district is not None and OutreachActivity.can_record(current_user, district)
    return render_template("outreach/plan.html", choice=choice, district=district, kind=kind, start=start,
                           cells=cells, problems=problems or {}, table=table, may_plan=may_plan,
                           form=PlanForm(formdata=None), kinds=tuple(OutreachKind), groups=OUTREACH_GROUPS), status


@bp.get("/plan")
@signed_in
def plan():
    choice, district, kind, start = _choice()
    cells = _cells(district, kind, start) if district is not None and start is not None else {}
    return _render(choice, district, kind, start, cells, status=422 if choice.period.errors else 200)


@bp.post("/plan")
@roles_required(*RECORDERS)
def save_plan():
    choice, district, kind, start = _choice()
    form = PlanForm()
    if district is None or start is None or not form.validate():
        return _render(choice, district, kind, start, {}, status=422)
    cells, problems, counts = {}, {}, {}
    for k in OutreachKind:
        for g in OUTREACH_GROUPS:
            typed = (request.form.get(f"n-{k}-{g}", "") or "").strip()[:12]
            cells[(k, g)] = typed
            if not typed:
                continue
            value, problem = parse_count(typed)
            if problem is None and value > MAX_PLANNED:
                problem = operations.OutreachError("planned_over").message
            if problem:
                problems[(k, g)] = problem
            else:
                counts[(k, g)] = value
    if problems:
        return _render(choice, district, kind, start, cells, problems, 422)
    try:
        operations.set_plan(current_user, operations.PlanInput(district, kind, start, counts))
        db.session.commit()
    except operations.OutreachError as error:
        db.session.rollback()
        choice.period.errors = [error.message]
        return _render(choice, district, kind, start, cells, status=error.status)
    flash(_("Plan saved."), "success")
    return redirect(url_for("outreach.plan", district_id=district.id, period_kind=kind.value,
                            period=period_code(kind, start)))
