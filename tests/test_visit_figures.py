"""Current figures per labour department: kept up to date on write, always what
the history says (the latest counting visit line, by visit date then submission)."""
import random
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from fieldops.employers.models import LabourDepartment
from fieldops.extensions import db
from fieldops.progress.timeline import employers_changed
from fieldops.visits import operations
from fieldops.visits.figures import figures_from_history, kept_figures
from fieldops.visits.forms import LineInput, VisitInput
from fieldops.visits.models import COUNTING_STATES, ReviewState, Visit, VisitLine, VisitPurpose
from tests import factories


@pytest.fixture
def world(org, users):
    factories.campaign()
    employer = factories.employer(org["HN-BD"], departments=[("Văn phòng", 40), ("Phân xưởng", 120)])
    db.session.commit()
    return {"employer": employer, "users": users, "org": org,
            "office": employer.departments[1], "workshop": employer.departments[0]}


def figures(department):
    db.session.refresh(department)
    return department.insured, department.current_registered, department.current_active


def T(day, hour=9):
    return datetime(2023, 12, 1) + timedelta(days=day, hours=hour)


def test_before_any_visit_insured_is_the_declared_headcount(world):
    assert figures(world["office"]) == (40, 0, 0)
    assert world["office"].current_visit_id is None


def test_a_back_dated_visit_does_not_overwrite_a_later_one(world):
    officer, employer, office = world["users"]["HN"]["officer"], world["employer"], world["office"]
    later = factories.visit(officer, employer, visit_date=date(2023, 6, 10), figures={office: (40, 30, 20)}, now=T(0))
    factories.visit(officer, employer, visit_date=date(2023, 6, 1), figures={office: (40, 10, 5)}, now=T(1))
    assert figures(office) == (40, 30, 20) and office.current_visit_id == later.id
    assert office.current_visit_date == date(2023, 6, 10)


def test_on_the_same_date_the_later_submission_wins(world):
    officer, employer, office = world["users"]["HN"]["officer"], world["employer"], world["office"]
    factories.visit(officer, employer, visit_date=date(2023, 6, 10), figures={office: (40, 30, 20)}, now=T(0))
    second = factories.visit(officer, employer, visit_date=date(2023, 6, 10), figures={office: (41, 31, 21)},
                             now=T(0, 10))
    assert figures(office) == (41, 31, 21) and office.current_visit_id == second.id


def test_on_the_same_date_a_resubmitted_visit_counts_from_its_resubmission(world):
    """Returned, then another visit of that date sent, then the first corrected and
    resubmitted: the resubmission is the latest submission of figures, so it wins."""
    users, employer, office = world["users"], world["employer"], world["office"]
    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    first = factories.visit(officer, employer, visit_date=date(2023, 6, 10), figures={office: (40, 30, 20)},
                            now=T(0))
    operations.return_visit(supervisor, first, "Sai số người đăng ký", now=T(0, 11))
    second = factories.visit(officer, employer, visit_date=date(2023, 6, 10), figures={office: (40, 25, 15)},
                             now=T(1))
    assert figures(office) == (40, 25, 15) and office.current_visit_id == second.id
    data = VisitInput(visit_date=date(2023, 6, 10), purpose=VisitPurpose.verification, notes="", latitude=None,
                      longitude=None, lines=[LineInput(office, "", 40, 33, 21, 0)])
    operations.revise_visit(officer, first, data, base_revision=1, payload_hash="x", now=T(2))
    assert figures(office) == (40, 33, 21) and office.current_visit_id == first.id
    assert figures_from_history(office.id)["current_visit_id"] == first.id


def test_figures_are_snapshots_never_sums(world):
    officer, employer, office = world["users"]["HN"]["officer"], world["employer"], world["office"]
    for day, registered in ((1, 10), (2, 25), (3, 24)):
        factories.visit(officer, employer, visit_date=date(2023, 6, day), figures={office: (40, registered, 5)},
                        now=T(day))
    assert figures(office) == (40, 24, 5)


