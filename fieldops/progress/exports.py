"""Every table of a unit's report as rows of plain values, and the files they
go into (fieldops/core/exporting.py): XLSX (one sheet per table), CSV (one
table) or a ZIP of CSV files (several tables)."""
import io


from fieldops.core.exporting import Sheet, csv_zip, percent, write_csv, xlsx_bytes
from fieldops.core.translations import gettext as _
from fieldops.progress import outreach_report
from fieldops.progress.labels import status_labels

TABLES = ("summary", "targets", "children", "groups", "outside", "funnel", "leaderboard", "officers", "months",
          "obstacles", "outreach")


def _pct(value):
    return percent(value)


def table_titles():
    return {"summary": _("Summary"), "funnel": _("The app's funnel"), "targets": _("Targets"), "children": _("Units"),
            "leaderboard": _("Leaderboard"), "officers": _("Officers"), "months": _("Coverage by month"),
            "obstacles": _("Obstacles"), "worklist": _("Worklist"), "groups": _("Outside employers, by group"),
            "outside": _("Outside employers, by unit"), "outreach": _("Outreach")}


def sheet_names():
    """Each table's short name: its XLSX sheet (at most 31 characters, whole words) and its CSV file."""
    return {"summary": _("Summary"), "funnel": _("Funnel"), "targets": _("Targets"), "children": _("Units"),
            "leaderboard": _("Leaderboard"), "officers": _("Officers"), "months": _("Coverage by month"),
            "obstacles": _("Obstacles"), "groups": _("Outside, by group"), "outside": _("Outside, by unit"),
            "outreach": _("Outreach")}


def _summary(report):
    rows = [[_("Campaign"), report["campaign"]["name"], ""],
            [_("Unit"), f"{report['unit']['code']} · {report['unit']['name']}", ""],
            [_("Period"), report["period"]["label"], ""],
            [_("Figures as of"), report["period"]["as_of"], ""],
            [_("Campaign elapsed (%)"), _pct(report["elapsed_pct"]), ""]]
    stock, flows, work = report["stock"], report.get("flows"), report["work"]
    reviewed = report.get("reviewed")
    if stock:
        rows += [[_("Insured"), stock["insured"], ""],
                 [_("Registered"), stock["registered"], _pct(stock["verified_share"])],
                 [_("Unregistered"), stock["unregistered"], ""],
                 [_("People using the app (employer channel)"), stock["active"], ""],
                 [_("Registered, not using the app"), stock["not_using"], ""],
                 [_("Using the app, share of registered (%)"), _pct(stock["active_share"]), ""],
                 [_("Coverage (%)"), _pct(reviewed["coverage"]), ""],
                 [_("Departments"), reviewed["departments"], ""],
                 [_("Departments reviewed"), reviewed["departments_reviewed"], ""],
                 [_("Departments reviewed (%)"), _pct(reviewed["reviewed_share"]), ""],
                 [_("Coverage over all departments (%)"), _pct(stock["coverage"]), ""],
                 [_("Employers"), stock["employers"], ""],
                 [_("Employers reviewed"), reviewed["employers"], ""],
                 [_("Employers at 100%"), reviewed["employers_full"], ""],
                 [_("Employers at 100% (%)"), _pct(reviewed["full_share"]), ""]]
    outside = report.get("outside")
    if outside:
        rows += [[_("Registered outside employers (group returns)"), outside["registered"], ""],
                 [_("Registered, all groups"), outside["registered_all"], ""],
                 [_("New voluntary participants registered (%)"), _pct(outside["new_voluntary_rate"]), ""]]
    using = report.get("using")
    if using:
        rows += [[_("Using the app outside employers (group returns)"), using["outside"], ""],
                 [_("People using the app, all groups"), using["all"], ""],
                 [_("Group returns without the count of people using the app"), using["returns_unknown"], ""]]
    moved = flows or work
    if moved:
        rows += [[_("Visits in the period"), moved["visits"], _pct(moved["visits_verified_share"])],
                 [_("Registrations assisted in the period"), moved["registrations"],
                  _pct(moved["registrations_verified_share"])]]
    if work:
        rows += [[_("Employers brought to 100%"), work["employers_full"], ""],
                 [_("Follow-ups done"), work["followups_done"], ""],
                 [_("Follow-ups done on time"), work["followups_on_time"], ""],
                 [_("Obstacles escalated"), work["escalations"], ""]]
    rows += outreach_report.summary_rows(report)
    if report["followups"]:
        rows += [[_("Follow-ups open now"), report["followups"]["open"], ""],
                 [_("Follow-ups overdue now"), report["followups"]["overdue"], ""]]
    return [_("Figure"), _("Value"), _("Verified share (%)")], rows


