"""The printable leadership report: a unit's progress for a period, in the
official layout (fieldops/core/pdf.py), with its tables and its charts as
inline SVG. Built in Vietnamese, from the same plain report as the dashboard."""
import re
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale

from fieldops.core.pdf import render_html, render_pdf
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.progress.dashboard import unit_report
from fieldops.progress.exports import tables

NATIONAL_AGENCY = "Bảo hiểm xã hội Việt Nam"
_AGENCY_PREFIX = re.compile(r"^(bảo hiểm xã hội|bhxh)\s+", re.I)
_PLACE_PREFIX = re.compile(r"^(thành phố|tỉnh|quận|huyện|thị xã)\s+", re.I)


def place_of(unit: OrgUnit) -> str:
    """Where the document is issued: the province of the unit, by its name."""
    ids = unit.ancestor_ids
    province = db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.id.in_(ids), OrgUnit.level == UnitLevel.province)
    ).first()
    if province is None:
        return "Hà Nội"
    name = _AGENCY_PREFIX.sub("", province.name.strip())
    return _PLACE_PREFIX.sub("", name) or province.name


def header_for(unit: OrgUnit, today: date) -> dict:
    parent = unit.parent
    return {
        "agency_parent": parent.name if parent is not None else "",
        "agency_name": unit.name if parent is not None else NATIONAL_AGENCY,
        "doc_number": "",
        "place": place_of(unit),
        "date": today,
    }


def report_context(unit, campaign, period, today, rank="overall") -> dict:
    """Everything the report template prints, as plain values, in Vietnamese."""
    with force_locale("vi"):
        report = unit_report(unit, campaign, period, today, rank)
        sections = [{"name": name, "title": title, "header": header, "rows": rows}
                    for name, title, header, rows in tables(report)]
    return {"header": header_for(unit, today), "report": report, "sections": sections,
            "verification_code": None}


def report_pdf(unit, campaign, period, today, rank="overall") -> bytes:
    return render_pdf("pdf/progress_report.html", **report_context(unit, campaign, period, today, rank))


def report_html(unit, campaign, period, today, rank="overall") -> str:
    return render_html("pdf/progress_report.html", **report_context(unit, campaign, period, today, rank))


def file_name(unit, period, fmt) -> str:
    safe = re.sub(r"[^A-Za-z0-9-]+", "-", unit.code)
    return f"tien-do-{safe}-{period.code}.{fmt}"
