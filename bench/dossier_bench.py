"""Commendation dossier benchmark (not a test): how long a dossier takes, and how
much memory, for 10 and for 200 nominees, and the time per page against a
one-page document rendered in the same run.

    .venv/bin/python bench/dossier_bench.py                     # SQLite in a temporary directory
    .venv/bin/python bench/dossier_bench.py --sizes 10 50       # other sizes
    .venv/bin/python bench/dossier_bench.py --database-url postgresql+psycopg:///fieldops_bench   # emptied first!

Each size runs in three fresh processes: one prepares the database, one times
the dossier (so the peak RSS it reports is the dossier's, not the build's), one
measures the Python heap peak under tracemalloc (which slows Python down, so it
is not timed). The timing process first renders the one-page document once, as
a warm-up (WeasyPrint's first document in a process pays for loading its
stylesheets and fonts):

1. builds a migrated database: a province of 20 districts with a team each, the
   nominees' officers spread over them, 3 employers per officer with two labour
   departments each, 8 visits per officer over 2023 (one in eight waiting for
   review, one in sixteen returned), bulk inserted; the national interim review
   (cut-off 30/06/2023) with four criteria, closed through the real operation
   (which freezes every officer's and unit's figures);
2. nominates every officer (the real operation);
3. times `generate_dossier` (the snapshot with its streaming queries, then the
   PDF laid out and written once: a long dossier in parts, by forked processes,
   see fieldops/reviews/dossier.py `layout_plan`), with its CPU time (this
   process and the part processes), and reports the process's peak RSS
   (resource.getrusage), the largest part process's peak and an upper bound for
   all of them at once, and, from the third process, this process's Python heap
   peak (the part processes do not trace);
4. times the one-page document (pdf/base.html with the motto block and one
   paragraph) five times; the dossier's render time per page is reported as a
   ratio to it.

Writes bench/results/dossier-<time>.json.
"""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta

# A benchmark runs the development configuration unless told otherwise (fieldops/config.py).
os.environ.setdefault("FIELDOPS_ENV", "development")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

ONE_PAGE = """{% extends "pdf/base.html" %}
{% block body %}{% include "pdf/_motto.html" %}
<h1>Báo cáo một trang</h1><p>Đồng chí Nguyễn Thị Ngọc Ánh đã hướng dẫn người lao động đăng ký VssID.</p>
{% endblock %}"""
NAMES = ["Nguyễn Thị Ngọc Ánh", "Trần Văn Bình", "Lê Thị Hồng Nhung", "Phạm Đức Thắng", "Vũ Minh Châu",
         "Đỗ Thu Hương", "Hoàng Quốc Việt", "Bùi Thị Lan Anh"]


