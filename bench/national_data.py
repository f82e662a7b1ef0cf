"""National-scale data (not a test): a deterministic country's worth of records.

    .venv/bin/python bench/national_data.py --database postgresql+psycopg:///fieldops_national
    .venv/bin/python bench/national_data.py --database sqlite:////tmp/national.sqlite3 --scale 0.05

At --scale 1 (the default): 63 provinces, 700 districts, 2,000 teams, 30,000
officers (plus a supervisor per district, a viewer per province, and the
national admin, hr and viewer), 500,000 employers with 1,500,000 labour
departments, ~1.5 million visits over 2023 with ~5,000,000 visit lines (about
85% verified, 10% waiting for review, 5% returned, reviewed by the district's
supervisor), obstacles on one visit in eight, ~120,000 follow-ups in every
state, targets for every province and district, and the campaign's interim and
final review periods. --scale shrinks employers, departments, visits,
follow-ups and officers together (0.05 is the 1/20 sample); the org tree
stays national.

The schema comes from the migrations (the database is emptied first). Rows
go in by COPY on PostgreSQL (foreign-key triggers off for the session, as a
restore does) and by executemany on SQLite. What the app keeps on write is
filled from the same history with the app's own code, employer by employer
as it is generated: each department's current figures (its latest counting
line), and the progress timeline (`compute_state` and `contributions` of
fieldops/progress/timeline.py, the computation `flask progress rebuild` runs),
so every page shows the figures the history gives. Every account's password
is DEMO_PASSWORD (one precomputed hash, as the demo accounts).
"""
import argparse
import bisect
import json
import os
import random
import sys
import time
from datetime import date, datetime, timedelta

# A benchmark runs the development configuration unless told otherwise (fieldops/config.py).
os.environ.setdefault("FIELDOPS_ENV", "development")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PROVINCES, DISTRICTS, TEAMS = 63, 700, 2_000
OFFICERS, EMPLOYERS = 30_000, 500_000
YEAR_START = date(2023, 1, 1)
CREATED = datetime(2022, 12, 1)
FLUSH_ROWS = 50_000
STATES = ["verified"] * 17 + ["submitted"] * 2 + ["returned"]
PURPOSES = ["registration_drive"] * 5 + ["guidance"] * 3 + ["verification"] * 2 + ["communication_session"]
CATEGORIES = ["no_smartphone", "no_own_phone_number", "identity_data_mismatch", "otp_not_received", "app_error",
              "employer_declined", "worker_declined", "other"]
# Departments per employer (mean ≈ 3) and visits per employer (mean ≈ 3.3).
DEPARTMENT_COUNTS = ([1] * 35 + [2] * 20 + [3] * 15 + [4] * 10 + [5] * 6 + [6] * 5 + [7] * 4 + [8] * 3
                     + [9] * 1 + [10] * 1)
VISIT_COUNTS = [0] * 8 + [1] * 14 + [2] * 17 + [3] * 17 + [4] * 14 + [5] * 11 + [6] * 8 + [7] * 6 + [8] * 5
DEPARTMENT_NAMES = ["Văn phòng", "Phân xưởng sản xuất", "Kho vận", "Kinh doanh", "Kế toán", "Chi nhánh Hà Nội",
                    "Chi nhánh TP Hồ Chí Minh", "Bảo vệ", "Kỹ thuật", "Nhà ăn"]
NAME_PARTS = (["Công ty TNHH", "Công ty Cổ phần", "Doanh nghiệp tư nhân", "Hợp tác xã", "Trường",
               "Bệnh viện", "Công ty TNHH MTV"],
              ["Thương mại", "Xây dựng", "Dệt may", "Cơ khí", "Thực phẩm", "Vận tải", "Dịch vụ", "Điện tử",
               "Nông sản", "Giáo dục"],
              ["Hoàng Long", "Minh Phát", "An Bình", "Thành Công", "Việt Tiến", "Hải Đăng", "Phú Thịnh",
               "Sông Hồng", "Trường Sơn", "Đại Việt", "Hưng Thịnh", "Bình Minh"])
