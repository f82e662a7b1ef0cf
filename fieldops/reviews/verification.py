"""What a verification code resolves to: the dossier's snapshot, whether the
stored snapshot still has its SHA-256, and — nominee by nominee — whether
today's records still give what the dossier printed (recomputed with the
period's basis: as of its closing for a closed period, now for an open one):
the figures, the months and employers behind them, and the award itself
(revoked since, or no longer in force).

`public_view` is what anyone holding the paper sees without signing in: only
what the paper prints, and whether each award still stands."""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from fieldops.auth.models import User
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.reviews import standings
from fieldops.reviews.dossier import officers_of_units, sha256_of, visit_summaries
from fieldops.reviews.evaluation import Basis
from fieldops.reviews.models import Dossier, Nomination, NominationState, NomineeKind

# The figures compared, in the order shown.
COMPARED = ("officers", "visits", "registrations", "employers_full", "coverage_registered", "coverage_insured",
            "coverage", "followups_done", "followups_on_time", "escalations", "returned_uncorrected",
            "outreach_verified")
# Printed beside the figures: the verified visits behind them.
BREAKDOWN = ("months", "top_employers", "employers_visited")


def _targets_met(figures):
    return [(t["metric"], t["met"]) for t in figures.get("targets") or []]


def _awards(nominees) -> dict:
    """{nomination id: (state, revocation)} as the records stand today."""
    ids = [n["nomination_id"] for n in nominees]
    out = {}
    for start in range(0, len(ids), 500):
        for n in db.session.scalars(sa.select(Nomination).where(Nomination.id.in_(ids[start:start + 500]))):
            revocation = None if n.revoked_at is None else {
                "reason": n.revoke_reason, "number": n.revoke_decision_number, "on": n.revoke_decision_date}
            out[n.id] = (str(n.state), revocation)
    return out


def _breakdowns_today(period, nominees) -> dict:
    """{key: the visits behind the figures, read from today's records with the period's basis}."""
    units = officers_of_units([n["subject_id"] for n in nominees if n["kind"] == NomineeKind.collective])
    wanted = {n["key"]: [n["subject_id"]] if n["kind"] == NomineeKind.individual else units.get(n["subject_id"], [])
              for n in nominees}
    return visit_summaries(Basis.of(period), wanted) if wanted else {}


def compare(dossier: Dossier) -> dict:
    """{"sha_ok", "agrees", "nominees": [{"name", "title", "found", "rows": [{"key", "printed", "today",
    "agrees"}], "agrees", "state", "revocation", ...}], "changed": [(nominee name, what)]}."""
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
    behind = _breakdowns_today(period, nominees)
    awards = _awards(nominees)
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
        summary = behind.get(n["key"], {})
        for key in BREAKDOWN:
            if key in n and n[key] != summary.get(key):
                changed.append((n["name"], key))
        state, revocation = awards.get(n["nomination_id"], (None, None))
        award_changed = state != n["state"]
        if award_changed:
            changed.append((n["name"], "award"))
        agrees = now is not None and all(r["agrees"] for r in rows) and not award_changed and all(
            n.get(key) == summary.get(key) for key in BREAKDOWN if key in n)
        changed += [(n["name"], r["key"]) for r in rows if not r["agrees"]]
        out.append({"name": n["name"], "kind": n["kind"], "title": n["title"], "unit_code": n["unit_code"],
                    "found": now is not None, "rows": rows, "agrees": agrees, "eligible": n["eligible"],
                    "eligible_today": now["eligible"] if now else None, "printed_state": n["state"],
                    "state": state, "revocation": revocation, "justification": n.get("justification") or "",
                    "months": n.get("months", []), "months_today": summary.get("months", [])})
    sha_ok = sha256_of(snapshot) == dossier.snapshot_sha256
    return {"sha_ok": sha_ok, "agrees": sha_ok and all(n["agrees"] for n in out), "nominees": out,
            "changed": changed}


def public_view(dossier: Dossier, check: dict) -> dict:
    """What the paper prints, and whether each award still stands: nothing else of the snapshot."""
    from fieldops.reviews.document import figure_rows

    snapshot = dossier.snapshot
    period, unit = snapshot["period"], snapshot["unit"]
    nominees = []
    for n, c in zip(snapshot["nominees"], check["nominees"]):
        revocation = c["revocation"]
        nominees.append({
            "name": n["name"], "title": n["title"], "unit_code": n["unit_code"], "kind": n["kind"],
            "figures": figure_rows(n["figures"], n["kind"]), "justification": n.get("justification") or "",
            "agrees": c["agrees"] and check["sha_ok"], "withdrawn": c["state"] in (None, NominationState.withdrawn),
            "revocation": None if revocation is None else {"number": revocation["number"], "on": revocation["on"]},
        })
    return {"unit": {"code": unit["code"], "name": unit["name"]},
            "period": {"kind": period["kind"], "campaign": period["campaign"], "organiser": period["organiser"]["name"],
                       "counts_from": period["counts_from"], "cut_off": period["cut_off"]},
            "code": dossier.verification_code, "agrees": check["agrees"], "nominees": nominees}
