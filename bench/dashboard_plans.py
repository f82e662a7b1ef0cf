"""Query plans of the pages at national scale (not a test): EXPLAIN (ANALYZE,
BUFFERS) of every query a page view runs, written to bench/plans/.

    .venv/bin/python bench/dashboard_plans.py --database postgresql+psycopg:///fieldops_national

Signs in (in process, through the test client) as the accounts the load
benchmark uses, opens each page once to warm up and once more recording every
SELECT it sends, then explains each of those with its own parameters, in a
transaction that is rolled back. Dashboards are computed on every view here
(PROGRESS_REPORT_SECONDS=0), so their plans are those of the computation a kept
copy saves. Pages: the dashboards of the nation, a
province and a district (the leadership's pages), and the officer's and
supervisor's pages of bench/national_load.py.

Exits with status 1 if any plan reads visit_line with a sequential scan (no
page view may read every visit line); other sequential scans over the big
tables are listed as warnings.
"""
import argparse
import os
import re
import sys
import time

# A benchmark runs the development configuration unless told otherwise (fieldops/config.py).
os.environ.setdefault("FIELDOPS_ENV", "development")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PASSWORD = "fieldops-demo-2023"
BIG_TABLES = ("visit", "visit_line", "labour_department", "employer", "follow_up", "obstacle", "progress_employer",
              "visit_revision", "audit_event")


def pages(conn):
    """[(name, username, path)] on the national data: the district with the most
    employers (the worst case of a district's pages) and its province."""
    import sqlalchemy as sa

    national = conn.execute(sa.text("SELECT id FROM org_unit WHERE level = 'national'")).scalar()
    district, province = conn.execute(sa.text(
        "SELECT o.id, o.parent_id FROM org_unit o JOIN employer e ON e.district_id = o.id "
        "GROUP BY o.id, o.parent_id ORDER BY count(*) DESC, o.id LIMIT 1")).one()
    viewer = conn.execute(sa.text("SELECT username FROM \"user\" WHERE role = 'viewer' AND org_unit_id = :p"),
                          {"p": province}).scalar()
    supervisor = conn.execute(sa.text("SELECT username FROM \"user\" WHERE role = 'supervisor' AND org_unit_id = :d"),
                              {"d": district}).scalar()
    officer = conn.execute(sa.text("SELECT username FROM \"user\" WHERE role = 'officer' AND org_unit_id = :d "
                                   "ORDER BY id LIMIT 1"), {"d": district}).scalar()
    employer = conn.execute(sa.text("SELECT id FROM employer WHERE district_id = :d ORDER BY id LIMIT 1"),
                            {"d": district}).scalar()
    return [
        ("dashboard-national", "viewer", f"/progress/units/{national}"),
        ("dashboard-province", viewer, f"/progress/units/{province}"),
        ("dashboard-district", supervisor, f"/progress/units/{district}"),
        ("export-province-xlsx", viewer, f"/progress/units/{province}/export?format=xlsx"),
        ("officer-home", officer, "/"),
        ("employer-search", officer, "/employers/?q=thuong+mai"),
        ("employer-page", officer, f"/employers/{employer}"),
        ("supervisor-queue", supervisor, "/visits/review"),
    ]


def capture(app, username, path):
    """The SELECTs (statement, parameters) one view of the page sends, after a warm-up view."""
    import sqlalchemy as sa

    from fieldops.extensions import db

    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD, "next": ""})
    assert response.status_code == 302, f"sign-in of {username}: {response.status_code}"
    client.get(path)
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if re.match(r"\s*(SELECT|WITH)\b", statement, re.I):
            sent.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        began = time.perf_counter()
        status = client.get(path).status_code
        elapsed = time.perf_counter() - began
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return status, elapsed, sent


def explain(app, sent):
    from fieldops.extensions import db

    plans = []
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            for statement, parameters in sent:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plans.append((statement, parameters, [row[0] for row in cur.fetchall()]))
            raw.rollback()
        finally:
            raw.close()
    return plans


def seq_scans(plan_lines):
    return [m.group(1) for line in plan_lines for m in [re.search(r"Seq Scan on (\w+)", line)] if m]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="the national PostgreSQL database")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "plans"))
    args = parser.parse_args()

    import sqlalchemy as sa

    from fieldops import create_app
    from fieldops.extensions import db

    # Reports computed on every view (not read from a kept copy): the plans are of the computation.
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database, "WTF_CSRF_ENABLED": False,
                      "PROGRESS_REPORT_SECONDS": 0})
    with app.app_context():
        with db.engine.connect() as conn:
            listed = pages(conn)
    os.makedirs(args.out, exist_ok=True)
    failed = False
    for name, username, path in listed:
        status, elapsed, sent = capture(app, username, path)
        plans = explain(app, sent)
        total = 0.0
        scans = []
        with open(os.path.join(args.out, f"{name}.txt"), "w") as f:
            f.write(f"{path} as {username}: status {status}, {len(plans)} queries, page {elapsed * 1000:.0f} ms "
                    f"in process\n")
            for n, (statement, parameters, lines) in enumerate(plans, 1):
                found = re.search(r"Execution Time: ([\d.]+) ms", "\n".join(lines))
                total += float(found.group(1)) if found else 0.0
                scans += seq_scans(lines)
                f.write(f"\n-- query {n}\n{statement}\n-- parameters: {parameters!r}\n")
                f.write("\n".join(lines) + "\n")
        big = sorted({t for t in scans if t in BIG_TABLES})
        flag = "SEQ SCAN ON visit_line" if "visit_line" in scans else ""
        failed |= bool(flag)
        print(f"{name:<22} {status}  {len(plans):>3} queries  {total:8.1f} ms execution  "
              f"seq scans over big tables: {', '.join(big) or 'none'}  {flag}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
