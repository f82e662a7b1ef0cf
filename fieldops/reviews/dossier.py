"""The commendation dossier of a review period and unit: the snapshot of what it
prints (plain values), its SHA-256, a verification code, and the PDF rendered
once from that snapshot in the official layout (fieldops/core/pdf.py).

Which nominations: every nomination of the period not withdrawn whose nominee
belongs to the unit's subtree; collectives first, then individuals, by name.
Their figures: frozen ones for a closed period, evaluated now for an open one
(fieldops/reviews/standings.py); the summary of the visits behind them (visits
and registrations per month, the top employers) with the same basis, so the
months add up to the figures.

For a closed period everything printed beside the figures — the months, the
employers and the visits behind them — is also the one frozen at closing
(ReviewFigure.breakdown), so later changes to records cannot make the tables
disagree with the figures. The snapshot holds no time of generation and no
code, so the same records give the same snapshot and the same SHA-256:
regenerating a closed period's dossier whose snapshot has not changed gives the
same dossier (its code and its document) again.
"""
import hashlib
import json
import secrets
import base64
from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from flask import current_app

from fieldops.audit.operations import record
from fieldops.auth.models import User
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.outreach.figures import verified_activities
from fieldops.reviews import standings
from fieldops.reviews.evaluation import Basis, _prefixes, chunks
from fieldops.reviews.models import (
    ACTIVE_NOMINATION, AwardTitle, Dossier, DossierStatus, Nomination, NominationState, NomineeKind, ReviewPeriod,
    within,
)
from fieldops.reviews.paper import signer_of
from fieldops.reviews.operations import ReviewError
from fieldops.timeutil import utcnow
from fieldops.visits.models import Visit, VisitLine

SNAPSHOT_VERSION = 2
TOP_EMPLOYERS = 5
CODE_LENGTH = 10


def canonical(snapshot: dict) -> bytes:
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sha256_of(snapshot: dict) -> str:
    return hashlib.sha256(canonical(snapshot)).hexdigest()


def new_code() -> str:
    """10 characters of base32 (A–Z, 2–7) from a random token: 50 bits."""
    while True:
        code = base64.b32encode(secrets.token_bytes(10)).decode("ascii")[:CODE_LENGTH]
        if db.session.scalars(sa.select(Dossier.id).where(Dossier.verification_code == code)).first() is None:
            return code


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:CODE_LENGTH + 6]


def nominations_for(period: ReviewPeriod, unit: OrgUnit):
    """The rows a dossier prints: (nomination, title name, nominee name, unit), streamed."""
    from sqlalchemy.orm import aliased

    nominee_unit = aliased(OrgUnit)
    stmt = (
        sa.select(Nomination, AwardTitle.name, sa.func.coalesce(User.full_name, nominee_unit.name), nominee_unit)
        .join(AwardTitle, AwardTitle.id == Nomination.award_title_id)
        .join(nominee_unit, nominee_unit.id == Nomination.org_unit_id)
        .outerjoin(User, User.id == Nomination.user_id)
        .where(Nomination.period_id == period.id, Nomination.state.in_(ACTIVE_NOMINATION),
               nominee_unit.scope_clause(unit))
        .order_by(sa.case((Nomination.kind == NomineeKind.collective, 0), else_=1),
                  sa.func.coalesce(User.full_name, nominee_unit.name), Nomination.id)
    )
    return db.session.execute(stmt.execution_options(yield_per=200))


def count_nominations(period, unit) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Nomination.id)).join(OrgUnit, OrgUnit.id == Nomination.org_unit_id)
        .where(Nomination.period_id == period.id, Nomination.state.in_(ACTIVE_NOMINATION),
               OrgUnit.scope_clause(unit)))


def _iso(value):
    return value.isoformat() if value is not None else None


