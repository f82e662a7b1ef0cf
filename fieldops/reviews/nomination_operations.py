"""State changes of nominations, from the proposal to the council's decision
(NOMINATION in fieldops/reviews/models.py; the revocation of an award is in
fieldops/reviews/award_operations.py). Like fieldops/reviews/operations.py: each
checks who may act and the state, takes its step (a conditional UPDATE and its
audit event) and flushes; the view commits."""
import hashlib

import sqlalchemy as sa

from fieldops.audit.operations import record
from fieldops.auth.models import Role
from fieldops.extensions import db
from fieldops.org.models import UnitLevel
from fieldops.reviews import criteria as rules
from fieldops.reviews import standings
from fieldops.reviews.models import (
    JUSTIFICATION_MAX, MAX_VOTES, NAME_MAX, NARRATIVE_MAX, NOMINATION, NOTE_MAX, NS, Nomination, NomineeKind, within,
)
from fieldops.reviews.operations import ReviewError, _clean, take_step
from fieldops.timeutil import utcnow


def nomination_snapshot(n: Nomination) -> dict:
    return {"period_id": n.period_id, "kind": str(n.kind), "user_id": n.user_id, "org_unit_id": n.org_unit_id,
            "award_title_id": n.award_title_id, "state": str(n.state), "narrative_chars": len(n.narrative or ""),
            "narrative_sha256": _sha(n.narrative or "")}


def _sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_title(title, kind):
    if title is None or not title.active or not title.fits(kind):
        raise ReviewError("title_unfit", "award_title_id")


def _check_narrative(narrative):
    narrative = _clean(narrative)
    if len(narrative) > NARRATIVE_MAX:
        raise ReviewError("narrative_too_long", "narrative")
    return narrative


def nominate(actor, period, kind, subject, title, narrative, now=None) -> Nomination:
    """A new nomination of an officer (`subject` a User) or a unit (an OrgUnit) the
    actor can reach (the view finds it through the scoping helper)."""
    if not period.can_nominate(actor):
        raise ReviewError("not_allowed")
    kind = NomineeKind(kind)
    unit = subject.org_unit if kind == NomineeKind.individual else subject
    if kind == NomineeKind.individual and subject.role != Role.officer:
        raise ReviewError("not_an_officer")
    if not within(unit, period.org_unit):
        raise ReviewError("outside_review")
    if kind == NomineeKind.collective and (unit.id == period.org_unit_id or unit.level == UnitLevel.national):
        raise ReviewError("not_a_collective")
    _check_title(title, kind)
    narrative = _check_narrative(narrative)
    key = standings.key_of(kind, subject.id)
    if db.session.scalars(sa.select(Nomination.id).where(Nomination.period_id == period.id,
                                                         Nomination.subject_key == key)).first():
        raise ReviewError("already_nominated")
    now = now or utcnow()
    standing = standings.standing_of(period, kind, subject)
    nomination = Nomination(period_id=period.id, kind=kind, subject_key=key,
                            user_id=subject.id if kind == NomineeKind.individual else None, org_unit_id=unit.id,
                            award_title_id=title.id, narrative=narrative, state=NS.proposed,
                            created_by_id=actor.id, created_at=now, updated_at=now)
    db.session.add(nomination)
    db.session.flush()
    record("nomination.create", actor=actor, obj=nomination, after=nomination_snapshot(nomination) | {
        "eligible": standing["eligible"],
        "failing": [r["rule"] for r in rules.failing(standing["results"])]})
    return nomination


def edit_nomination(actor, nomination, title, narrative, now=None) -> None:
    """Title and report; an endorsed nomination goes back to be endorsed again."""
    if not nomination.can_edit(actor):
        raise ReviewError("state")
    _check_title(title, NomineeKind(nomination.kind))
    narrative = _check_narrative(narrative)
    take_step(NOMINATION, nomination, "edit",
              {"award_title_id": title.id, "narrative": narrative, "updated_at": now or utcnow(),
               "endorser_name": "", "endorsement_note": "", "endorsed_at": None, "endorsed_by_id": None,
               "justification": "", "justified_at": None, "justified_by_id": None},
              actor=actor, before=nomination_snapshot(nomination), after=nomination_snapshot, now=now)


