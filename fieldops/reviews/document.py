"""The dossier's printed content, as plain values in Vietnamese, from its
snapshot (fieldops/reviews/dossier.py) and nothing else: the PDF and its print
preview render this with pdf/dossier.html."""
from datetime import date
from functools import lru_cache

from flask_babel import force_locale
from flask_babel import gettext as _

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


def context(snapshot: dict, code: str, issued_on: date) -> dict:
    """Everything pdf/dossier.html prints, as plain values, in Vietnamese."""
    with force_locale("vi"):
        period, unit = snapshot["period"], snapshot["unit"]
        nominees = [_nominee(n) for n in snapshot["nominees"]]
        applies = applies_labels()
        criteria = [{"text": rules.describe(c["rule"], c["threshold"]), "applies": str(applies[c["applies_to"]])}
                    for c in snapshot["criteria"]]
        decided = [n for n in nominees if n["decision"]]
        doc = {
            "kind": KIND_VI[ReviewKind(period["kind"])], "campaign": period["campaign"],
            "cut_off": _date(period["cut_off"]), "counts_from": _date(period["counts_from"]),
            "closed": period["state"] == "closed", "organiser": period["organiser"]["name"],
            "unit_name": unit["name"], "unit_code": unit["code"], "criteria": criteria, "nominees": nominees,
            "collectives": [n for n in nominees if n["kind"] == NomineeKind.collective],
            "individuals": [n for n in nominees if n["kind"] == NomineeKind.individual],
            "decided": decided, "approved": [n for n in decided if n["decision"]["approved"]],
            "verify_path": f"/verify/{code}", "code": code,
        }
    header = {"agency_parent": unit["parent"] or "", "agency_name": unit["name"] if unit["parent"] else NATIONAL_AGENCY,
              "doc_number": "\u00a0" * 10 + f"/TTr-{unit['code']}", "place": unit["place"], "date": issued_on}
    return printable({"header": header, "doc": doc, "verification_code": code})
