"""Progress pages: a unit's dashboard (drill-down national → province → district
→ team), an officer's achievements, an employer's figures as of a day, the
worklist, the exports and the printed report. Targets are in target_routes.py,
on the same blueprint.

Leadership (viewer), supervisors, HR and admins see the dashboards of their
area; officers see their own achievements, the employers they can open and the
worklist of their area. Every unit, officer and employer is reached through the
scoping helper: outside the user's area it answers 404.
"""
from functools import cached_property

from flask import Response, abort, g, render_template, request, send_file
from flask_login import current_user

from fieldops.audit.operations import record_denied
from fieldops.auth.access import roles_required, signed_in
from fieldops.auth.models import Role, User
from fieldops.campaigns.queries import all_campaigns, chosen_campaign
from fieldops.core.numbers import whole_number
from fieldops.core.paging import page_of
from fieldops.core.exporting import Sheet, csv_chunks, write_xlsx
from fieldops.core.replica import reads_replica
from fieldops.core.translations import gettext as _
from fieldops.employers.models import Employer
from fieldops.extensions import db, htmx
from fieldops.org.models import OrgUnit
from fieldops.org.scope import get_or_404
from fieldops.progress import bp, dashboard, exports, kept_files, officer_targets, queries, report as printed, snapshots, work
from fieldops.progress.labels import template_globals
from fieldops.progress.models import Metric
from fieldops.progress.periods import PeriodError
from fieldops.timeutil import local_today

VIEWERS = (Role.viewer, Role.supervisor, Role.hr, Role.admin)
FORMATS = ("xlsx", "csv")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIMETYPES = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8", "zip": "application/zip"}


@bp.record_once
def _register(state):
    app = state.app
    app.jinja_env.globals.update(template_globals())
    app.jinja_env.globals["export_tables"] = lambda report: [(n, t) for n, t, _h, _r in exports.tables(report)]


class Setup:
    """The campaign asked for (?campaign=, by default the one in force) and the
    period asked for (?period=), or what is wrong with them."""

    def __init__(self):
        self.today = local_today()
        self.campaign_arg = request.args.get("campaign", "").strip()[:20]
        self.campaign = chosen_campaign(self.campaign_arg, self.today, self.campaigns)
        self.text = request.args.get("period", "").strip()[:20]
        self.period, self.error, self.status = None, None, 200
        if self.campaign is None:
            self.error = _("No campaign has this code or number: %(campaign)s.", campaign=self.campaign_arg) \
                if self.campaign_arg else _("No campaign has been set up yet: there is nothing to measure.")
            self.status = 404 if self.campaign_arg else 200
            return
        if self.campaign_arg:  # links and downloads of the page stay on the campaign chosen
            g.progress_campaign = self.campaign.code or str(self.campaign.id)
        try:
            self.period = dashboard.resolve_period(self.text, self.campaign, self.today)
        except PeriodError as error:
            self.error, self.status = str(error), 422

    @cached_property
    def campaigns(self):
        """What the campaign switch offers, and where the one in force is found."""
        return all_campaigns()

    @property
    def ok(self):
        return self.period is not None

    @property
    def as_of(self):
        return self.period.as_of(self.today)

    def context(self):
        choices = queries.period_choices(self.campaign, self.today) if self.campaign else []
        return {"setup": self, "choices": choices, "period_code": self.period.code if self.period else self.text,
                "error": self.error, "today": self.today}


@bp.url_defaults
def _keep_campaign(endpoint, values):
    if "campaign" not in values and g.get("progress_campaign"):
        values["campaign"] = g.progress_campaign


def _page(template, fragment, status=200, target="progress-body", **context):
    return render_template(fragment if htmx.target == target else template, **context), status


# --- units -----------------------------------------------------------------------------------


def _unit_page(unit):
    setup = Setup()
    rank = request.args.get("rank", "overall")
    rank = rank if rank in dashboard.RANK_CHOICES else "overall"
    context = setup.context() | {"unit": unit, "crumbs": queries.crumbs(unit, current_user.org_unit),
                                 "rank": rank, "parts": None}
    if setup.ok:
        context["parts"] = snapshots.unit_report(unit, setup.campaign, setup.period, setup.today, rank)
    return _page("progress/unit.html", "progress/_unit_body.html", setup.status, **context)


@bp.get("/")
@roles_required(*VIEWERS)
@reads_replica
def dashboard_home():
    return _unit_page(current_user.org_unit)


@bp.get("/units/<int:unit_id>")
@roles_required(*VIEWERS)
@reads_replica
def unit(unit_id):
    return _unit_page(get_or_404(OrgUnit, unit_id, current_user))


def _failed(setup):
    return render_template("errors/error.html", code=setup.status if setup.status != 200 else 404,
                           message=setup.error), setup.status if setup.status != 200 else 404


