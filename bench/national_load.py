"""National load benchmark (not a test): the pages people use, under locust, on
the national data, each beside /healthz measured in the same run.

    .venv/bin/python bench/national_data.py --database postgresql+psycopg:///fieldops_national   # once
    .venv/bin/python bench/national_load.py --database postgresql+psycopg:///fieldops_national
    .venv/bin/python bench/national_load.py --database postgresql+psycopg:///fieldops_national \\
        --concurrency 8 --duration 10 --scenarios healthz dashboard_national --skip-direct      # a quick look

1. Starts gunicorn (production configuration, --workers, default 4) and the job
   worker (which computes again the dashboards found aged) on the
   database, and signs in the accounts the scenarios use, once (the sessions
   live in the database; locust clients reuse their cookies and CSRF token).
2. For each concurrency (default 1, 8 and 32 clients) runs locust headless for
   --duration seconds per scenario, closed loop without think time, and reads
   requests/s and p50/p95/p99 from its --csv output. /healthz runs first and
   last at each concurrency; its mean throughput is the baseline of the ratio.
   Scenarios: officer home, employer search, employer page, visit submit,
   supervisor review queue, the dashboards of the nation, a province and a
   district, and the XLSX export of a province.
3. Measures, directly and one at a time (not under concurrency): a commendation
   dossier PDF of 10 and of 200 nominees (bench/dossier_bench.py's phases) and
   an employer import of --import-rows rows (bench/import_bench.py's), both on
   the scratch database (--scratch-database, emptied; default: the national
   database's name + "_scratch", created if missing).

The visit submissions add visits (dated 15/12/2023) to the national database;
the next run takes them out again before it starts (their idempotency keys
begin with "bench-"), so every run measures the generated data.
Every record carries the load average at its end: the machine may be shared.
The JSON report goes to bench/results/national-<time>.json; the command prints
its table and each page's p99 at 32 clients over its p99 at 8, as measured and
with /healthz's change between the two blocks taken out (bench/national_report.py).
"""
import argparse
import csv
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

# A benchmark runs the development configuration unless told otherwise (fieldops/config.py).
os.environ.setdefault("FIELDOPS_ENV", "development")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

import visits_bench  # noqa: E402  (the server and the HTTP client)
from bulk_verify_visits import wait_again, waiting_visits  # noqa: E402
from national_report import table, tail_growth  # noqa: E402

SCENARIOS = ["officer_home", "employer_search", "employer_page", "visit_submit", "supervisor_queue",
             "dashboard_national", "dashboard_province", "dashboard_district", "export_province",
             "campaign_headline", "sync_first", "sync_incremental", "outbox_replay", "care_queue", "review_bulk_verify"]
# Scenarios measured by one row of locust's statistics (bench/locustfile.py fires it) rather than all their requests.
BATCH_ROWS = {"outbox_replay": "outbox replay of 20", "review_bulk_verify": "bulk verify of 100"}
# The review queue's bulk verify (fieldops/visits/queue_routes.py): asked, then confirmed.
BULK_VERIFY_PATH = "/visits/review/verify"
# A tablet's incremental sync asks for what changed since its last one, an hour ago here.
SYNC_SINCE_SECONDS = 3600
PASSWORD = "fieldops-demo-2023"  # fieldops.demo.accounts.DEMO_PASSWORD, every generated account's
STICKY_COOKIE = "fieldops_primary_until"  # fieldops.core.replica.COOKIE


