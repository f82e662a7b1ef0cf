"""Deterministic demo data for reviews: the national 2023 interim review (cut-off
30/06/2023), closed on 10/07/2023 with its criteria, and nominations for Hà Nội
and Hà Tĩnh taken through endorsement and the council's vote; and the open
final review (cut-off 31/12/2023) with its criteria.

Everything goes through the real operations (closing freezes the figures as
the review page reads them); times are fixed, so two loads give the same data.
Loaded after the visits, follow-ups and progress demo data, whose records it
only reads. No dossier is generated here (rendering PDFs would slow the load):
the print queue starts empty.
"""
from datetime import date, datetime

import sqlalchemy as sa

from fieldops.auth.models import User
from fieldops.campaigns.models import Campaign
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.reviews import nomination_operations as nominations
from fieldops.reviews import operations as ops
from fieldops.reviews.award_operations import record_council
from fieldops.reviews.models import AwardTitle, Rule
from fieldops.reviews.paper import set_signer
from fieldops.reviews.titles import seed_award_titles

INTERIM_CUT_OFF = date(2023, 6, 30)
FINAL_CUT_OFF = date(2023, 12, 31)
CLOSED_ON = date(2023, 7, 10)
CLOSED_AT = datetime(2023, 7, 10, 3, 0)  # 10:00 in Hà Nội

INTERIM_CRITERIA = [
    # rule, applies to, threshold
    (Rule.registrations_assisted_at_least, "individual", 30),
    (Rule.followups_on_time_at_least, "both", 80),
    (Rule.no_returned_visit_uncorrected, "both", None),
    (Rule.coverage_at_least, "collective", 40),
]
FINAL_CRITERIA = [
    (Rule.registrations_assisted_at_least, "individual", 80),
    (Rule.coverage_at_least, "both", 80),
    (Rule.followups_on_time_at_least, "both", 90),
    (Rule.no_returned_visit_uncorrected, "both", None),
    (Rule.all_targets_met, "collective", None),
]

NOMINATIONS = [
    # officer username or unit code, title, report, endorser, (for, against, abstain) or None, note
    ("officer.hn", "Lao động tiên tiến",
     "Đồng chí Đỗ Thu Hương đã trực tiếp làm việc với các đơn vị sử dụng lao động trên địa bàn quận Ba Đình, "
     "hướng dẫn người lao động cài đặt và đăng ký tài khoản VssID.\n\n"
     "Đồng chí chủ động phối hợp với Trung tâm Chăm sóc khách hàng để tháo gỡ vướng mắc về mã OTP.",
     "Phạm Minh Tuấn – Trưởng phòng Khai thác và thu", (7, 0, 0), ""),
    ("officer.hn2", "Chiến sĩ thi đua cơ sở",
     "Đồng chí Vũ Minh Châu đã tổ chức nhiều buổi ra quân đăng ký VssID tại doanh nghiệp, "
     "đưa nhiều đơn vị lên tỷ lệ 100% người lao động có tài khoản.",
     "Phạm Minh Tuấn – Trưởng phòng Khai thác và thu", (6, 1, 0), ""),
    ("HN-BD", "Tập thể lao động xuất sắc",
     "Bảo hiểm xã hội quận Ba Đình đã triển khai đồng bộ phong trào, phân công cán bộ phụ trách từng "
     "đơn vị sử dụng lao động và theo dõi tiến độ hằng tháng.",
     "Nguyễn Văn Hải – Giám đốc Bảo hiểm xã hội quận Ba Đình", (7, 0, 0), ""),
    ("officer.ht", "Chiến sĩ thi đua cơ sở",
     "Đồng chí Nguyễn Thị Ngọc Ánh đã hướng dẫn người lao động tại các doanh nghiệp trên địa bàn thành phố "
     "Hà Tĩnh đăng ký và sử dụng ứng dụng VssID; kịp thời báo cáo vướng mắc về số điện thoại dùng chung.",
     "Hoàng Văn Đức – Trưởng phòng Quản lý thu", (5, 2, 0), ""),
    ("HT-TP", "Giấy khen",
     "Bảo hiểm xã hội thành phố Hà Tĩnh đã phối hợp với các doanh nghiệp tổ chức các buổi tuyên truyền, "
     "hỗ trợ người lao động đăng ký VssID ngay tại nơi làm việc.",
     "Trần Quốc Việt – Giám đốc Bảo hiểm xã hội thành phố Hà Tĩnh", (3, 4, 0),
     "Hội đồng đề nghị tiếp tục theo dõi đến kỳ tổng kết."),
]


DEMO_JUSTIFICATION = ("Đơn vị đề nghị xem xét vì đồng chí đã hoàn thành nhiệm vụ được giao trên địa bàn khó khăn; "
                      "tiêu chí chưa đạt do số liệu tháng cuối kỳ chưa được xác minh kịp.")


def _at(day, hour):
    return datetime(day.year, day.month, day.day, hour)


def load_demo_reviews() -> None:
    seed_award_titles()
    campaign = db.session.scalars(sa.select(Campaign).order_by(Campaign.counts_from.desc())).first()
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    units = {u.code: u for u in db.session.scalars(sa.select(OrgUnit))}
    titles = {t.name: t for t in db.session.scalars(sa.select(AwardTitle).where(AwardTitle.org_unit_id.is_(None)))}
    hr = users["hr"]

    interim = ops.create_period(hr, campaign, units["VN"], "interim", INTERIM_CUT_OFF, now=datetime(2023, 6, 1, 2))
    for rule, applies_to, threshold in INTERIM_CRITERIA:
        ops.add_criterion(hr, interim, rule, applies_to, threshold)
    ops.close_period(hr, interim, now=CLOSED_AT, today=CLOSED_ON)
    set_signer(users.get("admin", hr), units["VN"], "Tổng Giám đốc", "Nguyễn Thế Mạnh", "")
    record_council(hr, interim, _at(date(2023, 7, 20), 1), "Trụ sở Bảo hiểm xã hội Việt Nam, Hà Nội",
                   "Nguyễn Thế Mạnh", "Lê Thị Thu Hằng",
                   "Nguyễn Thế Mạnh – Chủ tịch Hội đồng\nLê Thị Thu Hằng – Thư ký\nTrần Đình Liệu – Ủy viên")
    for n, (who, title, report, endorser, votes, note) in enumerate(NOMINATIONS):
        if who in users:
            kind, subject = "individual", users[who]
        else:
            kind, subject = "collective", units[who]
        made = nominations.nominate(hr, interim, kind, subject, titles[title], report,
                                    now=_at(date(2023, 7, 12), 2 + n))
        # Used only for a nominee who fails a criterion.
        nominations.endorse(hr, made, endorser, "", now=_at(date(2023, 7, 14), 2 + n), justification=DEMO_JUSTIFICATION)
        if votes is not None:
            nominations.decide(hr, made, votes[0] > votes[1], *votes, note, now=_at(date(2023, 7, 20), 2 + n))

    final = ops.create_period(hr, campaign, units["VN"], "final", FINAL_CUT_OFF, now=datetime(2023, 11, 15, 2))
    for rule, applies_to, threshold in FINAL_CRITERIA:
        ops.add_criterion(hr, final, rule, applies_to, threshold)
    db.session.flush()