def _funnel(report):
    """Insured → registered → using the app, with the people lost at each step."""
    stock = report["stock"] or report.get("funnel")
    header = [_("Step"), _("People"), _("Lost before this step"), _("Share of the step above (%)")]
    if not stock:
        return header, []
    return header, [[_("Insured"), stock["insured"], None, None],
                    [_("Registered and approved"), stock["registered"], stock["unregistered"],
                     _pct(stock["registered_share"])],
                    [_("Installed and using the app"), stock["active"], stock["not_using"],
                     _pct(stock["active_share"])]]


def _targets(report):
    header = [_("Metric"), _("Comparison"), _("Target"), _("Children's targets, summed"), _("Achieved"),
              _("Gap"), _("Expected by now"), _("Progress (%)"), _("Status")]
    def value(t, key):  # a percentage target's figures as the page shows them
        return _pct(t[key]) if t["percent"] else t[key]

    return header, [[t["label"], t["comparison_label"], value(t, "target"), t["children_sum"], value(t, "achieved"),
                     value(t, "gap"), value(t, "expected"), _pct(t["progress"]), t["status_label"]]
                    for t in report["targets"]]


def _groups(report):
    outside = report.get("outside")
    return [_("Group"), _("Participants at month end"), _("Registered"), _("Share registered (%)")], [
        [g["label"], g["participants"], g["registered"], _pct(g["share"])] for g in (outside or {}).get("groups", [])]


def _outside(report):
    """The unit, then its children: registered per group and in all, the new voluntary rate against its target."""
    labels = [g["label"] for g in report["outside"]["groups"]] if report.get("outside") else []
    header = [_("Code"), _("Unit"), *labels, _("Registered, all groups"), _("Target"),
              _("New voluntary participants registered in the period (%)"), _("Campaign to date (%)"),
              _("Target (%)"), _("Status")]
    if not report.get("outside"):
        return header, []
    statuses = status_labels()
    own = {t["metric"]: t for t in report["targets"]}
    units = [(report["unit"], report["outside"], own)]
    units += [(c, c["outside"], c["metrics"]) for c in report["children"] if c["kind"] == "stock"]
    rows = []
    for unit, outside, metrics in units:
        everyone, rate = metrics.get("registered_all", {}), metrics.get("new_voluntary_pct", {})
        rows.append([unit["code"], unit["name"], *(g["registered"] for g in outside["groups"]),
                     outside["registered_all"], everyone.get("target"), _pct(outside["new_voluntary_rate"]),
                     _pct(rate.get("achieved")), _pct(rate.get("target")),
                     str(statuses[rate["status"]]) if rate.get("status") else None])
    return header, rows


