"""State changes of visits. Each checks the state machine (REVIEW in
fieldops/visits/models.py), takes the step with fieldops/core/states.py (changes
state, writes the audit event), keeps the current figures and flushes; the view
commits.

    submitted → verified
    submitted → returned (reason) → submitted (resubmitted: a new revision)
    submitted → submitted (edited before review: a new revision)
"""
from dataclasses import replace

import sqlalchemy as sa

from fieldops.audit.operations import record_row
from fieldops.core import hooks
from fieldops.core.states import Refused, Stale, move
from fieldops.core.writes import write
from fieldops.employers.models import Employer
from fieldops.employers.operations import add_department
from fieldops.extensions import db
from fieldops.timeutil import utcnow
from fieldops.visits.forms import VisitInput
from fieldops.visits.models import REVIEW, Obstacle, ReviewState, Visit, VisitLine, VisitRevision

# Current figures and the progress timeline, registered by progress at app start (fieldops/core/hooks.py).
history_change = hooks.hook("history_change")
# The officer told of the review (fieldops/followups/notices.py), in the same transaction.
reviewed = hooks.hook("visits.reviewed")


class VisitStateError(Exception):
    """reason: not_owner, verified, not_reviewer, already_reviewed, changed."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def visit_content(visit: Visit | VisitInput, employer_id: int) -> dict:
    """The content of a visit, or of the input a new one is made from (the same
    fields), as plain values: what a revision keeps and audit shows."""
    return {
        "employer_id": employer_id,
        "visit_date": visit.visit_date.isoformat(),
        "purpose": str(visit.purpose),
        "notes": visit.notes,
        "latitude": visit.latitude,
        "longitude": visit.longitude,
        "lines": sorted(
            (
                {
                    "department_id": line.department.id,
                    "department": line.department.name,
                    "insured": line.insured,
                    "registered": line.registered,
                    "active": line.active,
                    "newly_registered": line.newly_registered,
                }
                for line in visit.lines
            ),
            key=lambda line: (line["department"], line["department_id"]),
        ),
        "obstacles": [
            {"category": str(o.category), "people_affected": o.people_affected, "note": o.note}
            for o in visit.obstacles
        ],
    }


def _set_fields(visit: Visit, data: VisitInput) -> None:
    visit.visit_date = data.visit_date
    visit.newly_registered = data.newly_registered
    visit.purpose = data.purpose
    visit.notes = data.notes
    visit.latitude = data.latitude
    visit.longitude = data.longitude


def _set_lines(actor, visit: Visit, employer: Employer, data: VisitInput) -> None:
    """Lines as in `data`: existing ones updated in place, the others added or
    removed; a department named on the form but missing is created (audited)."""
    by_department = {line.labour_department_id: line for line in visit.lines}
    keep = set()
    for item in data.lines:
        department = item.department or add_department(actor, employer, item.new_name)
        line = by_department.get(department.id)
        if line is None:
            line = VisitLine(department=department)
            visit.lines.append(line)
        line.insured, line.registered = item.insured, item.registered
        line.active, line.newly_registered = item.active, item.newly_registered
        keep.add(department.id)
    for department_id, line in by_department.items():
        if department_id not in keep:
            visit.lines.remove(line)


def _set_obstacles(visit: Visit, data: VisitInput) -> None:
    if visit.obstacles:
        visit.obstacles.clear()
        db.session.flush()
    for position, item in enumerate(data.obstacles):
        visit.obstacles.append(Obstacle(position=position, category=item.category,
                                        people_affected=item.people_affected, note=item.note))


_INSERT_VISIT = sa.insert(Visit.__table__).returning(Visit.__table__.c.id)
_INSERT_LINES = sa.insert(VisitLine.__table__)
_INSERT_OBSTACLES = sa.insert(Obstacle.__table__)
_INSERT_REVISION = sa.insert(VisitRevision.__table__)


def create_visit(actor, employer: Employer, data: VisitInput, *, idempotency_key: str, content_hash: str,
                 now=None) -> int:
    """A new visit by `actor`; returns its id. A second visit with the same key
    fails on the unique constraint; the view turns that into the existing visit.

    Written as rows, not ORM objects: the unit of work cost a submit 4-5 ms of
    CPU more for the visit, its lines and first revision (bench/README.md)."""
    now = now or utcnow()
    with history_change(employer.id):
        data = replace(data, lines=[
            replace(item, department=item.department or add_department(actor, employer, item.new_name))
            for item in data.lines])
        db.session.flush()  # departments added with the visit, and their audit events, come first
        content = visit_content(data, employer.id)
        [(visit_id,)] = write(_INSERT_VISIT, {
            "officer_id": actor.id, "employer_id": employer.id, "district_id": employer.district_id,
            "visit_date": data.visit_date, "purpose": data.purpose, "notes": data.notes,
            "latitude": data.latitude, "longitude": data.longitude, "state": ReviewState.submitted, "revision": 1,
            "newly_registered": data.newly_registered,
            "idempotency_key": idempotency_key, "content_hash": content_hash, "created_at": now, "submitted_at": now,
        })
        if data.lines:
            write(_INSERT_LINES, [
                {"visit_id": visit_id, "labour_department_id": item.department.id, "insured": item.insured,
                 "registered": item.registered, "active": item.active, "newly_registered": item.newly_registered}
                for item in data.lines])
        if data.obstacles:
            write(_INSERT_OBSTACLES, [
                {"visit_id": visit_id, "position": position, "category": item.category,
                 "people_affected": item.people_affected, "note": item.note}
                for position, item in enumerate(data.obstacles)])
        write(_INSERT_REVISION, {
            "visit_id": visit_id, "number": 1, "content": content, "payload_hash": content_hash,
            "submitted_by_id": actor.id, "submitted_at": now})
        record_row("visit.create", actor, Visit.__tablename__, visit_id, employer.district_id,
                   after=content | {"revision": 1, "state": str(ReviewState.submitted)})
    return visit_id


def revise_visit(actor, visit: Visit, data: VisitInput, *, base_revision: int, payload_hash: str,
                 now=None) -> VisitRevision:
    """The officer's edit of their visit, or its resubmission after a return:
    a new revision; the earlier ones stay as they were."""
    if actor.id != visit.officer_id:
        raise VisitStateError("not_owner")
    action = visit.revision_action
    if action is None:
        raise VisitStateError("verified")
    if visit.revision != base_revision:
        raise VisitStateError("changed")
    now = now or utcnow()
    before = visit_content(visit, visit.employer_id) | {"revision": visit.revision}
    number = base_revision + 1
    with history_change(visit.employer_id):
        data = replace(data, lines=[
            replace(item, department=item.department or add_department(actor, visit.employer, item.new_name))
            for item in data.lines])
        db.session.flush()  # departments added with the edit, and their audit events, come first
        content = visit_content(data, visit.employer_id)
        try:
            # A return made while the officer edited does not stop the edit: it submits the visit again.
            move(REVIEW, visit, action,
                 {"revision": number, "return_reason": "", "resubmitted_at": now, "reviewed_at": None,
                  "reviewed_by_id": None},
                 actor=actor, where=[Visit.revision == base_revision],
                 from_states=REVIEW.sources("edit") | REVIEW.sources("resubmit"),
                 before=before, after=content | {"revision": number}, now=now)
        except (Refused, Stale):
            raise VisitStateError("changed") from None
        _set_fields(visit, data)
        _set_lines(actor, visit, visit.employer, data)
        _set_obstacles(visit, data)
        revision = VisitRevision(visit=visit, number=number, content=content, payload_hash=payload_hash,
                                 submitted_by_id=actor.id, submitted_at=now)
        db.session.add(revision)
        db.session.flush()
    return revision


def _review(actor, visit: Visit, action: str, reason: str, now, revision=None) -> None:
    """`revision`: the one the reviewer saw (None: the visit's own); another one is stale."""
    now = now or utcnow()
    with history_change(visit.employer_id):  # a return takes the figures out; a verification, the verified share
        _decide(actor, visit, action, reason, now, revision)
    reviewed([visit], actor, action, reason, now=now)


def _decide(actor, visit: Visit, action: str, reason: str, now, revision=None) -> None:
    """The review itself, inside its employer's `history_change`: the visit's state and its revision's."""
    if not visit.can_review(actor):
        raise VisitStateError("not_reviewer" if visit.state == ReviewState.submitted else "already_reviewed")
    number = visit.revision if revision is None else revision
    after = {"revision": number} | ({"reason": reason} if reason else {})
    try:
        move(REVIEW, visit, action, {"return_reason": reason, "reviewed_at": now, "reviewed_by_id": actor.id},
             actor=actor, where=[Visit.revision == number], before={"revision": number}, after=after, now=now)
    except (Refused, Stale):
        raise VisitStateError("changed") from None
    revision = db.session.scalars(
        sa.select(VisitRevision).where(VisitRevision.visit_id == visit.id, VisitRevision.number == number)
    ).one()
    revision.review_state, revision.return_reason = visit.state, reason
    revision.reviewed_at, revision.reviewed_by_id = now, actor.id


def verify_visit(actor, visit: Visit, now=None, revision=None) -> None:
    _review(actor, visit, "verify", "", now, revision)


def verify_many(actor, seen: dict, now=None):
    """Verify each visit of `seen` ({visit: the revision the reviewer saw}), one
    audit event each. Returns (verified, skipped): skipped holds (visit, reason)
    for those no longer waiting, edited since, or the actor's own (VisitStateError). Taken in employer order, the order
    the timelines are locked in (fieldops/progress/timeline.py)."""
    now = now or utcnow()
    verified, skipped = [], []
    # One refresh of the figures for all their employers, not one per visit.
    with history_change([visit.employer_id for visit in seen]):
        for visit in sorted(seen, key=lambda v: (v.employer_id, v.id)):
            try:
                _decide(actor, visit, "verify", "", now, seen[visit])
                verified.append(visit)
            except VisitStateError as error:
                skipped.append((visit, error.reason))
    reviewed(verified, actor, "verify", "", now=now)
    return verified, skipped


def return_visit(actor, visit: Visit, reason: str, now=None) -> None:
    """Back to the officer with a reason; until resubmitted its figures do not count."""
    reason = (reason or "").strip()[:500]
    if not reason:
        raise ValueError("a returned visit needs a reason")
    _review(actor, visit, "return", reason, now)