def build(db, officers, seed=2023):
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from fieldops.auth.models import Role
    from fieldops.auth.operations import create_user
    from fieldops.campaigns.models import Campaign
    from fieldops.employers.models import Employer, LabourDepartment
    from fieldops.org.models import UnitLevel
    from fieldops.org.operations import create_org_unit
    from fieldops.textfold import fold
    from fieldops.visits.models import Visit, VisitLine

    rng = random.Random(seed)
    meta = sa.MetaData()
    meta.reflect(bind=db.engine)
    meta.drop_all(bind=db.engine)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()
    vn = create_org_unit(None, code="VN", name="Bảo hiểm xã hội Việt Nam", parent=None, level=UnitLevel.national)
    hn = create_org_unit(None, code="HN", name="Bảo hiểm xã hội thành phố Hà Nội", parent=vn)
    districts = [create_org_unit(None, code=f"HN-{i:02d}", name=f"Bảo hiểm xã hội quận {i}", parent=hn)
                 for i in range(1, 21)]
    teams = [create_org_unit(None, code=f"{d.code}-T1", name=f"Tổ thu quận {i}", parent=d)
             for i, d in enumerate(districts, 1)]
    hr = create_user(None, username="hr.bench", full_name="Trần Thị Thi Đua", role=Role.hr, org_unit=vn,
                     password="bench-password-2023")
    supervisor = create_user(None, username="sup.bench", full_name="Phạm Minh Tuấn", role=Role.supervisor,
                             org_unit=hn, password="bench-password-2023")
    campaign = Campaign(name="Phong trào thi đua cài đặt và sử dụng ứng dụng VssID năm 2023",
                        starts_on=date(2023, 5, 5), ends_on=date(2023, 12, 31), counts_from=date(2023, 1, 1))
    db.session.add(campaign)
    db.session.commit()
    password_hash = hr.password_hash
    user_rows, employer_rows, department_rows, visit_rows, line_rows = [], [], [], [], []
    created = datetime(2023, 1, 1)
    visit_id = line_id = 0
    for n in range(1, officers + 1):
        unit = (teams if n % 2 else districts)[n % 20]
        user_rows.append({"id": 1000 + n, "username": f"officer.{n}", "full_name": f"{NAMES[n % 8]} {n}",
                          "password_hash": password_hash, "role": "officer", "org_unit_id": unit.id,
                          "preferred_language": "vi", "active": True, "created_at": created,
                          "password_changed_at": created})
        for k in range(3):
            e = 3 * n + k
            name = f"Công ty TNHH Thương mại Hoàng Long số {e}"
            employer_rows.append({"id": e, "unit_code": f"BE{e:07d}", "tax_code": f"01{e:08d}", "name": name,
                                  "address": f"Số {e % 300 + 1} phố Kim Mã, Hà Nội", "sector": "Thương mại",
                                  "district_id": districts[n % 20].id, "search_text": fold(name),
                                  "created_at": created, "updated_at": created})
            for j, dept in enumerate(("Văn phòng", "Phân xưởng")):
                department_rows.append({"id": 2 * e + j, "employer_id": e, "name": dept,
                                        "insured_declared": rng.randint(20, 200), "created_at": created,
                                        "current_insured": None, "current_registered": 0, "current_active": 0,
                                        "current_visit_id": None, "current_visit_date": None})
        registered = {}
        for v in range(8):
            visit_id += 1
            e = 3 * n + v % 3
            day = date(2023, 1, 10) + timedelta(days=22 * v + n % 7)
            state = "submitted" if v == 7 else "returned" if (v == 5 and n % 2) else "verified"
            at = datetime.combine(day, datetime.min.time()) + timedelta(hours=10)
            visit_rows.append({"id": visit_id, "officer_id": 1000 + n, "employer_id": e,
                               "district_id": districts[n % 20].id, "visit_date": day,
                               "purpose": "registration_drive", "notes": "", "latitude": None, "longitude": None,
                               "state": state, "return_reason": "Kiểm tra lại" if state == "returned" else "",
                               "revision": 1, "idempotency_key": f"bench-{visit_id}", "content_hash": "bench",
                               "created_at": at, "submitted_at": at, "resubmitted_at": None,
                               "reviewed_at": at + timedelta(days=1) if state != "submitted" else None,
                               "reviewed_by_id": supervisor.id if state != "submitted" else None})
            for j in range(2):
                line_id += 1
                department = 2 * e + j
                insured = next(r["insured_declared"] for r in department_rows[-6:] if r["id"] == department)
                before = registered.get(department, 0)
                now = min(insured, before + rng.randint(5, 40))
                registered[department] = now
                line_rows.append({"id": line_id, "visit_id": visit_id, "labour_department_id": department,
                                  "insured": insured, "registered": now, "active": now // 2,
                                  "newly_registered": now - before})
    from fieldops.auth.models import User

    with db.engine.begin() as conn:
        for model, rows in ((User, user_rows), (Employer, employer_rows), (LabourDepartment, department_rows),
                            (Visit, visit_rows), (VisitLine, line_rows)):
            for i in range(0, len(rows), 1000):
                conn.execute(sa.insert(model.__table__), rows[i:i + 1000])
    return hr, campaign, vn, hn


def _app(url, processes=None):
    from jinja2 import ChoiceLoader, DictLoader

    from fieldops import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DOSSIER_RENDER_PROCESSES": processes})
    app.jinja_env.loader = ChoiceLoader([DictLoader({"pdf/_bench_one_page.html": ONE_PAGE}), app.jinja_env.loader])
    return app


def prepare(size, url):
    """Phase 1, in a process of its own: the database, the closed review, the nominations."""
    import sqlalchemy as sa

    from fieldops.auth.models import Role, User
    from fieldops.extensions import db
    from fieldops.reviews import nomination_operations, operations
    from fieldops.reviews.models import AwardTitle, NomineeKind
    from fieldops.reviews.titles import seed_award_titles

    out = {"nominees": size}
    with _app(url).test_request_context():
        started = time.perf_counter()
        hr, campaign, vn, _hn = build(db, size)
        out["build_s"] = round(time.perf_counter() - started, 2)
        seed_award_titles()
        title = db.session.scalars(sa.select(AwardTitle).where(AwardTitle.name == "Lao động tiên tiến")).one()
        period = operations.create_period(hr, campaign, vn, "interim", date(2023, 6, 30))
        for rule, applies, threshold in (("registrations_assisted_at_least", "individual", 60),
                                         ("coverage_at_least", "both", 30),
                                         ("followups_on_time_at_least", "both", 80),
                                         ("no_returned_visit_uncorrected", "both", None)):
            operations.add_criterion(hr, period, rule, applies, threshold)
        started = time.perf_counter()
        out["frozen_rows"] = operations.close_period(hr, period, today=date(2024, 1, 1))
        db.session.commit()
        out["close_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        for officer in db.session.scalars(sa.select(User).where(User.role == Role.officer).order_by(User.id)):
            nomination_operations.nominate(hr, period, NomineeKind.individual, officer, title,
                                f"Đồng chí {officer.full_name} đã hoàn thành xuất sắc nhiệm vụ.\n\n" * 3)
        db.session.commit()
        out["nominate_s"] = round(time.perf_counter() - started, 2)
    return out


def _cpu():
    return sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for field in ("ru_utime", "ru_stime"))


