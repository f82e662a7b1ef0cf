"""Deterministic demo follow-ups for both provinces, in every state, some overdue.

They are proposed and decided in 2023, after the demo visits, through the real
operations (so audit events and notices exist as they would). Closed ones have
2023 due dates; open ones either a 2023 due date (so they show as overdue) or a
due date a set number of days from today (so "due soon" and "due later" show
too, whatever the day the demo is loaded).
"""
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from fieldops.auth.models import User
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.followups import operations as ops
from fieldops.followups.models import FollowUpKind, FollowUpNotice, FollowUpState
from fieldops.timeutil import local_today
from fieldops.visits.models import ObstacleCategory, Visit

K, S, O = FollowUpKind, FollowUpState, ObstacleCategory

# Who works where: the officer proposes and carries out, the supervisor decides.
TEAMS = {"HN": ("officer.hn", "supervisor.hn"), "HT": ("officer.ht", "supervisor.ht")}

FOLLOWUPS = [
    # province, employer, kind, from (an obstacle category, "visit" or None), proposed on (a date, or
    # days from today: a recent rejection shows as returned), due (a date, or days from today), state
    # reached, note, reason or outcome, link the visit that did it
    ("HN", "TA01001", K.escalation, O.no_smartphone, date(2023, 6, 21), 14, S.proposed,
     "Đề nghị Trung tâm CSKH hướng dẫn cách đăng ký hộ cho người không có điện thoại thông minh.", "", False),
    ("HN", "TA01002", K.escalation, O.otp_not_received, date(2023, 5, 11), date(2023, 6, 15), S.done,
     "Mã OTP không đến với thuê bao của một nhà mạng.",
     "Trung tâm CSKH đã phối hợp với nhà mạng; người lao động đã nhận được mã và đăng ký xong.", False),
    ("HN", "TA01005", K.escalation, O.identity_data_mismatch, date(2023, 8, 23), date(2023, 9, 30),
     S.in_progress, "Bốn người có số CCCD trên hồ sơ khác số đang dùng.", "", False),
    ("HN", "TA01001", K.revisit, "visit", date(2023, 3, 15), date(2023, 6, 30), S.done,
     "Quay lại đăng ký cho người lao động còn lại sau buổi hướng dẫn.",
     "Đã đăng ký thêm cho phần lớn người lao động trong buổi ra quân.", True),
    ("HN", "TA01004", K.training, "visit", date(2023, 7, 4), date(2023, 8, 15), S.rejected,
     "Tập huấn cài đặt VssID cho cán bộ nhân sự của đơn vị.",
     "Đơn vị đã tự tổ chức tập huấn trong tháng 7.", False),
    ("HN", "TA01005", K.data_correction, "visit", date(2023, 8, 23), date(2023, 9, 15), S.cancelled,
     "Điều chỉnh danh sách người lao động của Phân xưởng 2.",
     "Đơn vị đã tự điều chỉnh danh sách qua giao dịch điện tử.", False),
    ("HN", "TA01002", K.revisit, "visit", date(2023, 5, 11), date(2023, 7, 31), S.approved,
     "Quay lại đăng ký cho người lao động ca đêm.", "", False),
    ("HN", "TA01004", K.revisit, "visit", date(2023, 7, 4), 5, S.approved,
     "Quay lại sau khi đơn vị cập nhật danh sách.", "", False),
    ("HN", "TA01003", K.training, None, date(2023, 9, 1), 20, S.proposed,
     "Buổi tập huấn cho người lao động mới tuyển.", "", False),
    ("HN", "TA01006", K.revisit, None, -3, 10, S.rejected,
     "Quay lại đăng ký cho người lao động mới tuyển.", "Quận đã có kế hoạch ra quân chung vào tháng tới.", False),
    ("HT", "YN01001", K.escalation, O.no_own_phone_number, date(2023, 4, 19), 10, S.proposed,
     "Hai người dùng chung số điện thoại với người thân, không nhận được mã xác thực.", "", False),
    ("HT", "YN01001", K.revisit, "visit", date(2023, 4, 19), date(2023, 6, 30), S.approved,
     "Quay lại đăng ký cho người lao động còn lại.", "", False),
    ("HT", "YN01003", K.revisit, "visit", date(2023, 9, 13), 21, S.proposed,
     "Quay lại sau buổi hướng dẫn để đăng ký cho người lao động.", "", False),
    ("HT", "YN01002", K.training, None, date(2023, 9, 14), 30, S.proposed,
     "Tập huấn sử dụng VssID cho toàn thể người lao động.", "", False),
    ("HT", "YN01004", K.data_correction, None, date(2023, 9, 15), 25, S.proposed,
     "Rà soát số điện thoại của người lao động trên hồ sơ.", "", False),
    ("HT", "YN01005", K.training, None, date(2023, 5, 2), date(2023, 6, 15), S.done,
     "Tập huấn cài đặt VssID tại phân xưởng.", "Đã tập huấn cho 40 người lao động; 32 người đã cài đặt.", False),
    ("HT", "YN01006", K.revisit, None, date(2023, 5, 3), date(2023, 6, 1), S.rejected,
     "Quay lại đơn vị để đăng ký.", "Đơn vị đang tạm ngừng hoạt động; để sau.", False),
    ("HT", "YN01007", K.data_correction, None, date(2023, 6, 5), date(2023, 7, 10), S.cancelled,
     "Điều chỉnh mã số BHXH bị trùng.", "Cơ quan BHXH tỉnh đã xử lý tập trung.", False),
    ("HT", "YN01008", K.revisit, None, date(2023, 9, 13), 4, S.in_progress,
     "Đăng ký cho người lao động vừa ký hợp đồng.", "", False),
    ("HT", "YN01009", K.training, None, date(2023, 8, 1), date(2023, 9, 30), S.in_progress,
     "Tập huấn cho tổ công đoàn.", "", False),
    ("HT", "YN01010", K.training, None, -3, 12, S.rejected,
     "Tập huấn cho người lao động mới.", "Ghép vào buổi tập huấn chung của thành phố.", False),
]

