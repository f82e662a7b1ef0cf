"""Employer import benchmark (not a test): generate a CSV of N rows (default
100,000: one row per labour department) and time importing it into a fresh,
migrated database — first import, re-import of the same file (every row
unchanged), a dry run, and a re-import of a changed file (same unit codes,
other names, departments and counts) — with peak memory.

    .venv/bin/python bench/import_bench.py                      # SQLite in a temp dir
    .venv/bin/python bench/import_bench.py --rows 20000
    .venv/bin/python bench/import_bench.py --tracemalloc        # Python heap peak (slower)
    .venv/bin/python bench/import_bench.py --database-url postgresql+psycopg:///fieldops_bench

The PostgreSQL database given is emptied first.
"""
import argparse
import datetime
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc

# A benchmark runs the development configuration unless told otherwise (fieldops/config.py).
os.environ.setdefault("FIELDOPS_ENV", "development")

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HEADER = ["Mã đơn vị", "Tên đơn vị", "Mã số thuế", "Mã cơ quan BHXH", "Bộ phận", "Số lao động tham gia",
          "Địa chỉ", "Ngành nghề"]
WORDS = ["Hoàng Long", "Sông Hồng", "Ánh Dương", "Thăng Long", "Đại Việt", "Phú Thịnh", "Nguyễn Huệ", "Bình Minh"]
KINDS = ["Công ty TNHH", "Công ty Cổ phần", "Doanh nghiệp tư nhân", "Hợp tác xã"]
SECTORS = ["Thương mại", "Xây dựng", "Dệt may", "Giáo dục", "Vận tải", "Chế biến thực phẩm"]
DEPARTMENTS = ["Văn phòng", "Phân xưởng may", "Kho", "Bán hàng", "Kế toán", "Bảo vệ", "Đội xe"]


def generate(path, rows, districts, seed=2023):
    """CSV with `rows` rows: employers of 1 to 4 departments (about 2.5 on average)."""
    rng = random.Random(seed)
    written, n = 0, 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(HEADER) + "\r\n")
        while written < rows:
            n += 1
            name = f"{rng.choice(KINDS)} {rng.choice(WORDS)} số {n}"
            employer = [f"TB{n:07d}", name, f"01{n:08d}", rng.choice(districts)]
            tail = [f"Số {n} phố Kim Mã Hà Nội", rng.choice(SECTORS)]
            count = min(rng.randint(1, 4), rows - written)
            names = [""] if count == 1 else rng.sample(DEPARTMENTS, count)
            for department in names:
                f.write(",".join(employer + [department, str(rng.randint(0, 400))] + tail) + "\r\n")
            written += count
    return n


def setup(app, district_count):
    from flask_migrate import upgrade

    from fieldops.auth.models import Role, User
    from fieldops.extensions import db
    from fieldops.org.models import UnitLevel
    from fieldops.org.operations import create_org_unit

    with app.app_context():
        import sqlalchemy as sa

        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        meta.drop_all(bind=db.engine)
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        vn = create_org_unit(None, code="VN", name="BHXH Việt Nam", parent=None, level=UnitLevel.national)
        hn = create_org_unit(None, code="HN", name="BHXH Hà Nội", parent=vn)
        codes = []
        for i in range(1, district_count + 1):
            codes.append(create_org_unit(None, code=f"HN-{i:02d}", name=f"BHXH quận {i}", parent=hn).code)
        db.session.add(User(username="admin", full_name="Quản trị", role=Role.admin, org_unit=vn,
                            password_hash="!bench-no-sign-in"))
        db.session.commit()
        return codes


def run_import(app, path, *, dry_run=False, trace=False):
    import sqlalchemy as sa

    from fieldops.auth.models import User
    from fieldops.employers.importing import import_employers
    from fieldops.extensions import db

    with app.app_context():
        actor = db.session.scalars(sa.select(User).where(User.username == "admin")).one()
        if trace:
            tracemalloc.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        marks = {}

        def progress(stage, rows):
            marks[stage] = time.perf_counter() - started

        with open(path, "rb") as f:
            result = import_employers(actor, f, os.path.basename(path), dry_run=dry_run, progress=progress)
        if result.ok and not dry_run:
            db.session.commit()
        else:
            db.session.rollback()
        elapsed = time.perf_counter() - started
        marks["cpu"] = time.process_time() - cpu_started
        peak = None
        if trace:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        assert result.ok, result.errors[:5]
        return result, elapsed, marks, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--districts", type=int, default=30)
    parser.add_argument("--database-url")
    parser.add_argument("--tracemalloc", action="store_true", help="measure the Python heap peak (about 4x slower)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and SQLite database")
    args = parser.parse_args()

    from fieldops import create_app

    workdir = tempfile.mkdtemp(prefix="fieldops-import-bench-")
    url = args.database_url or "sqlite:///" + os.path.join(workdir, "bench.sqlite3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    districts = setup(app, args.districts)
    path = os.path.join(workdir, "employers.csv")
    employers = generate(path, args.rows, districts)
    size = os.path.getsize(path) / 2**20
    print(f"database: {url.split('://')[0]}  file: {args.rows:,} rows, {employers:,} employers, {size:.1f} MB")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    changed = os.path.join(workdir, "employers-changed.csv")
    generate(changed, args.rows, districts, seed=2024)  # same unit codes, other names, departments, counts
    runs = (("first import", path, False), ("re-import, unchanged", path, False), ("dry run", path, True),
            ("re-import, changed", changed, False))
    report = {"database": url.split("://")[0], "rows": args.rows, "employers": employers,
              "file_mb": round(size, 1), "tracemalloc": args.tracemalloc, "runs": []}
    for label, source, dry_run in runs:
        result, elapsed, marks, peak = run_import(app, source, dry_run=dry_run, trace=args.tracemalloc)
        c = result.counts
        report["runs"].append({"scenario": label, "seconds": round(elapsed, 2),
                               "check_seconds": round(marks.get("checked", 0), 2),
                               "cpu_seconds": round(marks["cpu"], 2),  # this process; SQLite runs inside it
                               "rows_per_second": round(result.rows / elapsed), "counts": dict(c),
                               "heap_peak_mb": None if peak is None else round(peak, 1),
                               "load_average": os.getloadavg()[0]})
        line = (f"{label:<21} {elapsed:6.1f} s  (check {marks.get('checked', 0):4.1f} s, CPU {marks['cpu']:5.1f} s) "
                f"{result.rows / elapsed:7,.0f} rows/s  employers +{c['employers_created']:,} "
                f"~{c['employers_updated']:,} ={c['employers_unchanged']:,}  departments +{c['departments_created']:,} "
                f"~{c['departments_updated']:,} ={c['departments_unchanged']:,} -{c['departments_removed']:,}")
        if peak is not None:
            line += f"  heap peak {peak:.1f} MB"
        print(line, flush=True)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss_after:.0f} MB (before the imports: {rss_before:.0f} MB)")
    report |= {"peak_rss_mb": round(rss_after), "rss_before_imports_mb": round(rss_before),
               "cpus": os.cpu_count()}
    results = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(results, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(results, f"import-{stamp}.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print(f"report: {path}")
    if args.keep:
        print(f"files kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
