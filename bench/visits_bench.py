"""Visit benchmark (not a test): employer page and visit submission latency on a
database holding 100,000 employers and 1,000,000 visit lines, each as a ratio
against /healthz measured on the same server in the same run.

    .venv/bin/python bench/visits_bench.py                    # SQLite (and PostgreSQL, see below)
    .venv/bin/python bench/visits_bench.py --employers 10000 --lines 100000 --requests 300
    FIELDOPS_BENCH_DATABASE_URL=postgresql+psycopg:///fieldops_bench .venv/bin/python bench/visits_bench.py

The database is built by the migrations, then filled with bulk inserts: two
labour departments per employer, every visit counting both, current figures
set as the visits say. The app runs under gunicorn (2 workers, production
configuration); a pool of client threads (http.client) signs in as an
officer and measures, in turn, /healthz, the employer page and the visit
submission (POST of the form: validation, the idempotency check, the visit,
its lines and revision, the current figures and the audit event), then
/healthz again. The JSON report goes to bench/results/. The PostgreSQL
database named in FIELDOPS_BENCH_DATABASE_URL is emptied first.
"""
import argparse
import http.client
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from datetime import date, datetime, timedelta

# A benchmark runs the development configuration unless told otherwise (fieldops/config.py).
os.environ.setdefault("FIELDOPS_ENV", "development")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PASSWORD = "bench-password-2023"
DISTRICTS = 10
CHUNK = 20_000
STATES = ["verified"] * 16 + ["submitted"] * 3 + ["returned"]


# --- building the database ------------------------------------------------------