# Proposed at 09:00 local (02:00 UTC), decided the next morning, started two days
# later, done or cancelled a week after that.
PROPOSED = timedelta(hours=2)
DECIDED = timedelta(days=1)
STARTED = timedelta(days=3)
CLOSED = timedelta(days=10)


def _source(employer, origin, day):
    """The visit (and obstacle) a follow-up comes from: the employer's latest visit
    on or before `day`."""
    if origin is None:
        return None, None
    visit = db.session.scalars(
        sa.select(Visit).where(Visit.employer_id == employer.id, Visit.visit_date <= day)
        .order_by(Visit.visit_date.desc(), Visit.id.desc())
    ).first()
    if origin == "visit" or visit is None:
        return visit, None
    return visit, next(o for o in visit.obstacles if o.category == origin)


def load_demo_followups() -> None:
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    employers = {e.unit_code: e for e in db.session.scalars(sa.select(Employer))}
    today = local_today()
    for province, code, kind, origin, day, due, state, note, closing, link_visit in FOLLOWUPS:
        officer, supervisor = (users[name] for name in TEAMS[province])
        employer = employers[code]
        day = day if isinstance(day, date) else today + timedelta(days=day)
        visit, obstacle = _source(employer, origin, day)
        proposed = datetime.combine(day, datetime.min.time()) + PROPOSED
        due_date = due if isinstance(due, date) else today + timedelta(days=due)
        followup = ops.propose_followup(officer, kind=kind, employer=employer, assignee=officer, due_date=due_date,
                                        note=note, visit=visit, obstacle=obstacle, now=proposed, today=day)
        if state == S.proposed:
            continue
        if state == S.rejected:
            ops.reject_followup(supervisor, followup, closing, now=proposed + DECIDED)
            continue
        ops.approve_followup(supervisor, followup, now=proposed + DECIDED)
        if state in (S.in_progress, S.done):
            ops.start_followup(officer, followup, now=proposed + STARTED)
        if state == S.done:
            done_visit = db.session.scalars(
                sa.select(Visit).where(Visit.employer_id == employer.id, Visit.visit_date > day)
                .order_by(Visit.visit_date, Visit.id)
            ).first() if link_visit else None
            ops.complete_followup(officer, followup, closing, done_visit, now=proposed + CLOSED)
        elif state == S.cancelled:
            ops.cancel_followup(supervisor, followup, closing, now=proposed + CLOSED)
    # What happened in 2023 has been read; the notices of the last days of the demo stay new.
    db.session.execute(
        sa.update(FollowUpNotice).where(FollowUpNotice.created_at < datetime(2023, 7, 1))
        .values(seen_at=datetime(2023, 7, 1))
    )
    db.session.flush()
