"""Deterministic demo outreach: for each demo district, two activities a month
through 2023, every kind and every group in turn, some at one of its employers;
most recorded once held and verified by the district's supervisor, some still waiting,
a few planned and never recorded as held, a few cancelled; and a plan for each
quarter. Through the real operations, so the audit log exists as it would."""
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from fieldops.auth.models import User
from fieldops.demo.progress import SUPERVISORS
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.outreach import operations as ops
from fieldops.outreach.models import OUTREACH_GROUPS, OutreachKind, PlanPeriod
from fieldops.campaigns.models import ParticipantGroup

RECORDERS = {"HN-BD": "officer.hn", "HN-CG": "officer.cg", "HT-TP": "officer.ht", "HT-KA": "officer.ka"}
KINDS = list(OutreachKind)
PLACES = {
    OutreachKind.conference: "Hội trường UBND {area}",
    OutreachKind.training: "Phòng họp Công đoàn {area}",
    OutreachKind.registration_drive: "Nhà văn hóa tổ dân phố số 3, {area}",
    OutreachKind.school_session: "Trường THPT {area}",
    OutreachKind.commune_meeting: "Hội trường UBND phường, {area}",
    OutreachKind.radio: "Đài truyền thanh {area}",
    OutreachKind.tv: "Đài Phát thanh - Truyền hình tỉnh",
    OutreachKind.press: "Báo địa phương, chuyên mục An sinh xã hội",
    OutreachKind.social_media: "Trang Facebook của BHXH {area}",
    OutreachKind.printed_material: "Các điểm thu BHXH, BHYT tại {area}",
    OutreachKind.other: "Điểm bưu điện văn hóa xã, {area}",
}
PARTNERS = ["Đoàn Thanh niên", "Hội Liên hiệp Phụ nữ", "Công đoàn", "UBND phường", "Bưu điện", ""]
AREA = {"HN-BD": "quận Ba Đình", "HN-CG": "quận Cầu Giấy", "HT-TP": "thành phố Hà Tĩnh", "HT-KA": "huyện Kỳ Anh"}
# People an activity of each kind reaches, before the district's scale: media reach many, sessions few.
REACH = {OutreachKind.conference: 150, OutreachKind.training: 60, OutreachKind.registration_drive: 220,
         OutreachKind.school_session: 300, OutreachKind.commune_meeting: 120, OutreachKind.radio: 4000,
         OutreachKind.tv: 9000, OutreachKind.press: 2500, OutreachKind.social_media: 6000,
         OutreachKind.printed_material: 1500, OutreachKind.other: 80}
# Registrations on the spot per 1000 reached: highest where people can register there and then.
YIELD = {OutreachKind.registration_drive: 450, OutreachKind.school_session: 180, OutreachKind.training: 250,
         OutreachKind.commune_meeting: 160, OutreachKind.conference: 120}
TODAY = date(2024, 1, 31)


def _at(day: date, hours=3):
    return datetime(day.year, day.month, day.day) + timedelta(hours=hours)  # 3: 10:00 in Hà Nội


def _groups(kind, n):
    if kind in (OutreachKind.school_session,):
        return (ParticipantGroup.students,)
    if kind in (OutreachKind.training, OutreachKind.conference) and n % 2 == 0:
        return (ParticipantGroup.compulsory,)
    first = OUTREACH_GROUPS[n % len(OUTREACH_GROUPS)]
    second = OUTREACH_GROUPS[(n + 2) % len(OUTREACH_GROUPS)]
    return tuple(sorted({first, second})) if n % 3 == 0 else (first,)


def load_demo_outreach() -> None:
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    districts = {u.code: u for u in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code.in_(RECORDERS)))}
    for position, (code, username) in enumerate(RECORDERS.items()):
        district, officer, supervisor = districts[code], users[username], users[SUPERVISORS[code]]
        employers = db.session.scalars(sa.select(Employer).where(Employer.district_id == district.id)
                                       .order_by(Employer.unit_code).limit(6)).all()
        scale = (4 - position) / 4 + 0.5
        planned = {}
        for n in range(24):
            month, day = n // 2 + 1, 6 + (n % 2) * 12 + position
            kind = KINDS[(n + position * 3) % len(KINDS)]
            groups = _groups(kind, n + position)
            starts = date(2023, month, day)
            quarter = ops.quarter_of(starts)
            for group in groups:
                planned[(quarter, kind, group)] = planned.get((quarter, kind, group), 0) + 1
            at_employer = kind in (OutreachKind.training, OutreachKind.registration_drive) and employers
            data = ops.ActivityInput(
                district=district, kind=kind, groups=groups, starts_on=starts,
                ends_on=starts if kind != OutreachKind.printed_material else date(2023, month, day + 5),
                place=PLACES[kind].format(area=AREA[code]),
                employer=employers[n % len(employers)] if at_employer else None,
                partners=PARTNERS[(n + position) % len(PARTNERS)],
                note="Phát tờ rơi hướng dẫn cài đặt VssID." if n % 4 == 0 else "")
            fate = (n * 7 + position) % 12
            if fate in (0, 1):  # cancelled; planned and never recorded as held
                made = ops.create_activity(officer, data, now=_at(date(2023, month, 1)), today=TODAY)
                if fate == 0:
                    ops.cancel_activity(officer, made, "Trùng lịch họp của UBND, chuyển sang tháng sau.",
                                        made.version, now=_at(starts, 1))
                continue
            # Recorded once held, with its figures (one operation: keeps the demo's load fast).
            reached = int(REACH[kind] * scale) + 7 * n
            made = ops.create_activity(officer, data, ops.Figures(reached, reached * YIELD.get(kind, 25) // 1000),
                                       now=_at(data.ends_on, 10), today=TODAY)
            if fate != 2 and month < 12:
                ops.verify_activity(supervisor, made, made.version, now=_at(data.ends_on, 30))
        for q in (1, 4, 7, 10):
            start = date(2023, q, 1)
            counts = {(kind, group): count + (1 if (q + len(kind)) % 3 == 0 else 0)
                      for (quarter, kind, group), count in planned.items() if quarter == start}
            ops.set_plan(supervisor, ops.PlanInput(district, PlanPeriod.quarter, start, counts), now=_at(start))
