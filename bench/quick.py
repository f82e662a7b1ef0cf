"""A regression guard for the hot pages, in under three minutes.

Builds a small sample of the national data (bench/national_data.py, 1/200 of
the country by default) in a temporary SQLite database, or in the database
given, then times each hot page in process with Flask's test client (no
server, no network) by the CPU time the process spent on each request (so
other work on the machine does not count, as wall time would), and writes, for
each, the median and p95 in milliseconds of CPU and the ratio of its median to
the median of the `/healthz` requests made between its own (the machine's speed
cancels out).

The numbers stored for this machine (`bench/quick-baseline.json`) are compared
with the run's: a page whose ratio grew by more than `--tolerance` (20%) is
reported as slower and the command exits 1.

    .venv/bin/python bench/quick.py                       # compare with the stored numbers
    .venv/bin/python bench/quick.py --save                # store the baseline: the highest of three runs
    .venv/bin/python bench/quick.py --database postgresql+psycopg:///fieldops_bench
"""
import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

BASELINE = os.path.join(ROOT, "bench", "quick-baseline.json")
RESULTS = os.path.join(ROOT, "bench", "results")
PASSWORD = "fieldops-demo-2023"


def _accounts(db):
    """An officer of a district with employers, its supervisor, a province viewer, the national viewer."""
    import sqlalchemy as sa

    district = db.session.execute(sa.text(
        "SELECT district_id FROM employer GROUP BY district_id ORDER BY count(*) DESC LIMIT 1")).scalar()

    def one(sql, **params):
        return db.session.execute(sa.text(sql), params).first()

    officer = one("SELECT username FROM \"user\" WHERE role = 'officer' AND org_unit_id = :d ORDER BY id LIMIT 1",
                  d=district)[0]
    supervisor = one("SELECT username FROM \"user\" WHERE role = 'supervisor' AND org_unit_id = :d LIMIT 1",
                     d=district)[0]
    province = one("SELECT u.username, u.org_unit_id FROM \"user\" u JOIN org_unit o ON o.id = u.org_unit_id "
                   "WHERE u.role = 'viewer' AND o.level = 'province' ORDER BY u.id LIMIT 1")
    national = one("SELECT id FROM org_unit WHERE level = 'national'")[0]
    employers = {}
    for employer_id, department_id in db.session.execute(sa.text(
            "SELECT d.employer_id, d.id FROM labour_department d WHERE d.employer_id IN "
            "(SELECT id FROM employer WHERE district_id = :d ORDER BY id LIMIT 100) ORDER BY d.id"), {"d": district}):
        employers.setdefault(employer_id, []).append(department_id)
    return {"district": district, "officer": officer, "supervisor": supervisor, "province_viewer": province[0],
            "province": province[1], "national": national, "employers": employers}


def _client(app, username):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, (username, response.status_code)
    return client


def _submit_form(rng, employers):
    employer, departments = rng.choice(list(employers.items()))
    form = {"idempotency_key": f"quick-{uuid.uuid4()}", "base_revision": "", "visit_date": "2023-12-15",
            "purpose": "registration_drive", "notes": "", "latitude": "", "longitude": ""}
    for k, department_id in enumerate(departments):
        form |= {f"lines-{k}-department_id": str(department_id), f"lines-{k}-new_name": "",
                 f"lines-{k}-counted": "y", f"lines-{k}-insured": "300", f"lines-{k}-registered": "280",
                 f"lines-{k}-active": "200", f"lines-{k}-newly_registered": "5"}
    return f"/visits/new/{employer}", form


def scenarios(app, a):
    """[(name, client, request maker)]: what a person of each role opens most."""
    rng = random.Random(7)
    officer, supervisor = _client(app, a["officer"]), _client(app, a["supervisor"])
    province, viewer = _client(app, a["province_viewer"]), _client(app, "viewer")
    words = ["thuong mai", "xay dung", "hoang long", "det may", "minh phat", "co phan"]
    employers = list(a["employers"])
    return [
        ("officer_home", officer, lambda: ("get", "/", None, 200)),
        ("employer_search", officer, lambda: ("get", f"/employers/?q={rng.choice(words)}", None, 200)),
        ("employer_page", officer, lambda: ("get", f"/employers/{rng.choice(employers)}", None, 200)),
        ("visit_submit", officer, lambda: ("post", *_submit_form(rng, a["employers"]), 302)),
        ("supervisor_queue", supervisor, lambda: ("get", "/visits/review", None, 200)),
        ("my_progress", officer, lambda: ("get", "/progress/me", None, 200)),
        ("dashboard_district", supervisor, lambda: ("get", f"/progress/units/{a['district']}", None, 200)),
        ("dashboard_province", province, lambda: ("get", f"/progress/units/{a['province']}", None, 200)),
        ("dashboard_national", viewer, lambda: ("get", f"/progress/units/{a['national']}", None, 200)),
    ]


def timed(client, method, path, data, expected):
    """The request's CPU time in ms. A form's redirect is then followed, untimed, as the
    person's browser does: the message it flashes is read there. Not followed, every
    submit's message stayed in the session cookie, which grew with each one (500 messages
    by the end of a run, signed on every request)."""
    began = time.process_time()
    response = getattr(client, method)(path, data=data) if data else getattr(client, method)(path)
    elapsed = (time.process_time() - began) * 1000
    assert response.status_code == expected, (path, response.status_code)
    if method == "post" and response.status_code in (302, 303):
        client.get(response.headers["Location"])
    return elapsed


def _summary(times) -> dict:
    times = sorted(times)
    return {"median_cpu_ms": round(statistics.median(times), 2),
            "p95_cpu_ms": round(times[math.ceil(len(times) * 0.95) - 1], 2)}  # nearest rank


