"""Deterministic demo data for progress monitoring: a second officer in each
district (and a supervisor where there was none), visits to almost every
employer spread over 2023 with coverage climbing month by month (some reach
100%, some stay behind), a few follow-ups done on time or late, and targets for
every unit — so every chart and every period shows movement.

Everything goes through the real operations (create_visit, verify_visit,
return_visit, the follow-up operations, create_target), so the current figures
and the progress timeline are kept by the real write path. Loaded after the
visits and follow-ups of the other demo modules, whose visits it never changes:
it adds visits only after an employer's last demo visit, and none to the
employer the visit browser test records a visit for.
"""
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from fieldops.auth.models import User
from fieldops.auth.operations import create_user
from fieldops.campaigns.models import Campaign
from fieldops.employers.models import Employer
from fieldops.demo.accounts import demo_password_hash
from fieldops.extensions import db
from fieldops.followups import operations as followups
from fieldops.followups.models import FollowUpKind
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.progress.models import Metric
from fieldops.progress.operations import create_target
from fieldops.visits.forms import LineInput, ObstacleInput, VisitInput
from fieldops.visits.models import ObstacleCategory, ReviewState, Visit, VisitPurpose
from fieldops.visits.operations import create_visit, return_visit, verify_visit

# username, full name, role, district
PEOPLE = [
    ("officer.hn2", "Vũ Minh Châu", "officer", "HN-BD"),
    ("officer.cg", "Lê Thị Mai", "officer", "HN-CG"),
    ("supervisor.cg", "Trịnh Quốc Bảo", "supervisor", "HN-CG"),
    ("officer.ht2", "Phan Văn Hùng", "officer", "HT-TP"),
    ("officer.ka", "Đặng Thị Lan", "officer", "HT-KA"),
    ("supervisor.ka", "Hồ Sỹ Nam", "supervisor", "HT-KA"),
]
OFFICERS = {"HN-BD": "officer.hn2", "HN-CG": "officer.cg", "HT-TP": "officer.ht2", "HT-KA": "officer.ka"}
SUPERVISORS = {"HN-BD": "supervisor.hn", "HN-CG": "supervisor.cg", "HT-TP": "supervisor.ht", "HT-KA": "supervisor.ka"}
# The visit browser test records the first visit of this employer: leave it alone.
UNTOUCHED = {"TA01003"}
PURPOSES = [VisitPurpose.guidance, VisitPurpose.registration_drive, VisitPurpose.communication_session,
            VisitPurpose.registration_drive, VisitPurpose.verification]
OBSTACLES = list(ObstacleCategory)
NOTES = {
    ObstacleCategory.no_smartphone: "Một số người lao động lớn tuổi chỉ dùng điện thoại phổ thông.",
    ObstacleCategory.no_own_phone_number: "Dùng chung số điện thoại với người thân.",
    ObstacleCategory.identity_data_mismatch: "Thông tin CCCD khác với hồ sơ BHXH.",
    ObstacleCategory.otp_not_received: "Mã OTP đến chậm.",
    ObstacleCategory.app_error: "Ứng dụng báo lỗi khi xác thực khuôn mặt.",
    ObstacleCategory.employer_declined: "Đơn vị chưa bố trí thời gian cho người lao động.",
    ObstacleCategory.worker_declined: "Người lao động chưa muốn cài đặt.",
    ObstacleCategory.other: "Người lao động đi công tác dài ngày.",
}
ENTERED = timedelta(hours=10)  # 17:00 in Hà Nội
REVIEWED = timedelta(days=1, hours=1)


def _people(units):
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    for username, full_name, role, unit in PEOPLE:
        if username not in users:
            users[username] = create_user(None, username=username, full_name=full_name, role=role,
                                          org_unit=units[unit], password_hash=demo_password_hash())
    return users


def _plan(district_index, i):
    """Months of the employer's visits and the coverage (%) it ends the year at."""
    start_month = 1 + (i + district_index) % 3
    step = 2 if i % 3 else 3
    months = list(range(start_month, 13, step))[:5]
    final = 100 if (i + district_index) % 3 == 0 else 55 + (i * 13 + district_index * 7) % 40
    return months, final