def test_a_returned_visit_stops_counting_until_resubmitted(world):
    users, employer, office = world["users"], world["employer"], world["office"]
    first = factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 5, 1),
                            figures={office: (40, 12, 6)}, now=T(0))
    second = factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 6, 1),
                             figures={office: (40, 39, 30)}, now=T(1))
    operations.return_visit(users["HN"]["supervisor"], second, "39 là số của cả công ty")
    assert figures(office) == (40, 12, 6) and office.current_visit_id == first.id
    data = VisitInput(visit_date=date(2023, 6, 1), purpose=VisitPurpose.verification, notes="", latitude=None,
                      longitude=None, lines=[LineInput(office, "", 40, 19, 9, 0)])
    operations.revise_visit(users["HN"]["officer"], second, data, base_revision=1, payload_hash="x")
    assert figures(office) == (40, 19, 9) and office.current_visit_id == second.id


def test_an_edit_that_moves_a_visit_back_in_time_gives_way_to_the_later_one(world):
    users, employer, office, workshop = world["users"], world["employer"], world["office"], world["workshop"]
    factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 5, 1), figures={office: (40, 12, 6)},
                    now=T(0))
    latest = factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 6, 1),
                             figures={office: (40, 20, 6), workshop: (120, 60, 30)}, now=T(1))
    data = VisitInput(visit_date=date(2023, 4, 1), purpose=VisitPurpose.guidance, notes="", latitude=None,
                      longitude=None, lines=[LineInput(workshop, "", 120, 61, 30, 0)])
    operations.revise_visit(users["HN"]["officer"], latest, data, base_revision=1, payload_hash="x")
    assert figures(office) == (40, 12, 6)  # the line on `latest` is gone, the 1 May one is current
    assert figures(workshop) == (120, 61, 30)  # still the only line of the workshop


# --- random histories ---------------------------------------------------------


def _expected(department_id):
    """The history read independently of the code under test."""
    rows = db.session.execute(
        sa.select(Visit.visit_date, Visit.submitted_at, Visit.resubmitted_at, Visit.id, Visit.state, VisitLine.insured,
                  VisitLine.registered, VisitLine.active)
        .join(VisitLine, VisitLine.visit_id == Visit.id)
        .where(VisitLine.labour_department_id == department_id)
    ).all()
    counting = [r for r in rows if r.state in COUNTING_STATES]
    if not counting:
        return {"current_insured": None, "current_registered": 0, "current_active": 0,
                "current_visit_id": None, "current_visit_date": None}
    # By visit date, then the latest submission of the figures (an edit or a resubmission), then id.
    latest = max(counting, key=lambda r: (r.visit_date, r.resubmitted_at or r.submitted_at, r.id))
    return {"current_insured": latest.insured, "current_registered": latest.registered,
            "current_active": latest.active, "current_visit_id": latest.id, "current_visit_date": latest.visit_date}


def _random_input(rng, departments):
    chosen = rng.sample(departments, rng.randint(1, len(departments)))
    lines = []
    for department in chosen:
        insured = rng.randint(0, 200)
        registered = rng.randint(0, insured)
        active = rng.randint(0, registered)
        lines.append(LineInput(department, "", insured, registered, active, rng.randint(0, registered)))
    # Few distinct dates, so ties on the visit date are common.
    day = date(2023, 1, 1) + timedelta(days=rng.choice([0, 30, 30, 60, 90, 91, 120]))
    return VisitInput(visit_date=day, purpose=rng.choice(list(VisitPurpose)), notes="", latitude=None,
                      longitude=None, lines=lines)