def machine(url):
    import sqlalchemy as sa

    info = {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}
    with open("/proc/meminfo") as f:
        info["ram_gb"] = round(int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1)) / 2**20, 1)
    with open("/proc/cpuinfo") as f:
        found = re.search(r"model name\s*:\s*(.+)", f.read())
        info["cpu_model"] = found.group(1).strip() if found else platform.processor()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        info["postgresql"] = conn.execute(sa.text("SHOW server_version")).scalar()
        info["pg_settings"] = {name: conn.execute(sa.text(f"SHOW {name}")).scalar()
                               for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_connections")}
    engine.dispose()
    info["load_average_at_start"] = os.getloadavg()
    return info


def pick_accounts(url, officers, others, seed=7):
    """Officers of different districts with employers to open and visit; the
    supervisors of those districts; province viewers; the national viewer."""
    import sqlalchemy as sa

    rng = random.Random(seed)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        districts = conn.execute(sa.text(
            "SELECT e.district_id, count(*) FROM employer e GROUP BY e.district_id HAVING count(*) >= 50 "
            "ORDER BY e.district_id")).all()
        chosen = rng.sample([d for d, _n in districts], min(officers, len(districts)))
        out = {"officer": [], "supervisor": [], "province_viewer": [], "viewer": []}
        for district in chosen:
            username = conn.execute(sa.text(
                "SELECT username FROM \"user\" WHERE role = 'officer' AND org_unit_id = :d ORDER BY id LIMIT 1"),
                {"d": district}).scalar()
            employers = {}
            for employer_id, department_id in conn.execute(sa.text(
                    "SELECT d.employer_id, d.id FROM labour_department d WHERE d.employer_id IN "
                    "(SELECT id FROM employer WHERE district_id = :d ORDER BY id LIMIT 200) ORDER BY d.id"),
                    {"d": district}):
                employers.setdefault(str(employer_id), []).append(department_id)
            out["officer"].append({"username": username, "unit_id": district, "employers": employers})
        for district in chosen[:others]:
            username = conn.execute(sa.text(
                "SELECT username FROM \"user\" WHERE role = 'supervisor' AND org_unit_id = :d LIMIT 1"),
                {"d": district}).scalar()
            out["supervisor"].append({"username": username, "unit_id": district})
        for username, unit_id in conn.execute(sa.text(
                "SELECT u.username, u.org_unit_id FROM \"user\" u JOIN org_unit o ON o.id = u.org_unit_id "
                "WHERE u.role = 'viewer' AND o.level = 'province' ORDER BY u.id")).all()[:others]:
            out["province_viewer"].append({"username": username, "unit_id": unit_id})
        unit_id = conn.execute(sa.text("SELECT id FROM org_unit WHERE level = 'national'")).scalar()
        out["viewer"].append({"username": "viewer", "unit_id": unit_id})
        largest = districts and max(districts, key=lambda d: (d[1], -d[0]))[0]
        out["largest_officer"] = [{"username": conn.execute(sa.text(
            "SELECT username FROM \"user\" WHERE role = 'officer' AND org_unit_id = :d ORDER BY id LIMIT 1"),
            {"d": largest}).scalar(), "unit_id": largest}]
        out["largest_supervisor"] = [{"username": conn.execute(sa.text(
            "SELECT username FROM \"user\" WHERE role = 'supervisor' AND org_unit_id = :d LIMIT 1"),
            {"d": largest}).scalar(), "unit_id": largest}]
        out["care"] = [{"username": u} for u in care_accounts(conn, others)]
    engine.dispose()
    return out


def care_accounts(conn, count):
    """The Customer Care Center's accounts of the provinces with the most escalations awaiting an answer;
    data generated before the role existed gets one per province (the demo password, as every account)."""
    import sqlalchemy as sa

    provinces = conn.execute(sa.text(
        "SELECT p.id, p.code FROM follow_up f JOIN org_unit d ON d.id = f.district_id JOIN org_unit p ON p.id = d.parent_id "
        "WHERE f.kind = 'escalation' AND f.care_answer IS NULL GROUP BY p.id, p.code ORDER BY count(*) DESC, p.id "
        "LIMIT :n"), {"n": count}).all()
    usernames = []
    for province_id, code in provinces:
        username = f"care.{code.lower()}"
        if not conn.execute(sa.text("SELECT 1 FROM \"user\" WHERE username = :u"), {"u": username}).scalar():
            conn.execute(sa.text(
                "INSERT INTO \"user\" (username, full_name, password_hash, role, org_unit_id, preferred_language, "
                "active, created_at, password_changed_at) SELECT :u, 'Trung tâm Chăm sóc khách hàng', password_hash, "
                "'care', :p, 'vi', true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC' FROM \"user\" WHERE username = 'viewer'"), {"u": username, "p": province_id})
            conn.commit()
        usernames.append(username)
    return usernames


def sign_in(port, account):
    cookies = {}
    _status, page = visits_bench.request(port, "GET", "/login", cookies=cookies)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
    status, _ = visits_bench.request(port, "POST", "/login", cookies=cookies, body={
        "csrf_token": token, "username": account["username"], "password": PASSWORD, "next": ""})
    if status != 302:
        raise RuntimeError(f"sign-in of {account['username']} failed: {status}")
    _status, page = visits_bench.request(port, "GET", "/", cookies=cookies)
    account["csrf"] = re.search(rb'"X-CSRFToken": "([^"]+)"', page).group(1).decode()
    # Signing in wrote, so the browser reads the primary for a while (fieldops/core/replica.py); the
    # benchmark's users are people who signed in earlier.
    cookies.pop(STICKY_COOKIE, None)
    account["cookies"] = cookies
    return account


def run_locust(port, fixture, scenario, clients, duration, workdir):
    prefix = os.path.join(workdir, f"{scenario}-{clients}")
    env = dict(os.environ, SCENARIO=scenario, NATIONAL_FIXTURE=fixture)
    done = subprocess.run([os.path.join(ROOT, ".venv/bin/locust"), "-f", os.path.join(ROOT, "bench/locustfile.py"),
                    "--headless", "-u", str(clients), "-r", str(clients), "-t", f"{duration}s",
                    "--host", f"http://127.0.0.1:{port}", "--csv", prefix, "--only-summary",
                    "--loglevel", "ERROR", "--stop-timeout", "10"],
                   env=env, cwd=ROOT, check=False, capture_output=True)
    wanted = BATCH_ROWS.get(scenario, "Aggregated")
    with open(prefix + "_stats.csv", newline="") as f:
        row = next((r for r in csv.DictReader(f) if r["Name"] == wanted), None)
    if row is None:  # a batch that ended as the run stopped reaches the printed summary only
        return summary_row(done.stderr.decode(), wanted)
    return {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 1), "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]), "p99_ms": float(row["99%"])}


def summary_row(text, name):
    """The row of `name` in locust's printed summary (its statistics, then its percentiles)."""
    stats = re.search(rf"{re.escape(name)}\s+(\d+)\s+(\d+)\(.*?\|.*?\|\s+([\d.]+)", text)
    percentiles = re.findall(rf"{re.escape(name)}\s+((?:\d+\s+){{11}})\d+\s*$", text, re.M)
    if not stats or not percentiles:  # no batch finished within the run
        return {"requests": 0, "failures": 0, "rps": 0.0, "p50_ms": 0, "p95_ms": 0, "p99_ms": 0,
                "note": f"no {name!r} finished within the run"}
    p = [float(x) for x in percentiles[-1].split()]
    return {"requests": int(stats.group(1)), "failures": int(stats.group(2)), "rps": round(float(stats.group(3)), 1),
            "p50_ms": p[0], "p95_ms": p[5], "p99_ms": p[7]}


BENCH_KEY_PREFIX = "bench-"  # the idempotency keys of the visits the submit scenario records


def remove_submitted_visits(url, where=None) -> int:
    """Take the visits earlier runs' submit scenario recorded out again, with
    what they changed (the departments' current figures and the employers'
    timelines, recomputed by the app's own functions), so every run starts from
    the generated data: they pile up on the benchmark's officers, supervisors and
    employers (1,400 visits an officer after a few runs, where the data gives
    56). `where` (a SQL condition on visit) picks them otherwise."""
    import sqlalchemy as sa

    from fieldops import create_app
    from fieldops.employers.models import LabourDepartment
    from fieldops.extensions import db
    from fieldops.progress.timeline import employers_changed
    from fieldops.visits.models import Obstacle, Visit, VisitLine, VisitRevision

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        condition = sa.text(where) if where else Visit.idempotency_key.startswith(BENCH_KEY_PREFIX)
        visits = sa.select(Visit.id).where(condition).scalar_subquery()
        employers = set(db.session.scalars(sa.select(Visit.employer_id).where(Visit.id.in_(visits)).distinct()))
        # As before any visit for now (the constraint wants all or none); recomputed below.
        db.session.execute(sa.update(LabourDepartment).where(LabourDepartment.current_visit_id.in_(visits))
                           .values(current_visit_id=None, current_visit_date=None, current_insured=None,
                                   current_registered=0, current_active=0))
        for model in (VisitRevision, VisitLine, Obstacle):
            db.session.execute(sa.delete(model).where(model.visit_id.in_(visits)))
        removed = db.session.execute(sa.delete(Visit).where(Visit.id.in_(visits))).rowcount
        employers_changed(employers)
        db.session.commit()
    return removed


# What the runs write: the submits' visits and their removal, the departments' current figures,
# the timelines, the bulk verify's visits, the sessions and the audit.
WRITTEN_TABLES = ("visit", "visit_line", "visit_revision", "obstacle", "labour_department", "progress_employer",
                  "progress_employer_full_day", "progress_stock", "progress_activity", "progress_obstacle",
                  "progress_reviewed", "audit_event", "user_session", "login_attempt")


def vacuum_written_tables(url):
    """VACUUM (ANALYZE) what earlier runs wrote, as autovacuum would have between
    them: otherwise the dead rows they left (tens of thousands of department
    versions after a few runs) are read past by the pages measured, and
    autovacuum starts on them in the middle of a run, beside the server."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execute(sa.text(f"VACUUM (ANALYZE) {', '.join(WRITTEN_TABLES)}"))
    finally:
        engine.dispose()


def http_scenarios(args, records):
    import sqlalchemy as sa

    import replica

    removed = remove_submitted_visits(args.database)
    if removed:
        print(f"removed the {removed:,} visits earlier runs submitted", flush=True)
    vacuum_written_tables(args.database)
    scenarios = list(args.scenarios)
    database = sa.engine.make_url(args.database).database
    if args.replica:
        print("starting the streaming replica…", flush=True)
        os.environ["DATABASE_REPLICA_URL"] = replica.replica_url(database, replica.start())
    port = visits_bench.free_port()
    server = visits_bench.start_server(args.database, port, workers=args.workers, threads=args.threads)
    job_worker = visits_bench.start_worker(args.database)
    picks = []  # the bulk verify's visits
    try:
        print("signing in…", flush=True)
        accounts = pick_accounts(args.database, max(args.concurrency), 8)
        with ThreadPoolExecutor(4) as pool:
            for role in accounts:
                accounts[role] = list(pool.map(lambda a: sign_in(port, a), accounts[role]))
        with tempfile.TemporaryDirectory(prefix="fieldops-national-") as workdir:
            fixture = os.path.join(workdir, "fixture.json")
            picks += (waiting_visits(args.database, accounts["largest_officer"][0]["unit_id"])
                      if "review_bulk_verify" in scenarios else [])
            with open(fixture, "w") as f:
                json.dump({"accounts": accounts, "batch_rows": BATCH_ROWS, "bulk_verify_path": BULK_VERIFY_PATH,
                           "campaign": campaign_of(args.database),
                           "sync_since": (datetime.utcnow() - timedelta(seconds=SYNC_SINCE_SECONDS)).isoformat(),
                           "waiting": picks}, f)
            for clients in args.concurrency:
                before = run_locust(port, fixture, "healthz", clients, args.duration, workdir)
                measured = []
                for scenario in scenarios:
                    if scenario == "review_bulk_verify":
                        wait_again(args.database, picks)
                    primary = replica.ServerLoad(database)
                    standby = replica.ServerLoad(database, replica.PORT) if args.replica else None
                    result = run_locust(port, fixture, scenario, clients, args.duration, workdir)
                    result["load_average"] = os.getloadavg()
                    result["primary"] = primary.since(result["requests"])
                    if standby:
                        result["replica"] = standby.since(result["requests"])
                        result["replica_lag_bytes"] = replica.lag_bytes()
                    measured.append((scenario, result))
                    print(f"  {clients:>3} clients  {scenario:<20} {result['rps']:7.1f} req/s  "
                          f"p50 {result['p50_ms']:6.0f}  p95 {result['p95_ms']:6.0f}  p99 {result['p99_ms']:6.0f} ms"
                          f"  failures {result['failures']}  primary {result['primary']['cpu_ms_per_request']} ms/req"
                          + (f", replica {result['replica']['cpu_ms_per_request']} ms/req" if standby else ""),
                          flush=True)
                after = run_locust(port, fixture, "healthz", clients, args.duration, workdir)
                healthz = round((before["rps"] + after["rps"]) / 2, 1)
                print(f"  {clients:>3} clients  healthz {before['rps']} req/s before the pages, {after['rps']} after",
                      flush=True)
                records.append({"scenario": "healthz", "concurrency": clients, **before, "healthz_rps": healthz,
                                "healthz_after": after, "load_average": os.getloadavg()})
                for scenario, result in measured:
                    records.append({"scenario": scenario, "concurrency": clients, **result, "healthz_rps": healthz,
                                    "ratio_to_healthz": round(result["rps"] / healthz, 2) if healthz else None})
    finally:
        visits_bench.stop_server(server)
        visits_bench.stop_server(job_worker)
        if picks:
            wait_again(args.database, picks, waiting=False)
        if args.replica:
            replica.stop()
            os.environ.pop("DATABASE_REPLICA_URL", None)


def campaign_of(url):
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        campaign = conn.execute(sa.text("SELECT id FROM campaign ORDER BY starts_on DESC, id DESC LIMIT 1")).scalar()
    engine.dispose()
    return campaign


def scratch_database(args):
    """The scratch database's URL, created next to the national one if missing."""
    import sqlalchemy as sa

    url = sa.engine.make_url(args.database)
    name = args.scratch_database or f"{url.database}_scratch"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def direct(seconds, scenario, extra):
    return {"scenario": scenario, "concurrency": 1, "rps": round(1 / seconds, 4), "p50_ms": round(seconds * 1000),
            "p95_ms": round(seconds * 1000), "p99_ms": round(seconds * 1000), "healthz_rps": None,
            "measured": "direct, once", "load_average": os.getloadavg(), **extra}


def direct_scenarios(args, records):
    import dossier_bench
    import import_bench

    from fieldops import create_app

    scratch = scratch_database(args)
    for size in args.dossier_sizes:
        print(f"dossier of {size} nominees…", flush=True)
        prepared = dossier_bench._run("--phase", "prepare", "--size", str(size), "--database-url", scratch)
        result = dossier_bench._run("--phase", "measure", "--database-url", scratch)
        memory = {k: result.get(k) for k in ("dossier_cpu_s", "process_peak_rss_mb", "part_process_peak_rss_mb",
                                              "all_processes_peak_rss_mb")}
        records.append(direct(result["dossier_s"], f"dossier_pdf_{size}", {"pages": result["pages"],
                                                                           "close_review_s": prepared["close_s"],
                                                                           **memory}))
        print(f"  {result['pages']} pages in {result['dossier_s']} s, peak {memory['process_peak_rss_mb']} MB "
              f"(largest part process {memory['part_process_peak_rss_mb']} MB)", flush=True)
    print(f"import of {args.import_rows:,} rows…", flush=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch})
    districts = import_bench.setup(app, 30)
    with tempfile.TemporaryDirectory(prefix="fieldops-national-import-") as workdir:
        path = os.path.join(workdir, "employers.csv")
        employers = import_bench.generate(path, args.import_rows, districts)
        result, elapsed, _marks, _peak = import_bench.run_import(app, path)
    records.append(direct(elapsed, f"import_{args.import_rows}_rows", {"employers": employers, "rows": result.rows}))
    print(f"  {employers:,} employers in {elapsed:.1f} s", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="the national PostgreSQL database (bench/national_data.py)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--duration", type=int, default=15, help="seconds per scenario and concurrency")
    parser.add_argument("--scenarios", nargs="+", default=SCENARIOS, choices=SCENARIOS)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--scratch-database", help="for the dossier and the import; emptied first")
    parser.add_argument("--dossier-sizes", type=int, nargs="*", default=[10, 200])
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-direct", action="store_true")
    parser.add_argument("--replica", action="store_true",
                        help="serve through a streaming replica of the cluster (bench/replica.py; run as root)")
    args = parser.parse_args()

    report = {"benchmark": "national", "when": datetime.now().isoformat(timespec="seconds"),
              "machine": machine(args.database),
              "config": {"gunicorn_workers": args.workers, "gunicorn_threads": args.threads,
                         "duration_s": args.duration, "concurrency": args.concurrency,
                         "database": args.database.rsplit("/", 1)[-1], "replica": args.replica},
              "records": []}
    records = report["records"]
    began = time.perf_counter()
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    path = os.path.join(ROOT, "bench/results", f"national-{datetime.now():%Y%m%d-%H%M%S}.json")

    def write():
        report["machine"]["load_average_at_end"] = os.getloadavg()
        report["seconds"] = round(time.perf_counter() - began)
        with open(path, "w") as f:
            json.dump(report, f, indent=1, ensure_ascii=False, default=str)

    if not args.skip_http:
        http_scenarios(args, records)
        write()  # kept should the direct measurements fail
    if not args.skip_direct:
        direct_scenarios(args, records)
    write()
    print(table(records))
    print(tail_growth(records))
    print(f"report: {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
