"""The visits bench/national_load.py's bulk-verify scenario verifies: chosen, given the
revision a review marks, made to wait again before each phase and verified again after."""


WAITING = 15_000  # the visits the bulk-verify scenario verifies, 100 a batch: more than a phase gets through


def waiting_visits(url, district):
    """Visits of the district for the bulk verify, oldest first, as the queue's form sends
    them: "id.revision", the revision the supervisor saw. They are made to wait again before
    each phase (`wait_again`): verified once, they would be skipped by every later phase."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        chosen = [tuple(row) for row in conn.execute(sa.text(
            "SELECT id, revision FROM visit WHERE district_id = :d AND state IN ('submitted', 'verified') "
            "ORDER BY submitted_at, id LIMIT :n"), {"d": district, "n": WAITING})]
    engine.dispose()
    add_revisions(url, [visit_id for visit_id, _ in chosen])
    return [f"{visit_id}.{revision}" for visit_id, revision in chosen]


def add_revisions(url, visit_ids) -> int:
    """national_data.py writes no revision rows, and a review marks the revision it saw: the
    visits' current revisions are added (as submitted), with the content the app writes
    (`visit_content`), so their pages show them. Revisions an earlier run left with no content
    are written again. Returns the revisions written."""
    import sqlalchemy as sa
    from sqlalchemy.orm import selectinload

    from fieldops import create_app
    from fieldops.extensions import db
    from fieldops.visits.models import ReviewState, Visit, VisitLine, VisitRevision
    from fieldops.visits.operations import visit_content

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    written = 0
    with app.app_context():
        for start in range(0, len(visit_ids), 1000):
            batch = visit_ids[start:start + 1000]
            rows = db.session.execute(sa.text(
                "SELECT v.id, r.id FROM visit v LEFT JOIN visit_revision r ON r.visit_id = v.id "
                "AND r.number = v.revision WHERE v.id IN :ids AND (r.id IS NULL OR CAST(r.content AS TEXT) = '{}')"
            ).bindparams(sa.bindparam("ids", expanding=True)), {"ids": batch}).all()
            if not rows:
                continue
            lacking, empty = [visit_id for visit_id, _ in rows], [found for _, found in rows if found is not None]
            visits = db.session.scalars(sa.select(Visit).where(Visit.id.in_(lacking)).options(
                selectinload(Visit.lines).joinedload(VisitLine.department), selectinload(Visit.obstacles))).all()
            db.session.execute(sa.delete(VisitRevision).where(VisitRevision.id.in_(empty)))
            db.session.execute(sa.insert(VisitRevision), [{
                "visit_id": visit.id, "number": visit.revision, "content": visit_content(visit, visit.employer_id),
                "payload_hash": "national_data", "submitted_by_id": visit.officer_id,
                "submitted_at": visit.submitted_at, "review_state": ReviewState.submitted, "return_reason": ""}
                for visit in visits])
            db.session.commit()
            written += len(visits)
    with app.app_context():
        db.engine.dispose()
    return written


def wait_again(url, picks, waiting=True) -> int:
    """The picked visits back to waiting for review (`waiting`), or, once the run is over,
    those still waiting verified again by their district's supervisor (the data as it was);
    their employers' figures recomputed by the app's own function (the verified share):
    each phase verifies the same work."""
    import sqlalchemy as sa

    from fieldops import create_app
    from fieldops.extensions import db
    from fieldops.progress.timeline import employers_changed

    ids = [int(pick.split(".")[0]) for pick in picks]
    was, now = ("verified", "submitted") if waiting else ("submitted", "verified")
    reviewer = ("NULL" if waiting else "(SELECT min(u.id) FROM \"user\" u WHERE u.role = 'supervisor' "
                "AND u.org_unit_id = visit.district_id)")
    reviewed_at = "NULL" if waiting else "submitted_at"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        expanding = sa.bindparam("ids", expanding=True)
        changed = db.session.execute(sa.text(
            f"UPDATE visit SET state = '{now}', reviewed_at = {reviewed_at}, reviewed_by_id = {reviewer}, "
            f"return_reason = '' WHERE id IN :ids AND state = '{was}'").bindparams(expanding), {"ids": ids}).rowcount
        db.session.execute(sa.text(
            f"UPDATE visit_revision SET review_state = v.state, reviewed_at = v.reviewed_at, "
            f"reviewed_by_id = v.reviewed_by_id, return_reason = '' FROM visit v WHERE v.id = visit_revision.visit_id "
            f"AND visit_revision.visit_id IN :ids AND visit_revision.review_state = '{was}'").bindparams(expanding),
            {"ids": ids})
        employers_changed(db.session.scalars(sa.text("SELECT DISTINCT employer_id FROM visit WHERE id IN :ids")
                                             .bindparams(expanding), {"ids": ids}).all())
        db.session.commit()
    return changed
