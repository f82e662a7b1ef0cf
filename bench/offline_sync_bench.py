"""The offline kit's budget on the largest district (not a test): a tablet's first
and incremental sync, the storage they take, and offline search, in Chromium.

    .venv/bin/python bench/offline_sync_bench.py                 # 18,051 employers, ~60,000 departments
    .venv/bin/python bench/offline_sync_bench.py --employers 2000 --departments 6600 --no-save  # a quick look

Builds a SQLite database with one district the size of the national data's
largest (18,051 employers, 3.3 departments each on average, Vietnamese names as
national_data.py makes them), serves FieldOps on it, signs an officer in, and
measures in the browser: the first sync (fetch, unzip, parse and IndexedDB write),
an incremental one after 40 departments got new figures, what the origin stores
(navigator.storage.estimate), and the offline search's time per query (p50, p95).
Writes bench/results/offline-sync-<when>.json unless --no-save.
"""
import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from national_data import DEPARTMENT_COUNTS, DEPARTMENT_NAMES, employer_name  # noqa: E402

PASSWORD = "bench-offline-2026"
QUERIES = ["cong ty", "hoang long", "det may", "minh phat", "thuc pham", "0101", "BD-00", "truong", "xay dung an",
           "viet tien", "hai dang", "song hong", "dai viet", "binh minh", "hung thinh", "co khi", "van tai",
           "dich vu", "dien tu", "nong san"]


def department_counts(rng, employers: int, departments: int) -> list[int]:
    """national_data.py's departments per employer (mean ≈ 3), one more for enough
    employers to reach `departments` (the largest district has ~60,000)."""
    counts = [rng.choice(DEPARTMENT_COUNTS) for _ in range(employers)]
    short = departments - sum(counts)
    for i in rng.sample(range(employers), min(max(short, 0), employers)):
        counts[i] = min(counts[i] + 1, len(DEPARTMENT_NAMES))
    return counts


def build(app, employers: int, departments_wanted: int, seed: int):
    import sqlalchemy as sa

    from fieldops.auth.models import Role
    from fieldops.auth.operations import create_user
    from fieldops.employers.models import Employer, LabourDepartment
    from fieldops.extensions import db
    from fieldops.org.models import UnitLevel
    from fieldops.org.operations import create_org_unit
    from fieldops.textfold import fold

    rng = random.Random(seed)
    with app.app_context():
        db.create_all()
        nation = create_org_unit(None, code="VN", name="Bảo hiểm xã hội Việt Nam", parent=None,
                                 level=UnitLevel.national)
        province = create_org_unit(None, code="HN", name="Bảo hiểm xã hội thành phố Hà Nội", parent=nation)
        district = create_org_unit(None, code="HN-BD", name="Bảo hiểm xã hội quận Ba Đình", parent=province)
        db.session.flush()
        create_user(None, username="officer.bench", full_name="Nguyễn Văn Bền", role=Role.officer,
                    org_unit=district, password=PASSWORD)
        created = datetime(2022, 12, 1)
        rows, departments = [], []
        department_id = 0
        counts = department_counts(rng, employers, departments_wanted)
        for e in range(1, employers + 1):
            name = employer_name(rng, e)
            unit_code, tax_code = f"BD-{e:06d}", f"0101{e:06d}"
            rows.append({"id": e, "unit_code": unit_code, "tax_code": tax_code, "name": name,
                         "address": f"{rng.randint(1, 300)} phố Kim Mã, Ba Đình, Hà Nội", "sector": "",
                         "district_id": district.id, "search_text": fold(f"{name} {unit_code} {tax_code}"),
                         "created_at": created, "updated_at": created})
            for name in rng.sample(DEPARTMENT_NAMES, counts[e - 1]):
                department_id += 1
                insured = rng.randint(5, 400)
                registered = rng.randint(0, insured)
                departments.append({"id": department_id, "employer_id": e, "name": name,
                                    "insured_declared": insured, "created_at": created, "updated_at": created,
                                    "current_insured": insured, "current_registered": registered,
                                    "current_active": rng.randint(0, registered), "current_visit_id": None,
                                    "current_visit_date": date(2023, 6, 1)})
        db.session.execute(sa.insert(Employer), rows)
        # Figures as a visit leaves them, without the visits (their lines are not synced).
        db.session.execute(sa.text("PRAGMA ignore_check_constraints = 1"))
        db.session.execute(sa.insert(LabourDepartment), departments)
        db.session.commit()
        return department_id


def touch_departments(app, count: int, seed: int):
    import sqlalchemy as sa

    from fieldops.employers.models import LabourDepartment
    from fieldops.extensions import db

    rng = random.Random(seed + 1)
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(LabourDepartment))
        db.session.execute(sa.text("PRAGMA ignore_check_constraints = 1"))  # figures without their visits
        for department_id in rng.sample(range(1, total + 1), count):
            db.session.execute(sa.update(LabourDepartment).where(LabourDepartment.id == department_id)
                               .values(current_active=0))
        db.session.commit()


