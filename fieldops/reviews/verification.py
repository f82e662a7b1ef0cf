"""What a verification code resolves to: the dossier's snapshot, whether the
stored snapshot still has its SHA-256, and — figure by figure — whether today's
records still give what the dossier printed (recomputed with the period's
basis: as of its closing for a closed period, now for an open one)."""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from fieldops.auth.models import User
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.reviews import standings
from fieldops.reviews.dossier import sha256_of
from fieldops.reviews.models import Dossier, NomineeKind

# The figures compared, in the order shown.
COMPARED = ("officers", "visits", "registrations", "employers_full", "coverage_registered", "coverage_insured",
            "coverage", "followups_done", "followups_on_time", "escalations", "returned_uncorrected",
            "outreach_verified")


def _targets_met(figures):
    return [(t["metric"], t["met"]) for t in figures.get("targets") or []]


def compare(dossier: Dossier) -> dict:
    """{"sha_ok", "agrees", "nominees": [{"name", "title", "found", "rows": [{"key", "printed", "today",
    "agrees"}], "agrees"}], "changed": [(nominee name, figure key)]}."""
    snapshot = dossier.snapshot
    period = dossier.period
    nominees = snapshot.get("nominees", [])
    user_ids = [n["subject_id"] for n in nominees if n["kind"] == NomineeKind.individual]
    unit_ids = [n["subject_id"] for n in nominees if n["kind"] == NomineeKind.collective]
    people = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_(user_ids)).options(selectinload(User.org_unit)))} if user_ids else {}
    units = {u.id: u for u in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.id.in_(unit_ids)))} if unit_ids else {}
    found_people = [people[i] for i in user_ids if i in people]
    found_units = [units[i] for i in unit_ids if i in units]
    today = {item["key"]: item for item in standings.live(period, period.org_unit, people=found_people,
                                                          units=found_units)} if (found_people or found_units) else {}
    out, changed = [], []
    for n in nominees:
        now = today.get(n["key"])
        rows = []
        for key in COMPARED:
            if key not in n["figures"]:
                continue
            printed = n["figures"][key]
            current = now["figures"].get(key) if now else None
            rows.append({"key": key, "printed": printed, "today": current, "agrees": now is not None and printed == current})
        if _targets_met(n["figures"]) or (now and _targets_met(now["figures"])):
            printed, current = _targets_met(n["figures"]), _targets_met(now["figures"]) if now else None
            rows.append({"key": "targets", "printed": sum(1 for _m, met in printed if met),
                         "today": None if current is None else sum(1 for _m, met in current if met),
                         "agrees": printed == current})
        agrees = now is not None and all(r["agrees"] for r in rows)
        changed += [(n["name"], r["key"]) for r in rows if not r["agrees"]]
        out.append({"name": n["name"], "kind": n["kind"], "title": n["title"], "unit_code": n["unit_code"],
                    "found": now is not None, "rows": rows, "agrees": agrees, "eligible": n["eligible"],
                    "eligible_today": now["eligible"] if now else None})
    sha_ok = sha256_of(snapshot) == dossier.snapshot_sha256
    return {"sha_ok": sha_ok, "agrees": sha_ok and all(n["agrees"] for n in out), "nominees": out,
            "changed": changed}