def measure(url, heap=False, processes=None):
    """Phase 2, in a fresh process: the dossier of the province, timed (or, with heap,
    under tracemalloc, which slows Python down: its time is not reported), and the
    one-page document."""
    import sqlalchemy as sa

    from fieldops.auth.models import User
    from fieldops.core.pdf import render_pdf
    from fieldops.extensions import db
    from fieldops.org.models import OrgUnit
    from fieldops.reviews.dossier import build_snapshot, generate_dossier, layout_plan
    from fieldops.reviews.models import ReviewPeriod

    header = {"agency_parent": "Bảo hiểm xã hội Việt Nam", "agency_name": "Bảo hiểm xã hội thành phố Hà Nội",
              "doc_number": "12/TTr-BHXH", "place": "Hà Nội", "date": date(2023, 7, 15)}
    out = {}
    with _app(url, processes).test_request_context():
        render_pdf("pdf/_bench_one_page.html", header=header, verification_code="WARMUP0000")  # warm-up
        hr = db.session.scalars(sa.select(User).where(User.username == "hr.bench")).one()
        hn = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code == "HN")).one()
        period = db.session.scalars(sa.select(ReviewPeriod)).one()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if heap:
            # This process's heap: the processes laying out the parts of a long dossier
            # do not trace (their memory is in the timed run's RSS figures).
            os.register_at_fork(after_in_child=tracemalloc.stop)
            tracemalloc.start()
            generate_dossier(hr, period, hn)
            out["python_heap_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
            db.session.rollback()
            return out
        started = time.perf_counter()
        build_snapshot(period, hn)
        out["snapshot_s"] = round(time.perf_counter() - started, 3)
        db.session.expire_all()
        started, cpu = time.perf_counter(), _cpu()
        dossier = generate_dossier(hr, period, hn)
        db.session.commit()
        out["dossier_s"] = round(time.perf_counter() - started, 2)
        # CPU time of this process and of the processes that laid out parts: on a
        # shared machine it moves less with the load than the time does.
        out["dossier_cpu_s"] = round(_cpu() - cpu, 2)
        out["rss_before_dossier_mb"] = round(rss_before / 1024, 1)
        out["process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        # A long dossier is laid out by a few forked processes, a part at a time: the largest
        # one's peak (which counts the pages it shares with this process at fork),
        # and an upper bound of all of them together.
        out["parts"], out["render_processes"] = layout_plan(dossier.nominees)
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        out["part_process_peak_rss_mb"] = round(children, 1) if out["parts"] > 1 else None
        out["all_processes_peak_rss_mb"] = round(out["process_peak_rss_mb"] + (
            out["render_processes"] * children if out["parts"] > 1 else 0), 1)
        out["pages"], out["pdf_kb"] = dossier.pages, round(dossier.size / 1024, 1)
        out["dossier_per_page_s"] = round(out["dossier_s"] / dossier.pages, 3)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            render_pdf("pdf/_bench_one_page.html", header=header, verification_code="ONEPAGE000")
            times.append(time.perf_counter() - started)
        out["one_page_s"] = round(sorted(times)[2], 3)
        out["per_page_ratio"] = round(out["dossier_per_page_s"] / out["one_page_s"], 2)
    return out


def _run(*args):
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(done.returncode)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 200])
    parser.add_argument("--database-url", default=None, help="emptied first; default: SQLite in a temp dir")
    parser.add_argument("--processes", type=int, default=None,
                        help="DOSSIER_RENDER_PROCESSES (default: the app's, i.e. the cores, at most 4)")
    parser.add_argument("--phase", choices=["prepare", "measure", "heap"], help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "prepare":
        print(json.dumps(prepare(args.size, args.database_url)))
        return
    if args.phase:
        print(json.dumps(measure(args.database_url, heap=args.phase == "heap", processes=args.processes)))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            url = args.database_url or f"sqlite:///{tmp}/dossier-{size}.sqlite3"
            result = _run("--phase", "prepare", "--size", str(size), "--database-url", url)
            more = ["--processes", str(args.processes)] if args.processes else []
            result |= _run("--phase", "measure", "--database-url", url, *more)
            result |= _run("--phase", "heap", "--database-url", url, *more)
            results.append(result)
            print(f"{size:>4} nominees: {result['pages']} pages in {result['dossier_s']} s (CPU {result['dossier_cpu_s']} s) "
                  f"({result['dossier_per_page_s']} s/page = {result['per_page_ratio']} × the one-page document's "
                  f"{result['one_page_s']} s); snapshot {result['snapshot_s']} s; heap peak "
                  f"{result['python_heap_peak_mb']} MB, RSS peak {result['process_peak_rss_mb']} MB "
                  f"(before: {result['rss_before_dossier_mb']} MB), {result['parts']} part(s) in {result['render_processes']} process(es), "
                  f"all processes ≤ {result['all_processes_peak_rss_mb']} MB; closing the review {result['close_s']} s")
    report = {"when": datetime.now().isoformat(timespec="seconds"), "database": (args.database_url or "sqlite").split(":")[0],
              "load_average": os.getloadavg(), "results": results}
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    path = os.path.join(ROOT, "bench", "results", f"dossier-{datetime.now():%Y%m%d-%H%M%S}.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print(path)


if __name__ == "__main__":
    main()