def build(url, employers, lines, seed=2023):
    """A migrated database with the given number of employers and visit lines."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from fieldops import create_app
    from fieldops.auth.models import Role
    from fieldops.auth.operations import create_user
    from fieldops.campaigns.models import Campaign
    from fieldops.employers.models import Employer, LabourDepartment
    from fieldops.extensions import db
    from fieldops.org.models import UnitLevel
    from fieldops.org.operations import create_org_unit
    from fieldops.textfold import fold
    from fieldops.visits.models import Visit, VisitLine

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(seed)
    started = time.perf_counter()
    with app.app_context():
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        meta.drop_all(bind=db.engine)
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()

        vn = create_org_unit(None, code="VN", name="BHXH Việt Nam", parent=None, level=UnitLevel.national)
        hn = create_org_unit(None, code="HN", name="BHXH Hà Nội", parent=vn)
        districts = [create_org_unit(None, code=f"HN-{i:02d}", name=f"BHXH quận {i}", parent=hn)
                     for i in range(1, DISTRICTS + 1)]
        officer = create_user(None, username="officer.bench", full_name="Cán bộ Bench", role=Role.officer,
                              org_unit=districts[0], password=PASSWORD)
        db.session.add(Campaign(name="Bench 2023", starts_on=date(2023, 1, 1), ends_on=date(2023, 12, 31),
                                counts_from=date(2023, 1, 1)))
        db.session.commit()
        district_ids = [d.id for d in districts]
        officer_id = officer.id

        visits_per_employer = max(1, lines // (2 * employers))
        created = datetime(2023, 1, 1)
        current = {}  # department id → (insured, registered, active, visit id, visit date)
        employer_rows, department_rows, visit_rows, line_rows = [], [], [], []
        visit_id = line_id = 0

        def flush(final=False):
            with db.engine.begin() as conn:
                if employer_rows:
                    conn.execute(sa.insert(Employer.__table__), employer_rows)
                if department_rows:
                    conn.execute(sa.insert(LabourDepartment.__table__), department_rows)
                if visit_rows:
                    conn.execute(sa.insert(Visit.__table__), visit_rows)
                if line_rows:
                    conn.execute(sa.insert(VisitLine.__table__), line_rows)
            for rows in (employer_rows, department_rows, visit_rows, line_rows):
                rows.clear()

        for e in range(1, employers + 1):
            name = f"Công ty TNHH Thương mại Hoàng Long số {e}"
            employer_rows.append({
                "id": e, "unit_code": f"BE{e:07d}", "tax_code": f"01{e:08d}", "name": name,
                "address": f"Số {e % 300 + 1} phố Kim Mã, Hà Nội", "sector": "Thương mại",
                "district_id": district_ids[e % DISTRICTS],
                "search_text": fold(f"{name} BE{e:07d} 01{e:08d}"), "created_at": created, "updated_at": created,
            })
            departments = []
            for k, dept_name in enumerate(("Văn phòng", "Phân xưởng")):
                department_id = 2 * e - 1 + k
                insured = rng.randint(5, 300)
                departments.append((department_id, insured))
                department_rows.append({
                    "id": department_id, "employer_id": e, "name": dept_name, "insured_declared": insured,
                    "created_at": created, "current_insured": None, "current_registered": 0,
                    "current_active": 0, "current_visit_id": None, "current_visit_date": None,
                })
            days = sorted(rng.sample(range(0, 330), visits_per_employer))
            registered = {d: 0 for d, _ in departments}
            for day in days:
                visit_id += 1
                visit_date = date(2023, 1, 1) + timedelta(days=day)
                submitted = datetime.combine(visit_date, datetime.min.time()) + timedelta(hours=3)
                state = rng.choice(STATES)
                visit_rows.append({
                    "id": visit_id, "officer_id": officer_id, "employer_id": e,
                    "district_id": district_ids[e % DISTRICTS], "visit_date": visit_date,
                    "purpose": "registration_drive", "notes": "", "latitude": None, "longitude": None,
                    "state": state, "return_reason": "sai số" if state == "returned" else "", "revision": 1,
                    "idempotency_key": f"bench-{visit_id}", "content_hash": "bench", "created_at": submitted,
                    "submitted_at": submitted, "resubmitted_at": None,
                    "reviewed_at": submitted + timedelta(days=1) if state != "submitted" else None,
                    "reviewed_by_id": None,
                })
                for department_id, insured in departments:
                    line_id += 1
                    registered[department_id] = min(insured, registered[department_id] + rng.randint(0, 60))
                    reg = registered[department_id]
                    active = reg * 2 // 3
                    line_rows.append({"id": line_id, "visit_id": visit_id, "labour_department_id": department_id,
                                      "insured": insured, "registered": reg, "active": active,
                                      "newly_registered": 0})
                    if state != "returned":
                        current[department_id] = (insured, reg, active, visit_id, visit_date)
            if len(line_rows) >= CHUNK:
                flush()
        flush()

        with db.engine.begin() as conn:
            conn.execute(
                sa.update(LabourDepartment.__table__)
                .where(LabourDepartment.__table__.c.id == sa.bindparam("b_id"))
                .values(current_insured=sa.bindparam("b_ins"), current_registered=sa.bindparam("b_reg"),
                        current_active=sa.bindparam("b_act"), current_visit_id=sa.bindparam("b_visit"),
                        current_visit_date=sa.bindparam("b_date")),
                [{"b_id": d, "b_ins": v[0], "b_reg": v[1], "b_act": v[2], "b_visit": v[3], "b_date": v[4]}
                 for d, v in current.items()],
            )
            if db.engine.dialect.name == "postgresql":
                for table in ("employer", "labour_department", "visit", "visit_line"):
                    conn.execute(sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
        counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))
                  for t in ("employer", "labour_department", "visit", "visit_line")}
        plans = explain(db, employer_id=1 + DISTRICTS)  # an employer of the officer's district
        in_scope = [e for e in range(1, employers + 1) if district_ids[e % DISTRICTS] == district_ids[0]]
    return {"seconds": round(time.perf_counter() - started, 1), "rows": counts, "plans": plans,
            "employers_in_scope": in_scope}


def explain(db, employer_id):
    """The plans of the queries the two measured requests depend on."""
    import sqlalchemy as sa

    queries = {
        "visit history of an employer": "SELECT * FROM visit WHERE employer_id = :e "
                                        "ORDER BY visit_date DESC, submitted_at DESC, id DESC LIMIT 20",
        "lines of an employer's visits": "SELECT visit.id, visit_line.insured FROM visit JOIN visit_line "
                                         "ON visit_line.visit_id = visit.id WHERE visit.employer_id = :e",
        "departments of an employer": "SELECT * FROM labour_department WHERE employer_id = :e",
        "latest line of a department": "SELECT visit.id FROM visit JOIN visit_line ON visit_line.visit_id = "
                                       "visit.id WHERE visit_line.labour_department_id = :e AND visit.state "
                                       "IN ('submitted', 'verified') ORDER BY visit.visit_date DESC, "
                                       "visit.submitted_at DESC, visit.id DESC LIMIT 1",
        "idempotency key": "SELECT id FROM visit WHERE idempotency_key = 'bench-1'",
    }
    plans = {}
    with db.engine.connect() as conn:
        prefix = "EXPLAIN " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        for name, sql in queries.items():
            rows = conn.execute(sa.text(prefix + sql), {"e": employer_id}).all()
            plans[name] = [str(row[-1]) for row in rows]
    return plans


# --- the server -------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _production(url):
    return dict(os.environ, DATABASE_URL=url, FIELDOPS_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                FIELDOPS_PUBLIC_URL="https://fieldops.example")  # production wants the printed address


def start_worker(url):
    """The job worker, as production runs it beside the web servers (it computes again the
    dashboards their readers found aged); stopped with stop_server."""
    return subprocess.Popen([os.path.join(ROOT, ".venv/bin/flask"), "--app", "wsgi", "jobs", "work"],
                            cwd=ROOT, env=_production(url), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_server(url, port, workers=2, threads=1):
    env = _production(url)
    process = subprocess.Popen(
        [os.path.join(ROOT, ".venv/bin/gunicorn"), "--workers", str(workers), "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    for _ in range(200):
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def stop_server(process):
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


# --- the client -------------------------------------------------------------------


def request(port, method, path, body=None, cookies=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        sent = dict(headers or {})
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if body is not None:
            body = urllib.parse.urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        if cookies is not None:
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    cookies[name] = rest.split(";", 1)[0]
        return response.status, data
    finally:
        conn.close()


class Officer:
    """One signed-in session, as a tablet would hold it."""

    def __init__(self, port):
        self.port, self.cookies = port, {}
        status, page = request(port, "GET", "/login", cookies=self.cookies)
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
        status, _ = request(port, "POST", "/login", cookies=self.cookies, body={
            "csrf_token": token, "username": "officer.bench", "password": PASSWORD, "next": ""})
        assert status == 302, f"sign-in failed: {status}"
        status, page = request(port, "GET", "/", cookies=self.cookies)
        self.token = re.search(rb'"X-CSRFToken": "([^"]+)"', page).group(1).decode()

    def get(self, path):
        return request(self.port, "GET", path, cookies=self.cookies)[0]

    def submit(self, employer_id):
        form = {"csrf_token": self.token, "idempotency_key": str(uuid.uuid4()), "base_revision": "",
                "visit_date": "2023-12-15", "purpose": "registration_drive", "notes": "",
                "latitude": "", "longitude": ""}
        for k, department_id in enumerate((2 * employer_id - 1, 2 * employer_id)):
            form.update({f"lines-{k}-department_id": str(department_id), f"lines-{k}-new_name": "",
                         f"lines-{k}-counted": "y", f"lines-{k}-insured": "300", f"lines-{k}-registered": "280",
                         f"lines-{k}-active": "200", f"lines-{k}-newly_registered": "5"})
        return request(self.port, "POST", f"/visits/new/{employer_id}", body=form, cookies=self.cookies)[0]


def measure(officers, count, action, expected, warmup=20):
    """Run `action(officer, i)` `count` times over the officers' threads."""
    latencies, failures = [], []
    lock = threading.Lock()
    counter = iter(range(-warmup * len(officers), count))

    def worker(officer):
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t0 = time.perf_counter()
            status = action(officer, i)
            elapsed = time.perf_counter() - t0
            if i >= 0:
                with lock:
                    latencies.append(elapsed)
                    if status != expected:
                        failures.append(status)

    threads = [threading.Thread(target=worker, args=(o,)) for o in officers]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies), "failures": len(failures),
        "p50_ms": round(1000 * statistics.median(latencies), 2),
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 2),
        "mean_ms": round(1000 * statistics.fmean(latencies), 2),
        "rps": round(len(latencies) / wall, 1),
    }


