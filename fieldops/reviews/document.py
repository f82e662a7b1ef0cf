"""The dossier's printed content, as plain values in Vietnamese, from its
snapshot (fieldops/reviews/dossier.py) and nothing else: the PDF and its print
preview render this with pdf/dossier.html.

Every document of the dossier is in the official layout (Decree 30/2020): the
issuing body and the national motto block, the document's number and date, the
signer's title and full name (the unit's settings, fieldops/reviews/paper.py),
"Nơi nhận" on the letter; every page carries the verification code, its full
address (FIELDOPS_PUBLIC_URL) and that address as a QR code."""
import base64
import io
from datetime import date, datetime
from functools import lru_cache

from flask import current_app

from flask_babel import force_locale

from fieldops.core.translations import gettext as _
from fieldops.outreach.labels import kind_labels as outreach_kind_labels
from fieldops.outreach.models import OutreachKind
from fieldops.progress.format import figure, pct
from fieldops.progress.labels import metric_labels
from fieldops.progress.models import Metric
from fieldops.reviews import criteria as rules
from fieldops.reviews.labels import KIND_VI, applies_labels, figure_labels, nomination_state_labels
from fieldops.reviews.models import NomineeKind, ReviewKind

NATIONAL_AGENCY = "Bảo hiểm xã hội Việt Nam"


@lru_cache(maxsize=1)
def _covered() -> frozenset:
    """The characters every face of the bundled font has."""
    from fontTools.ttLib import TTFont

    from fieldops.core.pdf import FONT_DIR

    faces = [set(TTFont(path).getBestCmap()) for path in sorted(FONT_DIR.glob("NotoSerif-*.ttf"))]
    return frozenset(set.intersection(*faces) | {ord("\n"), ord("\t")})