def _nominee(n: Nomination, title, name, unit):
    endorsement = None if n.endorsed_at is None else {
        "name": n.endorser_name, "note": n.endorsement_note, "on": _iso(n.endorsed_at.date())}
    decision = None if n.decided_at is None else {
        "state": "approved" if n.state == NominationState.revoked else str(n.state), "for": n.votes_for,
        "against": n.votes_against, "abstain": n.votes_abstain, "note": n.decision_note,
        "on": _iso(n.decided_at.date())}
    revocation = None if n.revoked_at is None else {
        "reason": n.revoke_reason, "number": n.revoke_decision_number, "on": _iso(n.revoke_decision_date)}
    return {"nomination_id": n.id, "kind": str(n.kind), "key": n.subject_key, "subject_id": n.user_id or n.org_unit_id,
            "name": name, "unit_code": unit.code, "unit_name": unit.name, "title": title, "state": str(n.state),
            "narrative": n.narrative, "endorsement": endorsement, "decision": decision,
            "justification": n.justification, "revocation": revocation,
            "head": signer_of(unit) if n.kind == NomineeKind.collective else None}


def visit_summaries(basis: Basis, officers_of: dict) -> dict:
    """{key: {"months": [...], "top_employers": [...]}} for {key: [officer ids]}: the
    verified visits behind each nominee's figures, per month and per employer."""
    wanted = sorted({o for ids in officers_of.values() for o in ids})
    per_month = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    per_employer = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for ids in chunks(wanted):
        where = sa.and_(Visit.officer_id.in_(ids), basis.verified())
        newly = (sa.select(VisitLine.visit_id, sa.func.sum(VisitLine.newly_registered).label("newly"))
                 .group_by(VisitLine.visit_id).subquery())
        stmt = (sa.select(Visit.officer_id, Visit.visit_date, Visit.employer_id, newly.c.newly)
                .outerjoin(newly, newly.c.visit_id == Visit.id).where(where))
        for officer_id, day, employer_id, count in db.session.execute(stmt.execution_options(yield_per=1000)):
            month = per_month[officer_id][(day.year, day.month)]
            month[0] += 1
            month[1] += int(count or 0)
            employer = per_employer[officer_id][employer_id]
            employer[0] += 1
            employer[1] += int(count or 0)
    out, names_needed = {}, set()
    for key, ids in officers_of.items():
        months, employers = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
        for officer_id in ids:
            for m, (v, r) in per_month.get(officer_id, {}).items():
                months[m][0] += v
                months[m][1] += r
            for e, (v, r) in per_employer.get(officer_id, {}).items():
                employers[e][0] += v
                employers[e][1] += r
        top = sorted(employers.items(), key=lambda item: (-item[1][1], -item[1][0], item[0]))[:TOP_EMPLOYERS]
        names_needed |= {e for e, _v in top}
        out[key] = {"months": [{"month": f"{y}-{m:02d}", "visits": v, "registrations": r}
                               for (y, m), (v, r) in sorted(months.items())],
                    "top_employers": [{"employer_id": e, "visits": v, "registrations": r} for e, (v, r) in top],
                    "employers_visited": len(employers)}
    names = {}
    for ids in chunks(names_needed):
        for employer_id, code, name in db.session.execute(
                sa.select(Employer.id, Employer.unit_code, Employer.name).where(Employer.id.in_(ids))):
            names[employer_id] = (code, name)
    for summary in out.values():
        for row in summary["top_employers"]:
            code, name = names.get(row["employer_id"], ("", ""))
            row["unit_code"], row["name"] = code, name
    return out


def officers_of_units(unit_ids) -> dict:
    """{unit id: [officer ids of its subtree]}."""
    from fieldops.auth.models import Role

    units = {u.id: u for u in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.id.in_(list(unit_ids))))}
    out = {uid: [] for uid in units}
    if not units:
        return out
    top = min(units.values(), key=lambda u: len(u.path))
    common = top.path if all(u.path.startswith(top.path) for u in units.values()) else "/"
    rows = db.session.execute(sa.select(User.id, OrgUnit.path).join(OrgUnit, OrgUnit.id == User.org_unit_id)
                              .where(User.role == Role.officer, OrgUnit.path.startswith(common, autoescape=True)))
    by_path = {unit.path: uid for uid, unit in units.items()}
    for officer_id, path in rows:
        # A walk up the officer's path, not a scan of every unit.
        for prefix in _prefixes(path):
            if prefix in by_path:
                out[by_path[prefix]].append(officer_id)
    return out