GROUPS = ["compulsory", "voluntary", "household", "students", "other"]
SECTORS = ["Thương mại", "Sản xuất", "Xây dựng", "Dịch vụ", "Giáo dục", "Y tế", "Nông nghiệp", "Vận tải"]

COLUMNS = {
    "org_unit": ("id", "code", "name", "level", "parent_id", "path", "created_at"),
    "user": ("id", "username", "full_name", "password_hash", "role", "org_unit_id", "preferred_language",
             "active", "created_at", "password_changed_at"),
    "campaign": ("id", "name", "starts_on", "ends_on", "counts_from", "participant_groups", "created_at"),
    "target": ("id", "campaign_id", "org_unit_id", "metric", "value", "comparison", "created_at", "updated_at"),
    "review_period": ("id", "campaign_id", "org_unit_id", "kind", "cut_off", "state", "created_at",
                      "created_by_id"),
    "employer": ("id", "unit_code", "tax_code", "name", "address", "sector", "district_id", "search_text",
                 "created_at", "updated_at"),
    "labour_department": ("id", "employer_id", "name", "insured_declared", "created_at", "updated_at",
                          "current_insured", "current_registered", "current_active", "current_visit_id",
                          "current_visit_date"),
    "visit": ("id", "officer_id", "employer_id", "district_id", "visit_date", "purpose", "notes", "state",
              "return_reason",
              "revision", "idempotency_key", "content_hash", "created_at", "submitted_at", "reviewed_at",
              "reviewed_by_id", "newly_registered"),
    "visit_line": ("id", "visit_id", "labour_department_id", "insured", "registered", "active", "newly_registered"),
    "obstacle": ("id", "visit_id", "position", "category", "people_affected", "note"),
    "follow_up": ("id", "kind", "state", "employer_id", "district_id", "visit_id", "obstacle_id", "obstacle_category",
                  "people_affected", "proposer_id", "assignee_id", "due_date", "note", "decided_by_id",
                  "decided_at", "decision_comment", "reason", "outcome", "started_at", "completed_at",
                  "cancelled_at", "cancelled_by_id", "created_at", "updated_at"),
    "progress_employer": ("employer_id", "district_id", "insured", "registered", "unregistered", "steps",
                          "activity", "obstacles", "reviewed", "departments_updated_at"),
    "progress_employer_full_day": ("employer_id", "day"),
    "progress_stock": ("district_id", "grain", "day", "insured", "registered", "active", "registered_verified",
                       "employers", "employers_full"),
    "progress_activity": ("district_id", "grain", "day", "visits", "visits_verified", "registrations",
                          "registrations_verified"),
    "progress_obstacle": ("district_id", "grain", "day", "category", "obstacles", "people"),
    "progress_reviewed": ("district_id", "grain", "day", "campaign_id", "departments", "departments_reviewed",
                          "insured", "registered", "active", "employers", "employers_full"),
    "group_return": ("id", "district_id", "participant_group", "month", "participants", "registered",
                     "new_participants", "new_registered", "using", "state", "version", "filed_by_id", "filed_at",
                     "updated_by_id", "updated_at", "locked_by_id", "locked_at"),
}
JSON_COLUMNS = {"participant_groups", "steps", "activity", "obstacles", "reviewed"}
SERIAL_TABLES = ("org_unit", "user", "campaign", "target", "review_period", "employer", "labour_department", "visit",
                 "visit_line", "obstacle", "follow_up", "group_return")


