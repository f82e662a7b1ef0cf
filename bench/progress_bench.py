"""Progress benchmark (not a test): how long the dashboard's figure queries take
at national scale, as ratios against a trivial query measured in the same run.

    .venv/bin/python bench/progress_bench.py                       # SQLite, in a temporary directory
    .venv/bin/python bench/progress_bench.py --employers 20000 --lines 150000 --repeat 10   # a quick look
    .venv/bin/python bench/progress_bench.py --database-url postgresql+psycopg:///fieldops_bench

Builds a migrated database with 63 provinces of 12 districts (756 districts),
one officer per district, 150,000 employers of two labour departments,
500,000 visits over 2023 (1,000,000 visit lines; one in twenty returned, a
tenth with an obstacle) and 20,000 open follow-ups, all by bulk inserts; then
computes the timeline with the real code (`rebuild_all`, the same computation
as the write path) and runs ANALYZE. It then times, in process, for the
national unit, a province and a district, and for a whole year and an as-of
date in mid-month:

- "figures": the four queries a dashboard's figures come from (stock as of
  the day and every month end, flows of the period and of the campaign, by
  child; obstacles by category; open and overdue follow-ups by child);
- "report": the whole report of the page (the above, targets, leaderboards,
  the officers of a district, the charts);
- "worklist": the first page of the worklist;

and, as baselines, `SELECT 1` and a primary-key lookup of one employer. It
reports p50/p95 in milliseconds and each p50 divided by the baselines' p50.
The JSON report (with the query plans) goes to bench/results/. A PostgreSQL
database given is emptied first.
"""
import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta

# A benchmark runs the development configuration unless told otherwise (fieldops/config.py).
os.environ.setdefault("FIELDOPS_ENV", "development")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PROVINCES, DISTRICTS_PER_PROVINCE = 63, 12
CHUNK = 20_000
STATES = ["verified"] * 16 + ["submitted"] * 3 + ["returned"]
CATEGORIES = ["no_smartphone", "no_own_phone_number", "identity_data_mismatch", "otp_not_received", "app_error",
              "employer_declined", "worker_declined", "other"]


