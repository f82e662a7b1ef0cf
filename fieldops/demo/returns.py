"""Deterministic demo group returns: every district, every group, every month of
2023, filed by the district's officer on the 3rd of the next month and locked by
its supervisor on the 5th; December's is still waiting to be locked, but HT-KA
has not filed December (the campaign's last month: the missing returns page
shows it), and one return of each province was corrected after locking. Through the real operations, so the audit log and the corrections
exist as they would. The units with employer targets also get targets for the
two figures the returns add: people registered in all groups (the employer
target plus about three quarters of the year-end participants outside
employers) and the new voluntary participants' registration rate (80%).
The returns of January to March do not say how many use the app (filed before
it was asked): the figures show them as unknown."""
from datetime import date, datetime

import sqlalchemy as sa

from fieldops.auth.models import User
from fieldops.demo.progress import SUPERVISORS
from fieldops.definitions import Comparison
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import within
from fieldops.returns import operations as ops
from fieldops.progress.models import Metric, Target
from fieldops.progress.operations import create_target
from fieldops.returns.models import RETURN_GROUPS

FILERS = {"HN-BD": "officer.hn", "HN-CG": "officer.cg", "HT-TP": "officer.ht", "HT-KA": "officer.ka"}
# Participants at the start of 2023 per group, before the district's own scale.
BASE = {"voluntary": 900, "household": 6000, "students": 4000, "other": 1500}
SCALE = {"HN-BD": 1.4, "HN-CG": 1.2, "HT-TP": 0.8, "HT-KA": 0.5}
# The last month whose returns were filed before "how many use the app" was asked.
BEFORE_USING = 3
# The district that has not filed for the campaign's last month.
LATE = ("HT-KA", 12)
CORRECTIONS = [
    ("HN-BD", "voluntary", 6, 12, "Bổ sung 12 người tham gia đăng ký muộn tại phường Kim Mã."),
    ("HT-KA", "household", 4, -30, "Trừ 30 người trùng mã số BHXH giữa hai xã."),
]


def _figures(district, group, month):
    participants = int(BASE[group] * SCALE[district]) + 35 * month
    # The registered share climbs through the year: from about a third to about nine in ten.
    registered = participants * (30 + 5 * month + len(group)) // 100
    new = 35 + (month * 7 + len(district)) % 20
    new_registered = new * (60 + 3 * month) // 100
    registered = min(registered, participants)
    # Of the registered, those using the app: from about half to about four in five.
    using = None if month <= BEFORE_USING else registered * (40 + 4 * month - len(group)) // 100
    return ops.Figures(participants, registered, new, min(new_registered, registered), using)


def _at(month, day):
    return datetime(2023 + month // 12, month % 12 + 1, day, 2, 0)  # 09:00 in Hà Nội, the next month


def load_demo_returns() -> None:
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    districts = {u.code: u for u in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code.in_(FILERS)))}
    today = date(2024, 1, 31)
    for code, filer in FILERS.items():
        for month in range(1, 13):
            if (code, month) == LATE:
                continue
            for group in RETURN_GROUPS:
                made = ops.file_return(users[filer], districts[code], group, date(2023, month, 1),
                                       _figures(code, group, month), now=_at(month, 3), today=today)
                if month < 12:
                    ops.lock_return(users[SUPERVISORS[code]], made, made.version, now=_at(month, 5))
    for code, group, month, extra, reason in CORRECTIONS:
        made = ops.find_return(districts[code].id, group, date(2023, month, 1))
        before = made.figures
        corrected = ops.Figures(**before | {"participants": before["participants"] + extra})
        ops.correct_return(users[SUPERVISORS[code]], made, corrected, reason, made.version, now=_at(month, 20))
    _targets(districts)


def _targets(districts):
    """Targets for "people registered, all groups" and the new voluntary rate, for
    every unit that has an employer-channel target (the districts and above)."""
    outside = {code: sum(_figures(code, str(group), 12).participants for group in RETURN_GROUPS)
               for code in districts}
    for target in db.session.scalars(sa.select(Target).where(Target.metric == Metric.registered_employer)).all():
        unit = target.org_unit
        reached = sum(outside[code] for code, district in districts.items() if within(district, unit))
        registered_all = target.value + reached * 3 // 4
        create_target(None, target.campaign, unit, Metric.registered_all, registered_all)
        # The headline, as the seed words it: "over" so many people using the app, all groups.
        create_target(None, target.campaign, unit, Metric.active_all, registered_all * 3 // 4, Comparison.more_than)
        create_target(None, target.campaign, unit, Metric.new_voluntary_pct, 80)