def _children(report):
    statuses = status_labels()
    rows = report["children"]
    if rows and rows[0]["kind"] == "work":
        header = [_("Code"), _("Unit"), _("Officers"), _("Visits"), _("Verified visits (%)"),
                  _("Registrations assisted"), _("Employers brought to 100%"), _("Follow-ups done"),
                  _("Follow-ups done on time"), _("Obstacles escalated"), _("Progress (%)"), _("Status")]
        return header, [[c["code"], c["name"], c["officers"], c["visits"], _pct(c["visits_verified_share"]),
                         c["registrations"], c["employers_full"], c["followups_done"], c["followups_on_time"],
                         c["escalations"], _pct(c["progress"]), str(statuses[c["status"]])] for c in rows]
    header = [_("Code"), _("Unit"), _("Insured"), _("Registered"), _("Unregistered"), _("Coverage (%)"),
              _("Departments reviewed (%)"), _("People using the app (employer channel)"),
              _("People using the app, all groups"), _("Employers"), _("Employers at 100%"), _("Visits"), _("Verified visits (%)"),
              _("Registrations assisted"), _("Follow-ups open"), _("Follow-ups overdue"), _("Progress (%)"),
              _("Status")]
    return header, [[c["code"], c["name"], c["insured"], c["registered"], c["unregistered"],
                     _pct(c["reviewed"]["coverage"]), _pct(c["reviewed"]["reviewed_share"]),
                     c["active"], c["using"]["all"], c["employers"], c["reviewed"]["employers_full"], c["visits"], _pct(c["visits_verified_share"]),
                     c["registrations"], c["followups_open"], c["followups_overdue"], _pct(c["progress"]),
                     str(statuses[c["status"]])] for c in rows]


def _leaderboard(report):
    board = report["leaderboard"]
    header = [_("Rank"), _("Code"), _("Unit"), _("Progress (%)"), _("Achieved"), _("Target"), _("Status")]
    rows = [[r["rank"], r["code"], r["name"], _pct(r["progress"]), r["achieved"], r["target"], r["status_label"]]
            for r in board["rows"]]
    return header, rows + ([[], [board["basis"]]] if rows else [])


def _officers(report):
    header = [_("Rank"), _("Officer"), _("Unit"), _("Visits"), _("Verified visits (%)"), _("Registrations assisted"),
              _("Employers brought to 100%"), _("Follow-ups done"), _("Follow-ups done on time"),
              _("Obstacles escalated")]
    board = report["officers"] or {"rows": [], "basis": ""}
    rows = [[o["rank"], o["name"], o["unit_code"], o["visits"], _pct(o["visits_verified_share"]), o["registrations"],
             o["employers_full"], o["followups_done"], o["followups_on_time"], o["escalations"]]
            for o in board["rows"]]
    return header, rows + ([[], [board["basis"]]] if rows else [])


def _months(report):
    return [_("Month"), _("As of"), _("Insured"), _("Registered"), _("Coverage (%)"),
            _("People using the app (employer channel)")], [
        [m["label"], m["as_of"], m["insured"], m["registered"], _pct(m["coverage"]), m["active"]]
        for m in report["months"]]


def _obstacles(report):
    return [_("Obstacle"), _("Obstacles"), _("People affected")], [
        [o["label"], o["obstacles"], o["people"]] for o in report["obstacles"]]


BUILDERS = {"summary": _summary, "funnel": _funnel, "targets": _targets, "groups": _groups, "outside": _outside,
            "children": _children, "leaderboard": _leaderboard, "officers": _officers, "months": _months,
            "obstacles": _obstacles, "outreach": outreach_report.table}


def tables(report, names=TABLES):
    """[(name, title, header, rows)] of the report, leaving out empty ones (except the summary)."""
    titles = table_titles()
    out = []
    for name in names:
        header, rows = BUILDERS[name](report)
        if rows or name == "summary":
            out.append((name, titles[name], header, rows))
    return out


def report_sheets(report, names=TABLES):
    """[(short name, header, rows)] of the report's tables, as files and sheets name them."""
    short = sheet_names()
    return [(short[name], header, rows) for name, _title, header, rows in tables(report, names)]


def report_file(report, fmt, names=TABLES):
    """(body, extension) of the tables: an XLSX, a ZIP of CSV files, or CSV (several tables: the ZIP)."""
    sheets = [Sheet(name, header, rows) for name, header, rows in report_sheets(report, names)]
    if fmt == "xlsx":
        return xlsx_bytes(sheets), "xlsx"
    if fmt == "zip" or len(sheets) > 1:
        return csv_zip(sheets), "zip"
    text = io.StringIO()
    write_csv(text, sheets[0])
    return text.getvalue().encode("utf-8"), "csv"