def measure(app, a, repeat):
    """Each page's requests alternate with /healthz's on the same client, and its ratio is
    to the /healthz requests between its own: both meet the VM in the same state (timed
    in blocks of their own, /healthz's median moved 1.0-1.7 ms between runs minutes apart,
    and every ratio with it)."""
    results, floor = {}, []
    for name, client, make in scenarios(app, a):
        times, beside = [], []
        for i in range(repeat + 3):
            healthz = timed(client, "get", "/healthz", None, 200)
            elapsed = timed(client, *make())
            if i >= 3:  # the first requests warm the caches
                times.append(elapsed)
                beside.append(healthz)
        results[name] = _summary(times) | {
            "ratio_to_healthz": round(statistics.median(times) / statistics.median(beside), 1)}
        floor += beside
    return {"healthz": _summary(floor) | {"ratio_to_healthz": 1.0}} | results


def highest(one, other):
    """Each page's row of the run where its ratio to /healthz was highest. One run on this VM
    may find a page's ratio 30% under another's minutes later: stored from a low one, the
    next runs would be named slower for nothing."""
    return {name: max(one[name], other[name], key=lambda row: row["ratio_to_healthz"]) for name in one}


def _refuse_larger_data(url, sample_employers):
    """The database given is emptied: one holding more employers than the sample
    would make is someone's data (the national set, a demo), not a scratch one."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("employer"):
                return
            held = connection.execute(sa.text("SELECT count(*) FROM employer")).scalar()
    finally:
        engine.dispose()
    if held > sample_employers:
        sys.exit(f"{url} holds {held:,} employers, more than the sample's {sample_employers:,}: "
                 "quick.py empties the database it is given; give it a scratch one")


def compare(results, stored, tolerance):
    """Each page's ratio against the stored one: (the table's lines, the pages
    whose ratio grew by more than `tolerance`)."""
    lines = [f"{'page':20} {'CPU ms':>10} {'÷ healthz':>10} {'baseline':>10} {'now ÷ then':>11}"]
    slower = []
    for name, row in results.items():
        then = stored.get(name, {}).get("ratio_to_healthz")
        change = round(row["ratio_to_healthz"] / then, 2) if then else None
        row["baseline_ratio"], row["now_over_baseline"] = then, change
        if change and name != "healthz" and change > 1 + tolerance:
            slower.append(name)
        lines.append(f"{name:20} {row['median_cpu_ms']:>10} {row['ratio_to_healthz']:>10} {then or '—':>10} "
                     f"{change or '—':>11}")
    return lines, slower


def stored_pages(path) -> dict | None:
    """The stored numbers' pages ({name: {"ratio_to_healthz": ratio}}), None when no file is
    there; a file that is not such numbers stops the command before it measures anything."""
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            pages = json.load(f)["pages"]
        if not all(isinstance(row["ratio_to_healthz"], (int, float)) and row["ratio_to_healthz"] > 0
                   for row in pages.values()):
            raise ValueError("a ratio is not a positive number")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        sys.exit(f"{path} is not quick.py's stored numbers ({type(error).__name__}: {error}); "
                 "store them again with --save")
    return pages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="SQLAlchemy URL (emptied first; one holding more employers than the "
                        "sample is refused); default: a temporary SQLite file")
    parser.add_argument("--scale", type=float, default=0.005, help="of the national data (default 1/200)")
    parser.add_argument("--repeat", type=int, default=40, help="timed requests per page")
    parser.add_argument("--tolerance", type=float, default=0.2, help="how much a ratio may grow before it fails")
    parser.add_argument("--save", action="store_true", help="store the machine's baseline: each page's highest "
                        "ratio over --runs measurements, a ceiling the VM's noise stays under")
    parser.add_argument("--runs", type=int, default=3, help="measurements taken with --save (default 3)")
    parser.add_argument("--baseline", default=BASELINE, help="the stored numbers (default: %(default)s)")
    parser.add_argument("--results", default=RESULTS, help="where the run's JSON report goes (default: %(default)s)")
    args = parser.parse_args(argv)
    os.environ.setdefault("FIELDOPS_ENV", "development")
    stored = None if args.save else stored_pages(args.baseline)
    from national_data import EMPLOYERS, build

    if args.database:
        _refuse_larger_data(args.database, round(EMPLOYERS * args.scale))

    from fieldops import create_app
    from fieldops.extensions import db

    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{os.path.join(tmp, 'quick.sqlite3')}"
        build(url, args.scale)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                          "PROGRESS_REPORT_SECONDS": 0})
        with app.app_context():
            accounts = _accounts(db)
            db.session.remove()
        results = measure(app, accounts, args.repeat)
        for _ in range(args.runs - 1 if args.save else 0):
            results = highest(results, measure(app, accounts, args.repeat))
        with app.app_context():
            db.engine.dispose()
    report = {"when": datetime.now().isoformat(timespec="seconds"), "database": url.split(":")[0],
              "scale": args.scale, "seconds": round(time.perf_counter() - began), "cpus": os.cpu_count(),
              "load_average": [round(x, 2) for x in os.getloadavg()], "pages": results}
    slower = []
    if stored is not None:
        lines, slower = compare(results, stored, args.tolerance)
        print("\n".join(lines))
    else:
        print(json.dumps(results, indent=1))
    if args.save:
        with open(args.baseline, "w") as f:
            json.dump(report, f, indent=1)
        print(f"stored as the baseline: {os.path.relpath(args.baseline, ROOT)}")
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, f"quick-{datetime.now():%Y%m%d-%H%M%S}.json"), "w") as f:
        json.dump(report, f, indent=1)
    if slower:
        print("slower than the baseline: " + ", ".join(slower))
        sys.exit(1)


if __name__ == "__main__":
    main()
