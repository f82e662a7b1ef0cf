"""Deterministic demo visits in 2023, after the campaign's counting-from date:
some verified, one waiting in each district's review queue, one returned.

Figures are shares of each department's declared headcount, so every visit
obeys the input rules; times are fixed, so two loads give the same data.
"""
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from fieldops.auth.models import User
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.visits.forms import LineInput, ObstacleInput, VisitInput
from fieldops.visits.models import ObstacleCategory, Visit, VisitPurpose
from fieldops.visits.operations import create_visit, return_visit, verify_visit

P = VisitPurpose
O = ObstacleCategory

VISITS = [
    # officer, unit code, visit date, purpose, registered %, active %, newly %, reviewer, return reason, obstacles
    ("officer.hn", "TA01001", date(2023, 3, 14), P.guidance, 40, 25, 10, "supervisor.hn", None, []),
    ("officer.hn", "TA01001", date(2023, 6, 20), P.registration_drive, 85, 60, 45, "supervisor.hn", None,
     [(O.no_smartphone, 2, "Hai bảo vệ lớn tuổi chỉ dùng điện thoại phổ thông.")]),
    ("officer.hn", "TA01002", date(2023, 5, 10), P.registration_drive, 55, 30, 20, "supervisor.hn", None,
     [(O.otp_not_received, 3, "Mã OTP đến chậm với thuê bao của một nhà mạng.")]),
    ("officer.hn", "TA01004", date(2023, 7, 3), P.verification, 70, 50, 15, None, None, []),
    ("officer.hn", "TA01005", date(2023, 8, 22), P.communication_session, 30, 20, 30, "supervisor.hn",
     "Số đã đăng ký của Phân xưởng 2 cao hơn danh sách của cơ quan BHXH; đề nghị kiểm tra và gửi lại.",
     [(O.identity_data_mismatch, 4, "Số CCCD trên hồ sơ khác với số đang dùng."),
      (O.worker_declined, 1, "")]),
    ("officer.ht", "YN01001", date(2023, 4, 18), P.registration_drive, 65, 40, 35, "supervisor.ht", None,
     [(O.no_own_phone_number, 2, "Dùng chung số điện thoại với người thân.")]),
    ("officer.ht", "YN01003", date(2023, 9, 12), P.guidance, 50, 35, 10, None, None, []),
]

# Visits are entered at 17:00 on their day (Asia/Ho_Chi_Minh, 10:00 UTC) and
# reviewed the next morning.
ENTERED = timedelta(hours=10)
REVIEWED = timedelta(days=1, hours=2)


def _lines(employer, registered_pct, active_pct, newly_pct):
    lines = []
    for department in employer.departments:
        insured = department.insured_declared
        registered = insured * registered_pct // 100
        active = registered * active_pct // 100
        newly = registered * newly_pct // 100
        lines.append(LineInput(department=department, new_name="", insured=insured, registered=registered,
                               active=active, newly_registered=newly))
    return lines


def load_demo_visits() -> None:
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    employers = {e.unit_code: e for e in db.session.scalars(sa.select(Employer))}
    for n, (officer, code, day, purpose, reg, act, newly, reviewer, reason, obstacles) in enumerate(VISITS, 1):
        employer = employers[code]
        entered = datetime.combine(day, datetime.min.time()) + ENTERED
        data = VisitInput(
            visit_date=day, purpose=purpose, notes="", latitude=None, longitude=None,
            lines=_lines(employer, reg, act, newly),
            obstacles=[ObstacleInput(category=c, people_affected=p, note=note) for c, p, note in obstacles],
        )
        key = f"demo-visit-{n:03d}"
        visit = db.session.get(Visit, create_visit(users[officer], employer, data, idempotency_key=key,
                                                   content_hash=key, now=entered))
        if reviewer and reason:
            return_visit(users[reviewer], visit, reason, now=entered + REVIEWED)
        elif reviewer:
            verify_visit(users[reviewer], visit, now=entered + REVIEWED)
    db.session.flush()