class Sink:
    """Rows buffered per table and written in batches: COPY on PostgreSQL,
    executemany on SQLite, on one connection and one transaction."""

    def __init__(self, engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        self.conn = self.raw.driver_connection
        self.buffers = {name: [] for name in COLUMNS}
        self.counts = {name: 0 for name in COLUMNS}
        cur = self.conn.cursor()
        if self.postgres:
            cur.execute("SET session_replication_role = replica")  # no FK triggers while loading, as a restore
            cur.execute("SET synchronous_commit = off")
        else:
            cur.execute("PRAGMA foreign_keys = OFF")
            cur.execute("PRAGMA synchronous = OFF")
            cur.execute("PRAGMA journal_mode = MEMORY")

    def add(self, table, row):
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= FLUSH_ROWS:
            self.flush(table)

    def flush(self, table=None):
        for name in [table] if table else list(COLUMNS):
            rows = self.buffers[name]
            if not rows:
                continue
            columns = COLUMNS[name]
            json_at = [i for i, c in enumerate(columns) if c in JSON_COLUMNS]
            if json_at:
                rows = [tuple(json.dumps(v, separators=(",", ":")) if i in json_at else v
                              for i, v in enumerate(row)) for row in rows]
            quoted = ", ".join(f'"{c}"' for c in columns)
            cur = self.conn.cursor()
            if self.postgres:
                with cur.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                cur.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})', rows)
            self.counts[name] += len(rows)
            self.buffers[name] = []

    def finish(self):
        self.flush()
        cur = self.conn.cursor()
        if self.postgres:
            for name in SERIAL_TABLES:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM \"{name}\"))")
            cur.execute("SET session_replication_role = origin")
        self.conn.commit()
        self.raw.close()