def build(app, employers, lines, seed=2023):
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from fieldops.campaigns.models import Campaign
    from fieldops.extensions import db
    from fieldops.progress.timeline import rebuild_all

    rng = random.Random(seed)
    started = time.perf_counter()
    meta = sa.MetaData()
    meta.reflect(bind=db.engine)
    meta.drop_all(bind=db.engine)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()
    t = {name: sa.table(name, *(sa.column(c) for c in cols)) for name, cols in {
        "org_unit": ("id", "code", "name", "level", "parent_id", "path", "created_at"),
        "user": ("id", "username", "full_name", "password_hash", "role", "org_unit_id", "preferred_language",
                 "active", "created_at", "password_changed_at"),
        "employer": ("id", "unit_code", "tax_code", "name", "address", "sector", "district_id", "search_text",
                     "created_at", "updated_at"),
        "labour_department": ("id", "employer_id", "name", "insured_declared", "created_at", "current_registered",
                              "current_active"),
        "visit": ("id", "officer_id", "employer_id", "district_id", "visit_date", "purpose", "notes", "state", "return_reason",
                  "revision", "idempotency_key", "content_hash", "created_at", "submitted_at", "newly_registered"),
        "visit_line": ("id", "visit_id", "labour_department_id", "insured", "registered", "active",
                       "newly_registered"),
        "obstacle": ("id", "visit_id", "position", "category", "people_affected", "note"),
        "follow_up": ("id", "kind", "state", "employer_id", "district_id", "proposer_id", "assignee_id", "due_date", "note",
                      "decided_by_id", "decided_at", "decision_comment", "reason", "outcome", "created_at",
                      "updated_at"),
    }.items()}
    created = datetime(2023, 1, 1)
    units = [{"id": 1, "code": "VN", "name": "Bảo hiểm xã hội Việt Nam", "level": "national", "parent_id": None,
              "path": "/1/", "created_at": created}]
    districts, users = [], []
    next_id = 2
    for p in range(PROVINCES):
        province = next_id
        units.append({"id": province, "code": f"P{p:02d}", "name": f"BHXH tỉnh số {p}", "level": "province",
                      "parent_id": 1, "path": f"/1/{province}/", "created_at": created})
        next_id += 1
        for d in range(DISTRICTS_PER_PROVINCE):
            units.append({"id": next_id, "code": f"P{p:02d}-D{d:02d}", "name": f"BHXH huyện {p}.{d}",
                          "level": "district", "parent_id": province, "path": f"/1/{province}/{next_id}/",
                          "created_at": created})
            districts.append(next_id)
            users.append({"id": len(users) + 1, "username": f"officer.{next_id}", "full_name": f"Cán bộ {next_id}",
                          "password_hash": "x", "role": "officer", "org_unit_id": next_id,
                          "preferred_language": "vi", "active": True, "created_at": created,
                          "password_changed_at": created})
            next_id += 1
    with db.engine.begin() as conn:
        conn.execute(sa.insert(t["org_unit"]), units)
        conn.execute(sa.insert(t["user"]), users)
        conn.execute(sa.insert(Campaign.__table__), [{
            "name": "Bench 2023", "starts_on": date(2023, 5, 5), "ends_on": date(2023, 12, 31),
            "counts_from": date(2023, 1, 1), "participant_groups": [], "created_at": created}])
    officer_of = {district: n + 1 for n, district in enumerate(districts)}

    rows = {name: [] for name in ("employer", "labour_department", "visit", "visit_line", "obstacle", "follow_up")}

    def flush():
        with db.engine.begin() as conn:
            for name in ("employer", "labour_department", "visit", "visit_line", "obstacle", "follow_up"):
                if rows[name]:
                    conn.execute(sa.insert(t[name]), rows[name])
                    rows[name].clear()

    visits_total = lines // 2
    visit_id = line_id = obstacle_id = followup_id = 0
    for e in range(1, employers + 1):
        district = districts[e % len(districts)]
        rows["employer"].append({"id": e, "unit_code": f"BE{e:07d}", "tax_code": f"01{e:08d}",
                                 "name": f"Công ty TNHH số {e}", "address": "", "sector": "", "district_id": district,
                                 "search_text": f"cong ty tnhh so {e}", "created_at": created, "updated_at": created})
        departments = []
        for k in range(2):
            insured = rng.randint(5, 300)
            departments.append((2 * e - 1 + k, insured))
            rows["labour_department"].append({"id": 2 * e - 1 + k, "employer_id": e, "name": f"Bộ phận {k}",
                                              "insured_declared": insured, "created_at": created,
                                              "current_registered": 0, "current_active": 0})
        # Visits spread so the total comes out at `lines` lines.
        share = visits_total * e // employers - visits_total * (e - 1) // employers
        registered = {d: 0 for d, _i in departments}
        for day in sorted(rng.sample(range(0, 365), share)):
            visit_id += 1
            visit_date = date(2023, 1, 1) + timedelta(days=day)
            submitted = datetime.combine(visit_date, datetime.min.time()) + timedelta(hours=3)
            state = rng.choice(STATES)
            rows["visit"].append({"id": visit_id, "officer_id": officer_of[district], "employer_id": e,
                                  "district_id": district,
                                  "visit_date": visit_date, "purpose": "registration_drive", "notes": "",
                                  "state": state, "return_reason": "", "revision": 1,
                                  "idempotency_key": f"bench-{visit_id}", "content_hash": "bench",
                                  "created_at": submitted, "submitted_at": submitted, "newly_registered": 0})
            for department_id, insured in departments:
                line_id += 1
                before = registered[department_id]
                registered[department_id] = min(insured, before + rng.randint(0, 80))
                reg = registered[department_id]
                rows["visit_line"].append({"id": line_id, "visit_id": visit_id, "labour_department_id": department_id,
                                           "insured": insured, "registered": reg, "active": reg * 2 // 3,
                                           "newly_registered": reg - before})
                rows["visit"][-1]["newly_registered"] += reg - before  # Σ over its lines, as the app keeps it
            if rng.random() < 0.1:
                obstacle_id += 1
                rows["obstacle"].append({"id": obstacle_id, "visit_id": visit_id, "position": 0,
                                         "category": rng.choice(CATEGORIES), "people_affected": rng.randint(1, 9),
                                         "note": ""})
        if followup_id < 20_000 and e % (max(1, employers // 20_000)) == 0:
            followup_id += 1
            decided = followup_id % 2 == 0
            rows["follow_up"].append({"id": followup_id, "kind": "revisit", "state": "approved" if decided else "proposed",
                                      "employer_id": e, "district_id": district,
                                      "proposer_id": officer_of[district],
                                      "assignee_id": officer_of[district],
                                      "due_date": date(2023, 6, 1) + timedelta(days=rng.randint(0, 1400)), "note": "",
                                      "decided_by_id": officer_of[district] if decided else None,
                                      "decided_at": created if decided else None, "decision_comment": "",
                                      "reason": "", "outcome": "", "created_at": created, "updated_at": created})
        if len(rows["visit_line"]) >= CHUNK:
            flush()
    flush()
    inserted = time.perf_counter() - started
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            for table in ("org_unit", "user", "employer", "labour_department", "visit", "visit_line", "obstacle",
                          "follow_up"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                     f"(SELECT max(id) FROM \"{table}\"))"))
    began = time.perf_counter()
    with app.test_request_context():
        rebuild_all(progress=lambda n: print(f"  timeline: {n:,} employers", file=sys.stderr))
        db.session.commit()
    timeline = time.perf_counter() - began
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE"))
    counts = {name: db.session.scalar(sa.text(f'SELECT count(*) FROM "{name}"'))
              for name in ("org_unit", "employer", "labour_department", "visit", "visit_line", "obstacle",
                           "follow_up", "progress_employer", "progress_stock", "progress_activity",
                           "progress_obstacle")}
    return {"insert_seconds": round(inserted, 1), "timeline_seconds": round(timeline, 1), "rows": counts}


def measure(fn, repeat, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 3),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 3), "n": repeat}