def _lines(employer, pct, previous, month):
    lines = []
    # In id order: the collection's order depends on whether it was loaded or built in this session.
    for n, department in enumerate(sorted(employer.departments, key=lambda d: d.id)):
        # Headcounts move a little in the second half of the year: figures are snapshots.
        insured = department.insured_declared + (2 if month >= 7 and n == 0 and pct < 100 else 0)
        registered = insured if pct >= 100 else insured * pct // 100
        before = previous.get(department.id, department.current_registered)
        newly = max(0, min(registered - before, registered))
        lines.append(LineInput(department=department, new_name="", insured=insured, registered=registered,
                               active=registered * 7 // 10, newly_registered=newly))
        previous[department.id] = registered
    return lines


def _visits(users, districts):
    employers = db.session.scalars(sa.select(Employer).order_by(Employer.unit_code)).all()
    last_demo = dict(db.session.execute(
        sa.select(Visit.employer_id, sa.func.max(Visit.visit_date)).group_by(Visit.employer_id)).all())
    n = 0
    made = []
    for d_index, code in enumerate(("HN-BD", "HN-CG", "HT-TP", "HT-KA")):
        officer, supervisor = users[OFFICERS[code]], users[SUPERVISORS[code]]
        mine = [e for e in employers if e.district_id == districts[code].id and e.unit_code not in UNTOUCHED]
        for i, employer in enumerate(mine):
            months, final = _plan(d_index, i)
            after = last_demo.get(employer.id)
            days = [date(2023, m, 3 + (i * 5 + d_index * 3) % 24) for m in months]
            days = [d for d in days if after is None or d > after]
            if after is not None and not days:
                days = [after + timedelta(days=20)]
            start = 10 + (i * 7) % 25
            insured = sum(d.insured for d in employer.departments)
            if insured:  # an employer visited before goes on from where it stands
                start = max(start, 100 * sum(d.current_registered for d in employer.departments) // insured)
            final = max(final, start)
            previous = {}
            for k, day in enumerate(days):
                n += 1
                pct = final if k == len(days) - 1 else start + (final - start) * (k + 1) // len(days)
                obstacles = []
                if pct < 100 and n % 3 == 0:
                    category = OBSTACLES[n % len(OBSTACLES)]
                    obstacles.append(ObstacleInput(category=category, people_affected=1 + (i + k) % 4,
                                                   note=NOTES[category]))
                data = VisitInput(visit_date=day, purpose=PURPOSES[(i + k) % len(PURPOSES)], notes="",
                                  latitude=None, longitude=None, lines=_lines(employer, pct, previous, day.month),
                                  obstacles=obstacles)
                entered = datetime.combine(day, datetime.min.time()) + ENTERED + timedelta(minutes=n % 50)
                key = f"demo-progress-{n:03d}"
                visit = db.session.get(Visit, create_visit(officer, employer, data, idempotency_key=key,
                                                           content_hash=key, now=entered))
                made.append(visit)
                last = k == len(days) - 1
                if last and i == 7 and code in ("HN-BD", "HT-TP"):
                    continue  # one waits for review in these districts
                if last and i in (3, 8):
                    continue  # and a couple more where the queues are not under test
                if k == 1 and i == 5 and code in ("HN-CG", "HT-KA"):
                    return_visit(supervisor, visit, "Số người đã đăng ký lớn hơn số tham gia; đề nghị kiểm tra lại.",
                                 now=entered + REVIEWED)
                    continue
                verify_visit(supervisor, visit, now=entered + REVIEWED)
    return made


def _followups(users, districts, made):
    """A few follow-ups carried out by the new officers: done on time, done late, and escalations."""
    for d_index, code in enumerate(("HN-BD", "HN-CG", "HT-TP", "HT-KA")):
        officer, supervisor = users[OFFICERS[code]], users[SUPERVISORS[code]]
        visits = [v for v in made if v.officer_id == officer.id and v.state == ReviewState.verified]
        for j, visit in enumerate(visits[1:4]):
            proposed = datetime.combine(visit.visit_date, datetime.min.time()) + timedelta(hours=11)
            obstacle = visit.obstacles[0] if visit.obstacles else None
            kind = FollowUpKind.escalation if obstacle is not None else FollowUpKind.revisit
            due = visit.visit_date + timedelta(days=14)
            followup = followups.propose_followup(
                officer, kind=kind, employer=visit.employer, assignee=officer, due_date=due,
                note="Theo dõi sau buổi làm việc." if obstacle is None else obstacle.note, visit=visit,
                obstacle=obstacle, now=proposed, today=visit.visit_date)
            followups.approve_followup(supervisor, followup, now=proposed + timedelta(days=1))
            followups.start_followup(officer, followup, now=proposed + timedelta(days=2))
            late = (j + d_index) % 3 == 2
            followups.complete_followup(officer, followup, "Đã hoàn thành.",
                                        now=proposed + timedelta(days=20 if late else 8))


def _targets(units):
    """Targets for every unit: registered people and employers at 100% from the
    declared headcounts, coverage, visits; the teams' targets are visits."""
    campaign = db.session.scalars(sa.select(Campaign).order_by(Campaign.counts_from.desc())).first()
    declared = dict(db.session.execute(sa.text(
        "SELECT e.district_id, SUM(d.insured_declared) FROM labour_department d "
        "JOIN employer e ON e.id = d.employer_id GROUP BY e.district_id")).all())
    counted = dict(db.session.execute(
        sa.select(Employer.district_id, sa.func.count(Employer.id)).group_by(Employer.district_id)).all())
    for index, unit in enumerate(sorted(units.values(), key=lambda u: u.path)):
        if unit.level == UnitLevel.team:
            create_target(None, campaign, unit, Metric.visits, 8 + 2 * (index % 3))
            continue
        districts = [u for u in units.values() if u.level == UnitLevel.district and u.path.startswith(unit.path)]
        insured = sum(int(declared.get(d.id, 0)) for d in districts)
        employers = sum(counted.get(d.id, 0) for d in districts)
        share = (70, 80, 90)[index % 3]
        create_target(None, campaign, unit, Metric.registered_employer, insured * share // 100)
        # Of those registered, about three in four installed and using the app.
        create_target(None, campaign, unit, Metric.active_employer, insured * share * 3 // 400)
        create_target(None, campaign, unit, Metric.coverage_pct, share)
        create_target(None, campaign, unit, Metric.employers_full, employers * (2 + index % 3) // 10)
        create_target(None, campaign, unit, Metric.visits, (38 + 4 * (index % 3)) * len(districts))


def load_demo_progress() -> None:
    units = {u.code: u for u in db.session.scalars(sa.select(OrgUnit))}
    districts = {code: units[code] for code in OFFICERS}
    users = _people(units)
    made = _visits(users, districts)
    _followups(users, districts, made)
    _targets(units)
    db.session.flush()