def build_org(sink, rng, scale):
    """The org tree and the accounts. Returns what the employers need."""
    from fieldops.demo.accounts import demo_password_hash

    password_hash = demo_password_hash()
    units, users = [], []
    uid = iter(range(1, 10**9))

    def unit(code, name, level, parent, parent_path):
        unit_id = next(uid)
        path = f"{parent_path}{unit_id}/"
        sink.add("org_unit", (unit_id, code, name, level, parent, path, CREATED))
        units.append(unit_id)
        return unit_id, path

    def user(username, full_name, role, unit_id):
        users.append(username)
        sink.add("user", (len(users), username, full_name, password_hash, role, unit_id, "vi", True, CREATED,
                          CREATED))
        return len(users)

    national, national_path = unit("VN", "Bảo hiểm xã hội Việt Nam", "national", None, "/")
    for username, full_name, role in (("admin", "Quản trị hệ thống", "admin"), ("hr", "Cán bộ thi đua", "hr"),
                                      ("viewer", "Lãnh đạo ngành", "viewer")):
        user(username, full_name, role, national)
    districts = []  # (district id, province index, officers, supervisor)
    n_officers = max(DISTRICTS, round(OFFICERS * scale))
    district_no = team_no = 0
    for p in range(PROVINCES):
        province, province_path = unit(f"P{p + 1:02d}", f"Bảo hiểm xã hội tỉnh số {p + 1}", "province", national,
                                       national_path)
        user(f"viewer.p{p + 1:02d}", f"Lãnh đạo tỉnh số {p + 1}", "viewer", province)
        user(f"supervisor.p{p + 1:02d}", f"Lãnh đạo phòng tỉnh số {p + 1}", "supervisor", province)
        count = DISTRICTS * (p + 1) // PROVINCES - DISTRICTS * p // PROVINCES
        for d in range(count):
            district_no += 1
            code = f"P{p + 1:02d}-D{d + 1:02d}"
            district, district_path = unit(code, f"Bảo hiểm xã hội huyện {p + 1}.{d + 1}", "district", province,
                                           province_path)
            teams = TEAMS * district_no // DISTRICTS - TEAMS * (district_no - 1) // DISTRICTS
            for t in range(teams):
                team_no += 1
                unit(f"{code}-T{t + 1}", f"Tổ thu – phát triển đối tượng {p + 1}.{d + 1}.{t + 1}", "team",
                     district, district_path)
            supervisor = user(f"supervisor.d{district_no:03d}", f"Lãnh đạo huyện số {district_no}", "supervisor",
                              district)
            officers = []
            for _ in range(n_officers * district_no // DISTRICTS - n_officers * (district_no - 1) // DISTRICTS):
                number = len(users) + 1
                officers.append(user(f"officer.{number:05d}", f"Cán bộ số {number}", "officer", district))
            districts.append((district, p, officers, supervisor))
    return {"national": national, "districts": districts, "units": len(units), "users": len(users)}


def employer_name(rng, e):
    return f"{rng.choice(NAME_PARTS[0])} {rng.choice(NAME_PARTS[1])} {rng.choice(NAME_PARTS[2])} {e}"


def build_employers(sink, rng, org, scale, progress):
    """Employers, departments, visits with their lines and obstacles, follow-ups,
    the departments' current figures and the progress timeline, employer by employer."""
    from fieldops.progress.timeline import _add, by_grain, compute_state, contributions, full_days
    from fieldops.textfold import fold

    districts = org["districts"]
    # Districts differ in size: a city district manages many times a rural one's employers.
    weights = [rng.paretovariate(1.5) for _ in districts]
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    n_employers = round(EMPLOYERS * scale)
    stock, activity, obstacles, reviewed_stock = {}, {}, {}, {}
    campaigns = [(1, YEAR_START.toordinal())]  # the one campaign, counting from the year's start
    totals = {}  # district id → [insured, registered, employers, visits, active]
    department_id = visit_id = line_id = obstacle_id = followup_id = 0
    for e in range(1, n_employers + 1):
        district_id, province, officers, supervisor = districts[
            min(len(districts) - 1, bisect.bisect(cumulative, rng.random() * total))]
        name = employer_name(rng, e)
        unit_code, tax_code = f"{'TA' if e % 2 else 'YN'}{e:07d}", f"{province + 1:02d}{e:08d}"
        sink.add("employer", (e, unit_code, tax_code, name, f"Số {e % 400 + 1}, đường số {e % 97 + 1}",
                              rng.choice(SECTORS), district_id, fold(f"{name} {unit_code} {tax_code}")[:600],
                              CREATED, CREATED))
        k = rng.choice(DEPARTMENT_COUNTS)
        departments = {}
        names = ["Toàn đơn vị"] if k == 1 else [DEPARTMENT_NAMES[i % 10] + (f" {i // 10 + 1}" if i >= 10 else "")
                                                for i in range(k)]
        for dept_name in names:
            department_id += 1
            departments[department_id] = (dept_name, rng.choice((rng.randint(3, 40), rng.randint(10, 300))))
        visits, lines, obstacle_rows = {}, [], []
        current = {}
        days = sorted(rng.sample(range(0, 365), rng.choice(VISIT_COUNTS)))
        registered = {d: 0 for d in departments}
        officer = rng.choice(officers)
        for day in days:
            visit_id += 1
            visit_date = YEAR_START + timedelta(days=day)
            submitted = datetime.combine(visit_date, datetime.min.time()) + timedelta(hours=rng.randint(1, 10))
            state = rng.choice(STATES)
            reviewed = submitted + timedelta(days=rng.randint(0, 5)) if state != "submitted" else None
            visit_row = (visit_id, officer if rng.random() < 0.8 else rng.choice(officers), e, district_id,
                         visit_date,
                         rng.choice(PURPOSES), "", state, "Số liệu chưa khớp" if state == "returned" else "",
                         1, f"n-{visit_id}", "national", submitted, submitted, reviewed,
                         supervisor if reviewed else None)
            counting = state != "returned"
            if counting:
                visits[visit_id] = (visit_date, submitted, state == "verified")
            visit_lines = []
            for d, (_n, declared) in departments.items():
                line_id += 1
                insured = max(0, declared + rng.randint(-2, 2))
                before = min(registered[d], insured)
                reg = min(insured, before + rng.randint(0, max(1, insured // 2)))
                active = reg * rng.randint(50, 100) // 100
                newly = reg - before
                visit_lines.append((line_id, visit_id, d, insured, reg, active, newly))
                if counting:
                    registered[d] = reg
                    lines.append((visit_id, d, insured, reg, active, newly))
                    current[d] = (insured, reg, active, visit_id, visit_date)
            # The visit keeps Σ newly registered over its lines (fieldops/visits/models.py).
            sink.add("visit", visit_row + (sum(line[-1] for line in visit_lines),))
            for line in visit_lines:
                sink.add("visit_line", line)
            if rng.random() < 0.125:
                for position in range(rng.choice((1, 1, 1, 2))):
                    obstacle_id += 1
                    category, people = rng.choice(CATEGORIES), rng.randint(1, 12)
                    sink.add("obstacle", (obstacle_id, visit_id, position, category, people, ""))
                    if counting:
                        obstacle_rows.append((visit_id, category, people))
                    if rng.random() < 0.5:
                        followup_id += 1
                        sink.add("follow_up", followup(rng, followup_id, e, district_id, visit_id, obstacle_id,
                                                       category, people, officer, supervisor, visit_date))
        if not days and rng.random() < 0.1:  # revisits proposed for employers nobody has reached yet
            followup_id += 1
            sink.add("follow_up", followup(rng, followup_id, e, district_id, None, None, None, None, officer,
                                           supervisor, date(2023, 6, 1) + timedelta(days=rng.randint(0, 200))))
        for d, (dept_name, declared) in departments.items():
            cur = current.get(d)
            sink.add("labour_department", (d, e, dept_name, declared, CREATED, CREATED) + (
                cur if cur else (None, 0, 0, None, None)))
        state = compute_state({d: v[1] for d, v in departments.items()}, visits, lines, obstacle_rows, campaigns)
        for grand, part in zip((stock, activity, obstacles, reviewed_stock), contributions(district_id, state)):
            _add(grand, part)
        last = state["steps"][-1]
        sink.add("progress_employer", (e, district_id, last[1], last[2], last[1] - last[2], state["steps"],
                                       state["activity"], state["obstacles"], state["reviewed"], CREATED))
        for day in sorted(full_days(state["steps"])):
            sink.add("progress_employer_full_day", (e, date.fromordinal(day)))
        t = totals.setdefault(district_id, [0, 0, 0, 0, 0])
        t[0] += last[1]
        t[1] += last[2]
        t[2] += 1
        t[3] += len(days)
        t[4] += last[3]
        if progress and e % 50_000 == 0:
            progress(e)
    for table, changes in (("progress_stock", stock), ("progress_activity", activity),
                           ("progress_obstacle", obstacles), ("progress_reviewed", reviewed_stock)):
        for key, vector in sorted(by_grain(changes).items()):
            sink.add(table, key + vector)
    return totals


def followup(rng, fid, employer, district, visit, obstacle, category, people, officer, supervisor, day):
    """A follow-up in a state drawn like a campaign's: most done or under way."""
    state = rng.choice(["proposed"] * 2 + ["approved"] * 2 + ["in_progress"] * 2 + ["done"] * 3 + ["rejected",
                                                                                                    "cancelled"])
    kind = "escalation" if category and rng.random() < 0.4 else rng.choice(("revisit", "training", "data_correction"))
    created = datetime.combine(day, datetime.min.time()) + timedelta(hours=12)
    decided = created + timedelta(days=rng.randint(0, 4)) if state != "proposed" else None
    started = decided + timedelta(days=1) if state in ("in_progress", "done") else None
    completed = started + timedelta(days=rng.randint(1, 30)) if state == "done" else None
    cancelled = decided + timedelta(days=2) if state == "cancelled" else None
    return (fid, kind, state, employer, district, visit, obstacle if kind == "escalation" else None,
            category if kind == "escalation" else None, people if kind == "escalation" else None, officer, officer,
            day + timedelta(days=rng.randint(7, 60)), "", supervisor if decided else None, decided, "",
            "Không còn cần thiết" if state in ("rejected", "cancelled") else "",
            "Đã hoàn thành" if state == "done" else "", started, completed, cancelled,
            supervisor if cancelled else None, created, completed or cancelled or decided or created)


def build(url, scale=1.0, seed=2023, progress=None):
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from fieldops import create_app
    from fieldops.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(seed)
    timings = {}
    with app.app_context():
        began = time.perf_counter()
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        meta.drop_all(bind=db.engine)
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        timings["schema_s"] = round(time.perf_counter() - began, 1)
        began = time.perf_counter()
        sink = Sink(db.engine)
        org = build_org(sink, rng, scale)
        sink.add("campaign", (1, "Phong trào thi đua cài đặt và sử dụng ứng dụng VssID năm 2023", date(2023, 5, 5),
                              date(2023, 12, 31), YEAR_START, GROUPS, CREATED))
        sink.add("review_period", (1, 1, org["national"], "interim", date(2023, 9, 30), "open", CREATED, 1))
        sink.add("review_period", (2, 1, org["national"], "final", date(2023, 12, 31), "open", CREATED, 1))
        totals = build_employers(sink, rng, org, scale, progress)
        sink.flush()
        targets(sink, org, totals)
        group_returns(sink, org, random.Random(11))
        sink.finish()
        timings["load_s"] = round(time.perf_counter() - began, 1)
        began = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"))
        timings["analyze_s"] = round(time.perf_counter() - began, 1)
        counts = {name: db.session.scalar(sa.text(f'SELECT count(*) FROM "{name}"')) for name in COLUMNS}
    return {"url": url, "scale": scale, "seed": seed, "timings": timings, "rows": counts}


def targets(sink, org, totals):
    """Targets a little above what the history reaches, so some units meet them
    and some do not; the headline (people using the app, all groups) is "more
    than" its value, as the seed words it. Province ids are read back: the tree
    numbers each province's districts and teams right after it."""
    sink.flush()
    cur = sink.conn.cursor()
    cur.execute("SELECT code, id FROM org_unit WHERE level = 'province'")
    ids = dict(cur.fetchall())
    rng = random.Random(7)
    target_id = 0
    by_province = {}

    def add(unit_id, t, spread):
        nonlocal target_id
        # The returns add about a third again to those using the app at employers.
        for metric, value, comparison in (
                ("registered_employer", t[1] * spread, "at_least"), ("coverage_pct", 85, "at_least"),
                ("visits", t[3] * spread, "at_least"), ("active_employer", t[4] * spread, "at_least"),
                ("active_all", t[4] * 1.35 * spread, "more_than")):
            target_id += 1
            sink.add("target", (target_id, 1, unit_id, metric, round(value), comparison, CREATED, CREATED))

    for district_id, province, _o, _s in org["districts"]:
        t = totals.get(district_id, [0, 0, 0, 0, 0])
        p = by_province.setdefault(province, [0, 0, 0, 0, 0])
        for i in range(5):
            p[i] += t[i]
        add(district_id, t, rng.uniform(0.9, 1.2))
    for province, p in sorted(by_province.items()):
        add(ids[f"P{province + 1:02d}"], p, 1.05)
    national = [sum(p[i] for p in by_province.values()) for i in range(5)]
    add(org["national"], national, 1.05)


def group_returns(sink, org, rng):
    """Every district's monthly return per group outside employers, January to
    December 2023: locked by its supervisor except December's, which one
    district in twenty has not filed yet."""
    return_id = 0
    for district_id, _p, officers, supervisor in org["districts"]:
        for group in GROUPS[1:]:
            participants = rng.randint(200, 6_000)
            registered = round(participants * rng.uniform(0.2, 0.4))
            for month in range(1, 13):
                if month == 12 and district_id % 20 == 0:
                    continue
                new = rng.randint(0, participants // 20)
                new_registered = min(registered, round(new * rng.uniform(0.3, 0.9)))
                participants += new
                registered = min(participants, registered + new_registered + rng.randint(0, participants // 25))
                filed = datetime(2023 + month // 12, month % 12 + 1, rng.randint(1, 5), 3)
                locked = month < 12
                return_id += 1
                using = round(registered * rng.uniform(0.6, 0.9))
                sink.add("group_return", (
                    return_id, district_id, group, date(2023, month, 1), participants, registered, new,
                    new_registered, using, "locked" if locked else "filed", 1, rng.choice(officers), filed,
                    rng.choice(officers), filed, supervisor if locked else None,
                    filed + timedelta(days=3) if locked else None))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="SQLAlchemy URL; the database is emptied first")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = national; 0.05 = the 1/20 sample")
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args()
    began = time.perf_counter()

    def progress(n):
        print(f"  {n:,} employers ({time.perf_counter() - began:.0f} s)", file=sys.stderr, flush=True)

    report = build(args.database, args.scale, args.seed, progress)
    report |= {"when": datetime.now().isoformat(timespec="seconds"), "seconds": round(time.perf_counter() - began),
               "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    print(json.dumps(report, indent=1, default=str))
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", f"national-data-{datetime.now():%Y%m%d-%H%M%S}.json"), "w") as f:
        json.dump(report, f, indent=1, default=str)


if __name__ == "__main__":
    main()
