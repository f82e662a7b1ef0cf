"""Migration 0004 fills the timeline from the history already in a database:
on a database at 0003 with visits (inserted as they were before progress
existed), upgrading gives the figures of the plain definition, and exactly the
rows the write path keeps."""
import os
import random
import uuid
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from fieldops import create_app
from fieldops.extensions import db

AS_OF = [date(2023, 1, 31), date(2023, 4, 15), date(2023, 6, 30), date(2023, 12, 31)]


def _scratch_url(tmp_path):
    url = os.environ.get("FIELDOPS_TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path / "migration.sqlite3")
    # A database of its own next to the suite's, emptied first.
    base = sa.engine.make_url(url)
    name = f"{base.database}_migration"
    engine = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _history(conn, rng):
    """Org units, an officer, employers, departments and visits, as rows."""
    now = datetime(2023, 1, 1)
    units = {}
    for code, parent, level in (("VN", None, "national"), ("HN", "VN", "province"), ("HN-BD", "HN", "district"),
                                ("HN-CG", "HN", "district"), ("HT", "VN", "province"), ("HT-TP", "HT", "district")):
        unit_id = conn.execute(sa.text(
            "INSERT INTO org_unit (code, name, level, parent_id, path, created_at) "
            "VALUES (:c, :c, :l, :p, '', :t) RETURNING id"), {"c": code, "l": level, "p": units.get(parent), "t": now}
        ).scalar()
        path = (conn.execute(sa.text("SELECT path FROM org_unit WHERE id = :i"), {"i": units[parent]}).scalar()
                if parent else "/") + f"{unit_id}/"
        conn.execute(sa.text("UPDATE org_unit SET path = :p WHERE id = :i"), {"p": path, "i": unit_id})
        units[code] = unit_id
    officer = conn.execute(sa.text(
        "INSERT INTO \"user\" (username, full_name, password_hash, role, org_unit_id, preferred_language, active, "
        "created_at, password_changed_at) VALUES ('o', 'O', 'x', 'officer', :u, 'vi', true, :t, :t) RETURNING id"),
        {"u": units["VN"], "t": now}).scalar()
    departments = []
    for n in range(6):
        district = units[("HN-BD", "HN-CG", "HT-TP")[n % 3]]
        employer = conn.execute(sa.text(
            "INSERT INTO employer (unit_code, tax_code, name, address, sector, district_id, search_text, created_at, "
            "updated_at) VALUES (:c, '', :c, '', '', :d, '', :t, :t) RETURNING id"),
            {"c": f"M{n}", "d": district, "t": now}).scalar()
        mine = [conn.execute(sa.text(
            "INSERT INTO labour_department (employer_id, name, insured_declared, created_at, current_registered, "
            "current_active) VALUES (:e, :n, :i, :t, 0, 0) RETURNING id"),
            {"e": employer, "n": f"D{k}", "i": rng.randint(0, 40), "t": now}).scalar() for k in range(1 + n % 3)]
        departments.append((employer, mine))
    for v in range(40):
        employer, mine = rng.choice(departments)
        day = date(2023, 1, 1) + timedelta(days=rng.choice([10, 40, 40, 100, 180, 181, 300]))
        state = rng.choice(["submitted", "verified", "verified", "returned"])
        visit = conn.execute(sa.text(
            "INSERT INTO visit (officer_id, employer_id, visit_date, purpose, notes, state, return_reason, revision, "
            "idempotency_key, content_hash, created_at, submitted_at) VALUES (:o, :e, :d, 'guidance', '', :s, '', 1, "
            ":k, 'h', :t, :t) RETURNING id"),
            {"o": officer, "e": employer, "d": day, "s": state, "k": str(uuid.uuid4()),
             "t": now + timedelta(minutes=rng.randint(0, 10_000))}).scalar()
        for department in rng.sample(mine, rng.randint(1, len(mine))):
            insured = rng.randint(0, 30)
            registered = rng.choice([insured, insured // 2, 0])
            conn.execute(sa.text(
                "INSERT INTO visit_line (visit_id, labour_department_id, insured, registered, active, newly_registered) "
                "VALUES (:v, :d, :i, :r, :a, :n)"),
                {"v": visit, "d": department, "i": insured, "r": registered, "a": registered // 2,
                 "n": rng.randint(0, registered)})
        if rng.random() < 0.4:
            conn.execute(sa.text("INSERT INTO obstacle (visit_id, position, category, people_affected, note) "
                                 "VALUES (:v, 0, :c, :p, '')"),
                         {"v": visit, "c": rng.choice(["no_smartphone", "app_error", "other"]), "p": rng.randint(0, 5)})


@pytest.mark.parametrize("seed, campaigns", [(7, ()), (8, (date(2023, 1, 1), date(2023, 7, 1)))])
def test_upgrading_fills_the_timeline_from_the_history(app, tmp_path, seed, campaigns):
    from flask_migrate import upgrade

    from fieldops.org.models import OrgUnit
    from fieldops.progress import figures as fig
    from fieldops.progress.models import (ActivityCount, EmployerFullDay, EmployerTimeline, ObstacleCount,
                                          ReviewedStock, StockDelta)
    from fieldops.progress.timeline import rebuild_all
    from tests.progress_helpers import Naive, as_dict

    scratch = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _scratch_url(tmp_path)})
    with scratch.app_context():
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        meta.drop_all(bind=db.engine)
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="0003_followups")
        with db.engine.begin() as conn:
            _history(conn, random.Random(seed))
            # Campaigns already there: the figures over departments reviewed in each are filled in too.
            for n, since in enumerate(campaigns, start=1):
                conn.execute(sa.text(
                    "INSERT INTO campaign (id, name, starts_on, ends_on, counts_from, participant_groups, created_at) "
                    "VALUES (:id, :name, :since, :ends, :since, '[]', :since)"),
                    {"id": n, "name": f"Phong trào {n}", "since": since, "ends": date(2024, 6, 30)})
        upgrade()
        naive = Naive()
        for root in db.session.scalars(sa.select(OrgUnit)):
            got = fig.stock_as_of(root, AS_OF)
            for day in AS_OF:
                assert as_dict(got[day]) == naive.stock(root, day), (root.code, day)
            flows = fig.flows(root, {0: (date(2023, 1, 1), date(2023, 12, 31)), 1: (date(2023, 2, 5), date(2023, 7, 1))})
            assert as_dict(flows[0][0]) == naive.flows(root, date(2023, 1, 1), date(2023, 12, 31)), root.code
            assert as_dict(flows[1][0]) == naive.flows(root, date(2023, 2, 5), date(2023, 7, 1)), root.code
            assert fig.obstacles(root, date(2023, 1, 1), date(2023, 12, 31)) == naive.obstacles(
                root, date(2023, 1, 1), date(2023, 12, 31))
            for n, since in enumerate(campaigns, start=1):
                for day in AS_OF:
                    assert as_dict(fig.reviewed_by_child(root, n, day)[0]) == naive.reviewed(root, since, day)

        def rows():
            out = {}
            for model in (StockDelta, ActivityCount, ObstacleCount, ReviewedStock, EmployerTimeline, EmployerFullDay):
                # The departments' latest time is now for the rebuild, which writes their current figures.
                columns = [c for c in model.__table__.c if c.name != "departments_updated_at"]
                out[model] = sorted(tuple(r) for r in db.session.execute(sa.select(*columns)))
            return out

        migrated = rows()
        assert migrated[EmployerFullDay]  # some employers reach 100%: the days are filled in
        rebuild_all()
        db.session.flush()
        assert rows() == migrated  # the write path's own computation agrees, row for row
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