def printable(value):
    """Plain values with every character the bundled font lacks (an emoji, a math
    sign typed into a report) shown as "?", so no other font is ever embedded.
    The snapshot keeps the text as typed."""
    if isinstance(value, str):
        covered = _covered()
        return value if all(ord(ch) in covered for ch in value) else "".join(
            ch if ord(ch) in covered else "?" for ch in value)
    if isinstance(value, dict):
        return {k: printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(printable(v) for v in value)
    return value


def _date(text):
    return date.fromisoformat(text) if text else None


def figure_rows(f: dict, kind: str) -> list:
    """[(label, value)] of a nominee's figures, as printed."""
    labels = figure_labels()
    rows = []
    if kind == NomineeKind.collective:
        rows.append((str(labels["officers"]), figure(f.get("officers", 0))))
    rows += [
        (str(labels["visits"]), figure(f["visits"])),
        (str(labels["registrations"]), figure(f["registrations"])),
        (str(labels["employers_full"]), figure(f["employers_full"])),
        (str(labels["coverage"]), _("%(pct)s (%(registered)s of %(insured)s insured, %(employers)s employers)",
                                    pct=pct(f["coverage"]), registered=figure(f["coverage_registered"]),
                                    insured=figure(f["coverage_insured"]), employers=figure(f["coverage_employers"]))),
        (str(labels["followups_on_time"]), _("%(on_time)s of %(done)s (%(pct)s)", on_time=figure(f["followups_on_time"]),
                                             done=figure(f["followups_done"]), pct=pct(f["on_time_share"]))),
        (str(labels["escalations"]), figure(f["escalations"])),
        (str(labels["returned_uncorrected"]), figure(f["returned_uncorrected"])),
    ]
    if "outreach_verified" in f:  # figures frozen before outreach was counted have none
        rows.append((str(labels["outreach_verified"]), figure(f["outreach_verified"])))
    return rows


def target_rows(f: dict) -> list:
    labels = metric_labels()
    return [{"label": str(labels[Metric(t["metric"])]), "target": figure(t["target"]), "achieved": figure(t["achieved"]),
             "met": _("Met") if t["met"] else _("Not met")} for t in f.get("targets") or []]


def _nominee(n: dict) -> dict:
    states = nomination_state_labels()
    outreach_kinds = outreach_kind_labels()
    results = [r | {"verdict": _("Passed") if r["passed"] else _("Not passed")}
               for r in rules.annotate(n["results"])]
    decision = n.get("decision")
    return {
        "kind": n["kind"], "name": n["name"], "unit_code": n["unit_code"], "unit_name": n["unit_name"],
        "title": n["title"], "state": str(states[n["state"]]), "eligible": n["eligible"],
        "figure_rows": figure_rows(n["figures"], n["kind"]), "targets": target_rows(n["figures"]),
        "results": results,
        "failing": [r["criterion"] for r in results if not r["passed"]],
        "justification": n.get("justification") or "",
        "revocation": None if not n.get("revocation") else n["revocation"] | {"on": _date(n["revocation"]["on"])},
        "head": n.get("head") or {},
        "paragraphs": [p.strip() for p in (n["narrative"] or "").split("\n") if p.strip()],
        "months": [{"label": f"{m['month'][5:]}/{m['month'][:4]}", "visits": figure(m["visits"]),
                    "registrations": figure(m["registrations"])} for m in n["months"]],
        "top_employers": [{"unit_code": e["unit_code"], "name": e["name"], "visits": figure(e["visits"]),
                           "registrations": figure(e["registrations"])} for e in n["top_employers"]],
        "employers_visited": figure(n["employers_visited"]),
        "registrations": figure(n["figures"]["registrations"]),
        "visits": figure(n["figures"]["visits"]),
        "outreach": [{"date": _date(a["date"]), "kind": str(outreach_kinds[OutreachKind(a["kind"])]),
                      "place": a["place"], "people": figure(a["people"]), "registrations": figure(a["registrations"])}
                     for a in n.get("outreach", [])],
        "outreach_verified": figure(n["figures"].get("outreach_verified", 0)),
        "endorsement": None if not n.get("endorsement") else n["endorsement"] | {"on": _date(n["endorsement"]["on"])},
        "decision": None if not decision else {
            "for": decision["for"], "against": decision["against"], "abstain": decision["abstain"],
            "total": decision["for"] + decision["against"] + decision["abstain"], "note": decision["note"],
            "approved": decision["state"] == "approved",
            "verdict": _("Approved") if decision["state"] == "approved" else _("Rejected"), "on": _date(decision["on"])},
    }


def verify_url(code: str) -> str:
    return f"{current_app.config['FIELDOPS_PUBLIC_URL'].rstrip('/')}/verify/{code}"


def qr_data_uri(text: str) -> str:
    """The text as a QR code, an SVG (0.45 mm a module) WeasyPrint draws, as a data: URI."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="svg", scale=0.45, unit="mm", border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _headers(snapshot: dict, code_prefix: str, issued_on: date, held_on: date | None) -> dict:
    """The motto block of each document: the letter and the list are the unit's, the
    minutes the organising unit's council's."""
    unit, period = snapshot["unit"], snapshot["period"]
    agency = {"agency_parent": unit["parent"] or "",
              "agency_name": unit["name"] if unit["parent"] else NATIONAL_AGENCY}
    blank = "\u00a0" * 10
    return {
        "letter": agency | {"doc_number": f"{blank}/TTr-{code_prefix}", "place": unit["place"], "date": issued_on},
        "list": agency | {"doc_number": f"{blank}/DS-{code_prefix}", "place": unit["place"], "date": issued_on},
        "report": agency | {"doc_number": "", "place": unit["place"], "date": issued_on},
        "minutes": {"agency_parent": period["organiser"]["name"],
                    "agency_name": "Hội đồng Thi đua – Khen thưởng",
                    "doc_number": f"{blank}/BB-HĐTĐKT", "place": unit["place"], "date": held_on or issued_on},
    }


def context(snapshot: dict, code: str, issued_on: date) -> dict:
    """Everything pdf/dossier.html prints, as plain values, in Vietnamese."""
    with force_locale("vi"):
        period, unit = snapshot["period"], snapshot["unit"]
        nominees = [_nominee(n) for n in snapshot["nominees"]]
        applies = applies_labels()
        criteria = [{"text": rules.describe(c["rule"], c["threshold"], c.get("metric", "")),
                     "applies": str(applies[c["applies_to"]])} for c in snapshot["criteria"]]
        decided = [n for n in nominees if n["decision"]]
        doc = {
            "kind": KIND_VI[ReviewKind(period["kind"])], "campaign": period["campaign"],
            "cut_off": _date(period["cut_off"]), "counts_from": _date(period["counts_from"]),
            "closed": period["state"] == "closed", "organiser": period["organiser"]["name"],
            "unit_name": unit["name"], "unit_code": unit["code"], "criteria": criteria, "nominees": nominees,
            "collectives": [n for n in nominees if n["kind"] == NomineeKind.collective],
            "individuals": [n for n in nominees if n["kind"] == NomineeKind.individual],
            "decided": decided, "approved": [n for n in decided if n["decision"]["approved"]],
            "verify_path": verify_url(code), "code": code,
            "overrides": sum(1 for n in nominees if n["justification"]),
            "revoked": [n for n in nominees if n["revocation"]],
        }
    council = snapshot.get("council") or {}
    held_at = datetime.fromisoformat(council["held_at"]) if council.get("held_at") else None
    if held_at is not None:
        from fieldops.timeutil import to_local

        held_at = to_local(held_at)
    doc["council"] = {"held_at": held_at, "place": council.get("place", ""), "chair": council.get("chair", ""),
                      "secretary": council.get("secretary", ""), "attendees": council.get("attendees", [])}
    doc["signer"] = snapshot.get("signer") or {"title": "", "name": "", "recipients": ""}
    doc["recipients"] = [line for line in (doc["signer"]["recipients"] or "").split("\n") if line.strip()]
    headers = _headers(snapshot, unit["code"], issued_on, held_at.date() if held_at else None)
    url = verify_url(code)
    return printable({"header": headers["letter"], "headers": headers, "doc": doc, "verification_code": code,
                      "verification_url": url, "verification_qr": qr_data_uri(url)})