def _override(actor, nomination, justification, now):
    """{} when the nominee meets every criterion; else the justification's columns,
    after checking it (a new one, or the one already given when `justification` is
    None). ReviewError when missing or too long."""
    subject = nomination.user if nomination.kind == NomineeKind.individual else nomination.org_unit
    standing = standings.standing_of(nomination.period, nomination.kind, subject)
    if standing["eligible"]:
        return {}, standing
    text = _clean(justification if justification is not None else nomination.justification)
    if not text:
        raise ReviewError("justification_required", "justification")
    if len(text) > JUSTIFICATION_MAX:
        raise ReviewError("justification_too_long", "justification")
    if justification is None or text == nomination.justification:
        return {"justification": text}, standing
    return {"justification": text, "justified_at": now, "justified_by_id": actor.id}, standing


def _record_override(actor, nomination, values, standing, step):
    if "justified_at" in values:
        record("nomination.override", actor=actor, obj=nomination, after={
            "step": step, "justification": values["justification"],
            "failing": [r["rule"] for r in rules.failing(standing["results"])]})


def endorse(actor, nomination, endorser_name, note, now=None, justification=None) -> None:
    """Proposed → endorsed; a nominee who fails a criterion needs a written justification."""
    if not nomination.can_endorse(actor):
        raise ReviewError("state" if actor.role in (Role.hr, Role.supervisor) else "not_allowed")
    endorser_name = " ".join((endorser_name or "").split())[:NAME_MAX]
    if not endorser_name:
        raise ReviewError("endorser_required", "endorser_name")
    note = _clean(note, NOTE_MAX)
    now = now or utcnow()
    override, standing = _override(actor, nomination, justification if justification is not None else "", now)
    take_step(NOMINATION, nomination, "endorse",
              {"endorser_name": endorser_name, "endorsement_note": note, "endorsed_at": now,
               "endorsed_by_id": actor.id, **override},
              actor=actor, after={"endorser_name": endorser_name, "note": note, "override": bool(override)}, now=now)
    _record_override(actor, nomination, override, standing, "endorse")


def decide(actor, nomination, approved: bool, votes_for, votes_against, votes_abstain, note, now=None,
           justification=None) -> None:
    """The emulation council's decision with its vote tally. Approving a nominee who
    fails a criterion needs a justification: the endorsement's, or one given here."""
    if not nomination.can_decide(actor):
        raise ReviewError("state" if actor.role == Role.hr else "not_allowed")
    votes = [votes_for, votes_against, votes_abstain]
    if any(v is None or v < 0 for v in votes) or sum(votes) == 0:
        raise ReviewError("no_votes", "votes_for")
    if any(v > MAX_VOTES for v in votes) or sum(votes) > MAX_VOTES:
        raise ReviewError("too_many_votes", "votes_for")
    if approved and votes_for <= votes_against:
        raise ReviewError("majority", "votes_for")
    note = _clean(note, NOTE_MAX)
    now = now or utcnow()
    override, standing = _override(actor, nomination, justification or None, now) if approved else ({}, None)
    votes = {"votes_for": votes_for, "votes_against": votes_against, "votes_abstain": votes_abstain}
    take_step(NOMINATION, nomination, "approve" if approved else "reject",
              votes | {"decision_note": note, "decided_at": now, "decided_by_id": actor.id, **override},
              actor=actor, after=votes | {"note": note, "override": bool(override)}, now=now)
    _record_override(actor, nomination, override, standing, "approve")


def withdraw(actor, nomination, reason, now=None) -> None:
    """Proposed or endorsed → withdrawn; the nominee may be nominated afresh."""
    if not nomination.can_withdraw(actor):
        raise ReviewError("state")
    reason = _clean(reason, NOTE_MAX)
    if not reason:
        raise ReviewError("reason_required", "reason")
    take_step(NOMINATION, nomination, "withdraw",
              {"withdraw_reason": reason, "withdrawn_at": now or utcnow(),
               "subject_key": f"{nomination.subject_key}#{nomination.id}"},
              actor=actor, after={"reason": reason}, now=now)