def server_side(app):
    """Building the full answer on the server: time, JSON bytes, gzipped bytes."""
    import sqlalchemy as sa
    from flask_login import login_user
    from isal import igzip

    from fieldops.auth.models import User
    from fieldops.extensions import db
    from fieldops.offline import sync

    with app.test_request_context("/offline/sync"):
        login_user(db.session.scalar(sa.select(User).where(User.username == "officer.bench")))
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            body = sync.to_json(sync.payload(db.session.scalar(sa.select(User).where(User.username == "officer.bench")),
                                             ""))
            zipped = igzip.compress(body, compresslevel=1)  # as the route sends it
            runs.append(time.perf_counter() - started)
        return {"server_full_ms": [round(1000 * r) for r in runs], "json_bytes": len(body),
                "gzip_bytes": len(zipped)}


SYNC = """async () => {
  const started = performance.now();
  const result = await window.FieldOpsStore.sync(true);
  return {ms: performance.now() - started, result};
}"""

ESTIMATE = "async () => (await navigator.storage.estimate()).usage"

SEARCH = """async (queries) => {
  const employers = await window.FieldOpsStore.employers();
  const t0 = performance.now();
  employers.forEach(e => { e.folded = window.FieldOpsStore.fold(e.name + ' ' + e.unit_code + ' ' + e.tax_code); });
  const indexMs = performance.now() - t0;
  const times = [];
  for (let round = 0; round < 5; round++) {
    for (const q of queries) {
      const s = performance.now();
      const words = window.FieldOpsStore.fold(q).split(' ').filter(Boolean);
      const found = employers.filter(e => words.every(w => e.folded.indexOf(w) >= 0));
      found.slice(0, 50).map(e => e.name);
      times.push(performance.now() - s);
    }
  }
  return {indexMs, times, employers: employers.length};
}"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--employers", type=int, default=18_051)
    parser.add_argument("--departments", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from fieldops import create_app

    workdir = tempfile.mkdtemp(prefix="offline-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.sqlite3", "SECRET_KEY": "bench-" * 8,
                      "WTF_CSRF_ENABLED": True})
    t0 = time.monotonic()
    departments = build(app, args.employers, args.departments, args.seed)
    print(f"built {args.employers} employers, {departments} departments in {time.monotonic() - t0:.1f} s", flush=True)

    on_server = server_side(app)
    print(on_server, flush=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    sizes = {}

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        context = browser.new_context(base_url=base, viewport={"width": 1024, "height": 768})
        context.on("response", lambda r: sizes.__setitem__(r.url, (r.headers.get("content-length"),
                                                                   r.headers.get("content-encoding")))
                   if "/offline/sync" in r.url else None)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto("/login")
        page.fill("input[name=username]", "officer.bench")
        page.fill("input[name=password]", PASSWORD)
        page.click("form button.primary")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto("/outbox")  # an officer's page with no sync of its own under way
        page.wait_for_timeout(500)
        page.evaluate("async () => { indexedDB.deleteDatabase('fieldops-offline'); }")
        page.reload()
        page.wait_for_timeout(300)
        page.evaluate("async () => { const d = await window.FieldOpsStore.open(); }")
        page.evaluate("window.FieldOpsStore.resync()")  # waits for any sync the page started
        first_runs = []
        for _ in range(3):
            page.evaluate("""async () => { const db = await window.FieldOpsStore.open();
                const tx = db.transaction(['meta', 'employers'], 'readwrite');
                tx.objectStore('meta').clear(); tx.objectStore('employers').clear();
                await new Promise(r => tx.oncomplete = r); }""")
            first_runs.append(page.evaluate(SYNC))
        full_bytes = next(v for k, v in sizes.items() if "since" not in k)
        storage = page.evaluate(ESTIMATE)
        touch_departments(app, 40, args.seed)
        incremental_runs = [page.evaluate(SYNC) for _ in range(1)]
        incremental_bytes = next((v for k, v in sizes.items() if "since" in k), None)
        incremental_runs += [page.evaluate(SYNC) for _ in range(2)]  # nothing changed since
        search = page.evaluate(SEARCH, QUERIES)
        browser.close()
    server.shutdown()

    times = sorted(search["times"])
    results = {
        "employers": args.employers,
        "departments": departments,
        **on_server,
        "first_sync_ms": [round(r["ms"]) for r in first_runs],
        "first_sync_bytes_gzip": int(full_bytes[0]) if full_bytes and full_bytes[0] else None,
        "incremental_after_40_changes_ms": round(incremental_runs[0]["ms"]),
        "incremental_employers_received": incremental_runs[0]["result"]["employers"],
        "incremental_bytes_gzip": int(incremental_bytes[0]) if incremental_bytes and incremental_bytes[0] else None,
        "incremental_nothing_changed_ms": [round(r["ms"]) for r in incremental_runs[1:]],
        "storage_bytes": storage,
        "search_index_ms": round(search["indexMs"]),
        "search_ms_p50": round(statistics.median(times), 1),
        "search_ms_p95": round(times[int(0.95 * (len(times) - 1))], 1),
        "search_queries": len(times),
        "when": datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(results, indent=1))
    if not args.no_save:
        out = os.path.join(ROOT, "bench", "results", f"offline-sync-{datetime.now():%Y%m%d-%H%M%S}.json")
        with open(out, "w") as f:
            json.dump(results, f, indent=1)
        print("saved", out)


if __name__ == "__main__":
    main()