@pytest.mark.parametrize("seed", range(6))
def test_kept_figures_equal_the_rebuild_from_history_for_random_histories(org, users, seed):
    rng = random.Random(seed)
    officers = [users["HN"]["officer"], factories.user(org["HN-BD"], username=f"officer.extra{seed}")]
    supervisor = users["HN"]["supervisor"]
    employers = [factories.employer(org["HN-BD"], departments=[(f"Bộ phận {i}", rng.randint(0, 150))
                                                               for i in range(rng.randint(1, 4))])
                 for _ in range(3)]
    clock = datetime(2023, 12, 1, 8)
    visits = []
    for step in range(60):
        if rng.random() < 0.7:  # the same instant now and then: ties on submission time too
            clock += timedelta(minutes=rng.randint(1, 90))
        action = rng.choice(["create", "create", "create", "edit", "return", "verify"])
        waiting = [v for v in visits if v.state == ReviewState.submitted]
        editable = [v for v in visits if v.state != ReviewState.verified]
        if action == "create" or not visits:
            employer = rng.choice(employers)
            visits.append(db.session.get(Visit, operations.create_visit(
                rng.choice(officers), employer, _random_input(rng, employer.departments),
                idempotency_key=f"random-{seed}-{step}", content_hash="x", now=clock)))
        elif action == "edit" and editable:
            visit = rng.choice(editable)
            officer = next(o for o in officers if o.id == visit.officer_id)
            operations.revise_visit(officer, visit, _random_input(rng, visit.employer.departments),
                                    base_revision=visit.revision, payload_hash="x", now=clock)
        elif action == "return" and waiting:
            operations.return_visit(supervisor, rng.choice(waiting), "sai số", now=clock)
        elif action == "verify" and waiting:
            operations.verify_visit(supervisor, rng.choice(waiting), now=clock)

        for department in db.session.scalars(sa.select(LabourDepartment)):
            kept = kept_figures(department)
            assert kept == _expected(department.id), (seed, step, action, department.name)
            assert kept == figures_from_history(department.id)
        # Each visit keeps Σ newly registered over its lines, through creations and edits.
        assert _kept_registrations() == _registrations_of_lines(), (seed, step, action)
    db.session.commit()
    assert {v.state for v in visits} >= {ReviewState.submitted}

    # Rebuilding everything from history changes nothing.
    departments = db.session.scalars(sa.select(LabourDepartment)).all()
    before = {d.id: kept_figures(d) for d in departments}
    employers_changed(d.employer_id for d in departments)
    assert {d.id: kept_figures(d) for d in departments} == before


def _kept_registrations() -> dict:
    return dict(db.session.execute(sa.select(Visit.id, Visit.newly_registered)).all())


def _registrations_of_lines() -> dict:
    lines = dict(db.session.execute(sa.select(VisitLine.visit_id, sa.func.sum(VisitLine.newly_registered))
                                    .group_by(VisitLine.visit_id)).all())
    return {visit_id: lines.get(visit_id, 0) for visit_id in db.session.scalars(sa.select(Visit.id))}


def test_the_migration_gives_visits_made_before_it_the_sum_of_their_lines(app, org, users):
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade

    officer = users["HN"]["officer"]
    employer = factories.employer(org["HN-BD"], departments=(("Văn phòng", 40), ("Xưởng", 60)))
    factories.visit(officer, employer, figures={"Văn phòng": (40, 12, 5, 7), "Xưởng": (60, 30, 10, 25)})
    factories.visit(officer, employer, visit_date=date(2023, 7, 1), figures={"Xưởng": (60, 30, 10, 0)})
    db.session.commit()
    # The migration alters the tables: no transaction of the session may hold them.
    db.session.close()
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    try:
        downgrade(revision=script.get_revision("0024_visit_registrations").down_revision)
        with db.engine.connect() as connection:
            assert "newly_registered" not in {c["name"] for c in sa.inspect(connection).get_columns("visit")}
    finally:
        upgrade()
    assert sorted(_kept_registrations().values()) == [0, 32]
    assert _kept_registrations() == _registrations_of_lines()