def build_snapshot(period: ReviewPeriod, unit: OrgUnit, report=None) -> dict:
    from fieldops.progress.report import place_of

    from sqlalchemy.orm import selectinload

    nominees, units = [], {}
    for nomination, title, name, nominee_unit in nominations_for(period, unit):
        nominees.append(_nominee(nomination, title, name, nominee_unit))
        units[nominee_unit.id] = nominee_unit
    people = {}
    for ids in chunks([n["subject_id"] for n in nominees if n["kind"] == NomineeKind.individual]):
        people.update((u.id, u) for u in db.session.scalars(
            sa.select(User).where(User.id.in_(ids)).options(selectinload(User.org_unit))))
    subjects = [(n["kind"], people[n["subject_id"]] if n["kind"] == NomineeKind.individual else units[n["subject_id"]])
                for n in nominees]
    if report:
        report(15, "figures")
    figures = standings.standings_for(period, subjects)
    collective_ids = [n["subject_id"] for n in nominees if n["kind"] == NomineeKind.collective]
    unit_officers = officers_of_units(collective_ids)
    officers_of = {n["key"]: ([n["subject_id"]] if n["kind"] == NomineeKind.individual
                              else unit_officers.get(n["subject_id"], [])) for n in nominees}
    if report:
        report(30, "visits")
    # A closed review prints the visits behind its figures as frozen; only a nominee
    # without them (an open review) has them read now.
    missing = {key: ids for key, ids in officers_of.items() if not figures[key].get("breakdown")}
    summaries = visit_summaries(Basis.of(period), missing) if missing else {}
    for n in nominees:
        standing = figures[n["key"]]
        n.update(figures=standing["figures"], results=standing["results"], eligible=standing["eligible"],
                 **(standing.get("breakdown") or summaries[n["key"]]))
    for n, (_kind, subject) in zip(nominees, subjects):
        n["outreach"] = verified_activities(subject, Basis.of(period))  # the activities behind "outreach_verified"
    campaign, organiser = period.campaign, period.org_unit
    return {
        "version": SNAPSHOT_VERSION,
        "period": {"id": period.id, "kind": str(period.kind), "state": str(period.state),
                   "cut_off": _iso(period.cut_off), "counts_from": _iso(campaign.counts_from),
                   "campaign": campaign.name, "closed_at": _iso(period.closed_at),
                   "organiser": {"code": organiser.code, "name": organiser.name}},
        "unit": {"id": unit.id, "code": unit.code, "name": unit.name, "level": str(unit.level),
                 "parent": unit.parent.name if unit.parent is not None else "", "place": place_of(unit)},
        "signer": signer_of(unit),
        "council": {"held_at": _iso(period.council_held_at), "place": period.council_place,
                    "chair": period.council_chair, "secretary": period.council_secretary,
                    "attendees": [a for a in period.council_attendees.split("\n") if a]},
        "criteria": [{"id": c.id, "rule": str(c.rule), "applies_to": str(c.applies_to), "metric": c.metric,
                      "threshold": None if c.threshold is None else str(c.threshold)} for c in period.criteria],
        "nominees": nominees,
    }