@bp.get("/units/<int:unit_id>/export")
@roles_required(*VIEWERS)
@reads_replica
def export(unit_id):
    """A table of the dashboard (?table=; all of them by default) as XLSX or CSV (several tables: a ZIP of CSV files)."""
    unit = get_or_404(OrgUnit, unit_id, current_user)
    setup = Setup()
    if not setup.ok:
        return _failed(setup)
    table = request.args.get("table", "all")
    names = exports.TABLES if table not in exports.TABLES else (table,)
    fmt = request.args.get("format") if request.args.get("format") in MIMETYPES else "xlsx"
    kept = snapshots.unit_report(unit, setup.campaign, setup.period, setup.today,
                                 request.args.get("rank", "overall"), html=False)
    body, kind = kept_files.file_of(kept, fmt, names)
    name = printed.file_name(unit, setup.period, kind) if table == "all" else \
        printed.file_name(unit, setup.period, kind).replace("tien-do-", f"tien-do-{names[0]}-")
    return Response(body, mimetype=MIMETYPES[kind], headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/units/<int:unit_id>/report")
@roles_required(*VIEWERS)
@reads_replica
def report(unit_id):
    """The printable leadership report (PDF) for the period."""
    unit = get_or_404(OrgUnit, unit_id, current_user)
    setup = Setup()
    if not setup.ok:
        return _failed(setup)
    pdf = printed.report_pdf(unit, setup.campaign, setup.period, setup.today, request.args.get("rank", "overall"))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{printed.file_name(unit, setup.period, "pdf")}"'})


# --- the worklist -----------------------------------------------------------------------------


def worklist_header():
    return [_("Unit code"), _("Employer"), _("Tax code"), _("Managing district"), _("Insured"), _("Registered"),
            _("Unregistered"), _("Coverage (%)")]


@bp.get("/units/<int:unit_id>/worklist")
@signed_in
def worklist(unit_id):
    """Employers of the unit's area not yet at 100%, most unregistered first; ?format= exports all of them."""
    from flask import current_app

    unit = get_or_404(OrgUnit, unit_id, current_user)
    fmt = request.args.get("format")
    if fmt in FORMATS:
        name = f"danh-sach-{unit.code}-{local_today().isoformat()}.{fmt}"
        sheet = Sheet(_("Worklist"), worklist_header(), queries.worklist_rows(unit))
        disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
        if fmt == "csv":
            return Response(csv_chunks(sheet), mimetype=MIMETYPES["csv"], headers=disposition)
        import io

        buffer = io.BytesIO()
        write_xlsx(buffer, [sheet])
        buffer.seek(0)
        return send_file(buffer, as_attachment=True, download_name=name, mimetype=XLSX)
    page = whole_number(request.args.get("page"), digits=5) or 1
    per_page = current_app.config["PAGE_SIZE"]
    rows, more = queries.worklist_page(unit, page, per_page)
    return _page("progress/worklist.html", "progress/_worklist.html", target="worklist", unit=unit, rows=rows, page=page, more=more,
                 first=(page - 1) * per_page, crumbs=queries.crumbs(unit, current_user.org_unit))


# --- officers and employers ---------------------------------------------------------------------


def _officer_page(person):
    setup = Setup()
    context = setup.context() | {"person": person, "work": None, "visits": None, "full": [], "visited": None}
    if setup.ok:
        start, end = setup.period.start, setup.as_of
        context["work"] = work.officers_work([person.id], start, end)[person.id]
        # Over the campaign to date (the usual period) the targets' figures are the page's own.
        same_span = start == setup.campaign.counts_from
        targets = officer_targets.officer_targets(person, setup.campaign, end,
                                                  work=context["work"] if same_span else None)
        share = next((row["share"] for row in targets if row["metric"] == Metric.visits), None)
        context["targets"] = targets
        context["visits_chart"], context["visits_table"] = officer_targets.visits_by_month(
            person, setup.campaign, end, share)
        context["visited"] = work.visited_funnel([person.id], start, end).as_dict()
        context["visits"] = page_of(work.officer_visits(person.id, start, end))
        ids = context["work"].full_employer_ids
        if ids:
            import sqlalchemy as sa

            context["full"] = db.session.scalars(sa.select(Employer).where(Employer.id.in_(ids))
                                                 .order_by(Employer.name)).all()
    return _page("progress/officer.html", "progress/_officer_body.html", setup.status, **context)


@bp.get("/officers/<int:user_id>")
@signed_in
def officer(user_id):
    person = get_or_404(User, user_id, current_user)
    if person.role != Role.officer:
        abort(404)
    if current_user.role == Role.officer and person.id != current_user.id:
        record_denied(current_user, f"user:{user_id}", "not_self")
        abort(404)
    return _officer_page(person)


@bp.get("/me")
@roles_required(Role.officer)
def mine():
    return _officer_page(current_user)


@bp.get("/employers/<int:employer_id>")
@signed_in
def employer(employer_id):
    employer = get_or_404(Employer, employer_id, current_user)
    setup = Setup()
    context = setup.context() | {"employer": employer, "rows": [], "totals": None, "visits": []}
    if setup.ok:
        context["rows"] = queries.employer_as_of(employer, setup.as_of)
        context["totals"] = queries.department_totals(context["rows"])
        context["visits"] = queries.employer_visits(employer, setup.period.start, setup.as_of)
    return _page("progress/employer.html", "progress/_employer_body.html", setup.status, **context)