def run(url, label, args):
    print(f"== {label}: building {args.employers:,} employers and {args.lines:,} visit lines", flush=True)
    built = build(url, args.employers, args.lines)
    print(f"   built in {built['seconds']} s: {built['rows']}", flush=True)
    port = free_port()
    server = start_server(url, port)
    try:
        officers = [Officer(port) for _ in range(args.concurrency)]
        in_scope = built.pop("employers_in_scope")
        rng = random.Random(7)
        pages = [rng.choice(in_scope) for _ in range(args.requests + 100 * args.concurrency)]
        targets = [rng.choice(in_scope) for _ in range(args.requests + 100 * args.concurrency)]
        results = {}
        print("   /healthz …", flush=True)
        results["healthz_before"] = measure(officers, args.requests, lambda o, i: o.get("/healthz"), 200)
        print("   employer page …", flush=True)
        results["employer_page"] = measure(officers, args.requests, lambda o, i: o.get(f"/employers/{pages[i]}"), 200)
        print("   visit submission …", flush=True)
        results["visit_submission"] = measure(officers, args.requests, lambda o, i: o.submit(targets[i]), 302)
        print("   /healthz again …", flush=True)
        results["healthz_after"] = measure(officers, args.requests, lambda o, i: o.get("/healthz"), 200)
    finally:
        stop_server(server)
    base_p50 = statistics.fmean([results["healthz_before"]["p50_ms"], results["healthz_after"]["p50_ms"]])
    base_p95 = statistics.fmean([results["healthz_before"]["p95_ms"], results["healthz_after"]["p95_ms"]])
    ratios = {name: {"p50": round(results[name]["p50_ms"] / base_p50, 2),
                     "p95": round(results[name]["p95_ms"] / base_p95, 2)}
              for name in ("employer_page", "visit_submission")}
    for name, stats in results.items():
        print(f"   {name:18} p50 {stats['p50_ms']:8.2f} ms  p95 {stats['p95_ms']:8.2f} ms  "
              f"{stats['rps']:7.1f} req/s  failures {stats['failures']}")
    print(f"   ratios to /healthz: {ratios}", flush=True)
    return {"database": label, "build": built, "results": results, "ratios_to_healthz": ratios}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1000, help="measured requests per scenario")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()

    runs = []
    with tempfile.TemporaryDirectory(prefix="fieldops-bench-") as tmp:
        if not args.skip_sqlite:
            runs.append(run("sqlite:///" + os.path.join(tmp, "bench.sqlite3"), "sqlite", args))
    pg = os.environ.get("FIELDOPS_BENCH_DATABASE_URL")
    if pg:
        runs.append(run(pg, "postgresql", args))

    report = {
        "benchmark": "visits", "when": datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "config": {"employers": args.employers, "visit_lines": args.lines, "requests": args.requests,
                   "concurrency": args.concurrency, "gunicorn_workers": 2},
        "runs": runs,
    }
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    path = os.path.join(ROOT, "bench/results", f"visits-{datetime.now():%Y%m%d-%H%M%S}.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2, ensure_ascii=False, default=str)
    print(f"report: {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