def layout_plan(nominees: int) -> tuple[int, int]:
    """(parts, processes) a dossier is laid out in: a small one whole, here; a long
    one in parts of about DOSSIER_PART_NOMINEES reports each (a process holds one
    part's pages at a time, not the whole document's), by up to
    DOSSIER_RENDER_PROCESSES processes at once (default: the machine's cores, at
    most 4)."""
    import os

    if nominees < current_app.config.get("DOSSIER_SPLIT_MIN", 40) or not hasattr(os, "fork"):
        return 1, 1
    per_part = max(1, current_app.config.get("DOSSIER_PART_NOMINEES", 50))
    processes = max(1, current_app.config.get("DOSSIER_RENDER_PROCESSES") or min(os.cpu_count() or 1, 4))
    return max(-(-nominees // per_part), processes), processes


def render(snapshot: dict, code: str, issued_on: date):
    """(PDF bytes, page count) of the dossier, each page laid out once. A long
    dossier is laid out in consecutive parts, in parallel: the letter and the list
    with the first reports, then the next reports, ..., the last reports with the
    minutes."""
    from fieldops.core.pdf import render_html, write_pdf, write_pdf_parts
    from fieldops.reviews.document import context

    values = context(snapshot, code, issued_on)
    n = len(values["doc"]["nominees"])
    parts, processes = layout_plan(n)
    if parts == 1:
        return write_pdf(render_html("pdf/dossier.html", **values))
    bounds = [round(n * i / parts) for i in range(parts + 1)]
    return write_pdf_parts([
        render_html("pdf/dossier.html", part={"front": i == 0, "minutes": i == parts - 1,
                                              "first": bounds[i], "last": bounds[i + 1]}, **values)
        for i in range(parts)], processes)


def preview_html(dossier: Dossier) -> str:
    from fieldops.core.pdf import render_html
    from fieldops.reviews.document import context
    from fieldops.timeutil import to_local

    return render_html("pdf/dossier.html", **context(dossier.snapshot, dossier.verification_code,
                                                     to_local(dossier.generated_at).date()))


def generate_dossier(actor, period: ReviewPeriod, unit: OrgUnit, now=None, report=None) -> Dossier:
    """A new version of the dossier of this period and unit (a draft), its PDF rendered."""
    from fieldops.auth.models import Role
    from fieldops.timeutil import to_local

    # actor None: the command line (batch printing), run by whoever runs the server.
    if actor is not None and actor.role != Role.hr:
        raise ReviewError("not_allowed")
    if not within(unit, period.org_unit) or (actor is not None and not within(unit, actor.org_unit)):
        raise ReviewError("outside_review")
    limit = current_app.config.get("DOSSIER_MAX_NOMINEES", 250)
    if count_nominations(period, unit) > limit:
        # The snapshot, the HTML and the PDF are held whole, and a long dossier takes
        # a few processes for a while: a cap keeps a worker's memory and time bounded.
        raise ReviewError("too_many", limit=limit)
    now = now or utcnow()
    snapshot = build_snapshot(period, unit, report)
    if not period.is_open:
        same = db.session.scalars(sa.select(Dossier).where(
            Dossier.period_id == period.id, Dossier.org_unit_id == unit.id).order_by(Dossier.version.desc())).first()
        if same is not None and same.snapshot_sha256 == sha256_of(snapshot):
            # Frozen: the same snapshot is the same document, under the code already printed.
            same.reused = True
            return same
    code = new_code()
    if report:
        report(45, "rendering")
    pdf, pages = render(snapshot, code, to_local(now).date())
    if report:
        report(95, "saving")
    version = (db.session.scalar(sa.select(sa.func.max(Dossier.version)).where(
        Dossier.period_id == period.id, Dossier.org_unit_id == unit.id)) or 0) + 1
    dossier = Dossier(period_id=period.id, org_unit_id=unit.id, version=version, status=DossierStatus.draft,
                      snapshot=snapshot, snapshot_sha256=sha256_of(snapshot), verification_code=code,
                      nominees=len(snapshot["nominees"]), pages=pages, size=len(pdf), pdf=pdf,
                      generated_by_id=actor.id if actor else None, generated_at=now)
    db.session.add(dossier)
    db.session.flush()
    record("dossier.generate", actor=actor, obj=dossier, actor_name=None if actor else "cli",
           after={"period_id": period.id, "org_unit_id": unit.id, "version": version, "code": code,
                  "sha256": dossier.snapshot_sha256, "nominees": dossier.nominees, "pages": pages})
    return dossier


def file_name(dossier: Dossier) -> str:
    """In Vietnamese, without diacritics: ho-so-so-ket-HT-2023.pdf (then -ban-2, -ban-3 … for later versions)."""
    import re

    safe = re.sub(r"[^A-Za-z0-9-]+", "-", dossier.org_unit.code).strip("-")
    kind = "so-ket" if dossier.period.kind == "interim" else "tong-ket"
    version = f"-ban-{dossier.version}" if dossier.version > 1 else ""
    return f"ho-so-{kind}-{safe}-{dossier.period.cut_off.year}{version}.pdf"