def run(app, repeat):
    import sqlalchemy as sa

    from fieldops.employers.models import Employer
    from fieldops.extensions import db
    from fieldops.org.models import OrgUnit
    from fieldops.progress import dashboard, figures as fig, queries
    from fieldops.progress.periods import parse_period
    from fieldops.progress.timeline import employers_changed

    today = date(2024, 3, 1)
    results = {}
    with app.test_request_context():
        campaign = dashboard.current_campaign(today)
        units = {code: db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code == code)).one()
                 for code in ("VN", "P31", "P31-D05")}
        results["baseline SELECT 1"] = measure(lambda: db.session.execute(sa.text("SELECT 1")).scalar(), repeat * 20)
        results["baseline primary-key lookup"] = measure(
            lambda: db.session.execute(sa.select(Employer.name).where(Employer.id == 4242)).scalar(), repeat * 20)
        for period_code in ("2023", "2023-09-15"):
            period = parse_period(period_code, campaign, today)
            as_of = period.as_of(today)
            for level, unit in zip(("national", "province", "district"), units.values()):
                children = dashboard.children_of(unit)

                def figures():
                    ends = fig.month_ends_between(campaign.counts_from, as_of)
                    fig.stock_as_of(unit, ends)
                    fig.stock_by_child(unit, as_of, children)
                    fig.flows(unit, {"period": (period.start, as_of), "to_date": (campaign.counts_from, as_of)},
                              children)
                    fig.obstacles(unit, period.start, as_of)
                    fig.followups_open(unit, today, children)

                results[f"{level} figures, {period_code}"] = measure(figures, repeat)
                results[f"{level} report, {period_code}"] = measure(
                    lambda: dashboard.unit_report(unit, campaign, period, today), max(3, repeat // 3))
        for level, unit in zip(("national", "province", "district"), units.values()):
            results[f"{level} worklist, first page"] = measure(lambda: queries.worklist_page(unit, 1, 20), repeat)
        ids = list(db.session.scalars(sa.select(Employer.id).where(Employer.id % 997 == 0)))
        rng = random.Random(1)
        results["timeline refresh of one employer (write path)"] = measure(
            lambda: employers_changed([rng.choice(ids)]), repeat)
        db.session.rollback()
    base = {name: results[name]["p50_ms"] for name in ("baseline SELECT 1", "baseline primary-key lookup")}
    for name, value in results.items():
        if not name.startswith("baseline"):
            value["x_select_1"] = round(value["p50_ms"] / base["baseline SELECT 1"], 1)
            value["x_pk_lookup"] = round(value["p50_ms"] / base["baseline primary-key lookup"], 1)
    return results


def plans(app):
    """The plans of the national stock query and a district's, to see the indexes used."""
    import sqlalchemy as sa

    from fieldops.extensions import db
    from fieldops.org.models import OrgUnit
    from fieldops.progress.figures import _clause, windows
    from fieldops.progress.models import StockDelta
    from fieldops.progress.timeline import SENTINEL

    out = {}
    table = StockDelta.__table__
    with app.app_context():
        prefix = "EXPLAIN " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        for code in ("VN", "P31-D05"):
            root = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code == code)).one()
            stmt = (sa.select(OrgUnit.path, sa.func.sum(table.c.registered)).select_from(OrgUnit)
                    .join(table, table.c.district_id == OrgUnit.id)
                    .where(OrgUnit.scope_clause(root), _clause(table, windows(SENTINEL, date(2023, 9, 15))))
                    .group_by(OrgUnit.path))
            sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
            with db.engine.connect() as conn:
                out[f"stock as of 15/09/2023, {code}"] = [str(r[-1]) for r in conn.execute(sa.text(prefix + sql))]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employers", type=int, default=150_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("FIELDOPS_BENCH_DATABASE_URL"))
    parser.add_argument("--reuse", action="store_true", help="Measure the database given as it is (built before).")
    args = parser.parse_args()

    from fieldops import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or "sqlite:///" + os.path.join(tmp, "progress-bench.sqlite3")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            if args.reuse:
                built = {"reused": url}
            else:
                print("building…", file=sys.stderr)
                built = build(app, args.employers, args.lines)
            print(json.dumps(built, indent=1), file=sys.stderr)
            results = run(app, args.repeat)
            dialect = app.extensions["sqlalchemy"].engine.dialect.name
        report = {
            "when": datetime.now().isoformat(timespec="seconds"),
            "database": dialect,
            "machine": {"python": platform.python_version(), "platform": platform.platform(),
                        "cpus": os.cpu_count(), "load_average": os.getloadavg()},
            "build": built, "results": results, "plans": plans(app),
        }
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    path = os.path.join(ROOT, "bench", "results", f"progress-{report['database']}-"
                        f"{datetime.now().strftime('%Y%m%d-%H%M%S')}.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=1, ensure_ascii=False, default=str)
    width = max(len(name) for name in results)
    for name, value in results.items():
        ratio = "" if name.startswith("baseline") else f"  ×{value['x_select_1']:>8} SELECT 1  ×{value['x_pk_lookup']:>7} PK"
        print(f"{name:<{width}}  p50 {value['p50_ms']:>9.3f} ms  p95 {value['p95_ms']:>9.3f} ms{ratio}")
    print(f"report: {path}")


if __name__ == "__main__":
    main()
