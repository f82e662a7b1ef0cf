"""Deterministic demo data: two provinces, four districts, the 2023 campaign."""
from datetime import date

import sqlalchemy as sa

from fieldops.auth.operations import create_user
from fieldops.campaigns.models import Campaign
from fieldops.demo.accounts import DEMO_PASSWORD, demo_password_hash
from fieldops.demo.visits import load_demo_visits
from fieldops.demo.followups import load_demo_followups
from fieldops.demo.progress import load_demo_progress
from fieldops.demo.reviews import load_demo_reviews
from fieldops.demo.returns import load_demo_returns
from fieldops.demo.outreach import load_demo_outreach
from fieldops.demo.campaigns import load_demo_campaigns
from fieldops.employers.operations import create_employer
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel
from fieldops.org.operations import create_org_unit


UNITS = [
    # code, name, parent code
    ("HN", "Bảo hiểm xã hội thành phố Hà Nội", "VN"),
    ("HN-BD", "Bảo hiểm xã hội quận Ba Đình", "HN"),
    ("HN-CG", "Bảo hiểm xã hội quận Cầu Giấy", "HN"),
    ("HT", "Bảo hiểm xã hội tỉnh Hà Tĩnh", "VN"),
    ("HT-TP", "Bảo hiểm xã hội thành phố Hà Tĩnh", "HT"),
    ("HT-KA", "Bảo hiểm xã hội thị xã Kỳ Anh", "HT"),
]
TEAMS = [
    ("HN-BD-T1", "Tổ thu – phát triển đối tượng Ba Đình", "HN-BD"),
    ("HN-CG-T1", "Tổ thu – phát triển đối tượng Cầu Giấy", "HN-CG"),
    ("HT-TP-T1", "Tổ thu – phát triển đối tượng TP Hà Tĩnh", "HT-TP"),
    ("HT-KA-T1", "Tổ thu – phát triển đối tượng Kỳ Anh", "HT-KA"),
]
ACCOUNTS = [
    # username, full name, role, unit code
    ("admin", "Nguyễn Quản Trị", "admin", "VN"),
    ("hr", "Trần Thị Thi Đua", "hr", "VN"),
    ("viewer", "Lê Văn Lãnh Đạo", "viewer", "VN"),
    ("care", "Vũ Thị Tổng Đài", "care", "VN"),
    ("supervisor.hn", "Phạm Minh Tuấn", "supervisor", "HN-BD"),
    ("officer.hn", "Đỗ Thu Hương", "officer", "HN-BD"),
    ("supervisor.ht", "Hoàng Văn Đức", "supervisor", "HT-TP"),
    ("officer.ht", "Nguyễn Thị Ngọc Ánh", "officer", "HT-TP"),
]

CONTACTS = ["Chị Nguyễn Thu Hà", "Anh Trần Văn Minh", "Chị Lê Thị Mai", "Anh Phạm Quốc Huy", "Chị Hoàng Thị Lan",
            "Anh Vũ Đức Thắng", "Chị Đặng Thị Hồng", "Anh Bùi Văn Nam", "Chị Đỗ Thị Thanh", "Anh Ngô Minh Khoa"]

DISTRICT_STREETS = {
    "HN-BD": ["Đội Cấn", "Kim Mã", "Liễu Giai", "Nguyễn Thái Học", "Quán Thánh", "Giảng Võ", "Hoàng Hoa Thám", "Phan Đình Phùng", "Ngọc Hà", "Văn Cao"],
    "HN-CG": ["Trần Duy Hưng", "Cầu Giấy", "Xuân Thủy", "Duy Tân", "Trung Kính", "Nguyễn Phong Sắc", "Hoàng Quốc Việt", "Trần Thái Tông", "Dịch Vọng Hậu", "Phạm Hùng"],
    "HT-TP": ["Trần Phú", "Hà Huy Tập", "Nguyễn Du", "Phan Đình Phùng", "Xô Viết Nghệ Tĩnh", "Hàm Nghi", "Lê Duẩn", "Nguyễn Công Trứ", "Vũ Quang", "Hải Thượng Lãn Ông"],
    "HT-KA": ["Quốc lộ 1A, phường Sông Trí", "phường Hưng Trí", "phường Kỳ Long", "phường Kỳ Thịnh", "Khu kinh tế Vũng Áng", "phường Kỳ Trinh", "xã Kỳ Hoa", "phường Kỳ Phương", "xã Kỳ Lợi", "phường Kỳ Liên"],
}
DISTRICT_CITY = {"HN-BD": "quận Ba Đình, Hà Nội", "HN-CG": "quận Cầu Giấy, Hà Nội",
                 "HT-TP": "thành phố Hà Tĩnh, Hà Tĩnh", "HT-KA": "thị xã Kỳ Anh, Hà Tĩnh"}

EMPLOYER_NAMES = {
    "HN-BD": ["Công ty TNHH Thương mại Nguyễn Gia", "Công ty Cổ phần Xây dựng Ba Đình", "Công ty TNHH May mặc Hồng Hà",
              "Công ty Cổ phần Dược phẩm Thăng Long", "Công ty TNHH Dịch vụ Ăn uống Phố Cổ", "Trường Mầm non Tư thục Hoa Sen",
              "Công ty Cổ phần In và Bao bì Kim Mã", "Công ty TNHH Công nghệ Việt Tiến", "Công ty Cổ phần Du lịch Hồ Tây",
              "Công ty TNHH Kiến trúc Đông Dương"],
    "HN-CG": ["Công ty Cổ phần Phần mềm Cầu Giấy", "Công ty TNHH Điện tử Ánh Dương", "Công ty Cổ phần Bất động sản Dịch Vọng",
              "Công ty TNHH Thực phẩm Sạch Nguyễn Phong", "Công ty Cổ phần Truyền thông Việt Nhật", "Bệnh viện Đa khoa Tư nhân An Việt",
              "Công ty TNHH Logistics Trần Duy Hưng", "Công ty Cổ phần Giáo dục Tri Thức", "Công ty TNHH Nội thất Xuân Thủy",
              "Công ty Cổ phần Tư vấn Thiết kế Mai Dịch"],
    "HT-TP": ["Công ty Cổ phần Môi trường Đô thị Hà Tĩnh", "Công ty TNHH Thương mại Trần Phú", "Công ty Cổ phần Cấp nước Hà Tĩnh",
              "Công ty TNHH May xuất khẩu Hồng Lĩnh", "Công ty Cổ phần Sách và Thiết bị Trường học Hà Tĩnh",
              "Công ty TNHH Xây dựng Nguyễn Du", "Công ty Cổ phần Vận tải Hà Tĩnh", "Công ty TNHH Dịch vụ Khách sạn Sông La",
              "Công ty Cổ phần Dược Hà Tĩnh", "Hợp tác xã Nông nghiệp Thạch Trung"],
    "HT-KA": ["Công ty TNHH Gang thép Hưng Nghiệp Formosa Hà Tĩnh", "Công ty Cổ phần Cảng Vũng Áng", "Công ty TNHH Xây lắp Kỳ Anh",
              "Công ty Cổ phần Nhiệt điện Vũng Áng", "Công ty TNHH Thương mại Kỳ Long", "Công ty Cổ phần Vật liệu Xây dựng Hoành Sơn",
              "Công ty TNHH Chế biến Hải sản Kỳ Ninh", "Công ty Cổ phần Dịch vụ Cảng biển Sơn Dương",
              "Công ty TNHH Cơ khí Kỳ Trinh", "Công ty Cổ phần Logistics Vũng Áng"],
}
DEPARTMENT_SETS = [
    ["Toàn đơn vị"],
    ["Văn phòng", "Phân xưởng sản xuất"],
    ["Khối văn phòng", "Phân xưởng 1", "Phân xưởng 2"],
    ["Phòng Hành chính – Nhân sự", "Phòng Kinh doanh", "Kho vận", "Phân xưởng lắp ráp"],
    ["Ban Giám đốc và văn phòng", "Chi nhánh Bắc", "Chi nhánh Nam", "Phân xưởng cơ khí", "Đội bảo vệ"],
]
SECTORS = ["Thương mại", "Xây dựng", "Dệt may", "Y tế – dược", "Dịch vụ", "Giáo dục", "Công nghiệp chế biến", "Công nghệ thông tin", "Vận tải – kho bãi", "Nông nghiệp"]
DISTRICT_PREFIX = {"HN-BD": "TA01", "HN-CG": "TA02", "HT-TP": "YN01", "HT-KA": "YN02"}
DISTRICT_TAX = {"HN-BD": "0101", "HN-CG": "0102", "HT-TP": "3001", "HT-KA": "3002"}


def is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count(OrgUnit.id))) == 0


def load_demo_data() -> None:
    units = {"VN": create_org_unit(None, code="VN", name="Bảo hiểm xã hội Việt Nam", parent=None,
                                   level=UnitLevel.national)}
    for code, name, parent in UNITS + TEAMS:
        units[code] = create_org_unit(None, code=code, name=name, parent=units[parent])

    for username, full_name, role, unit in ACCOUNTS:
        create_user(None, username=username, full_name=full_name, role=role, org_unit=units[unit],
                    password_hash=demo_password_hash())

    for district, names in EMPLOYER_NAMES.items():
        streets = DISTRICT_STREETS[district]
        for i, name in enumerate(names):
            number = 3 + (i * 17) % 180
            create_employer(
                None,
                unit_code=f"{DISTRICT_PREFIX[district]}{i + 1:03d}",
                tax_code=f"{DISTRICT_TAX[district]}{(i + 1) * 7919 % 1000000:06d}",
                name=name,
                address=f"Số {number}, {streets[i]}, {DISTRICT_CITY[district]}",
                sector=SECTORS[i % len(SECTORS)],
                district_id=units[district].id,
                # Whom the Customer Care Center calls about an escalation.
                contact_name=f"{CONTACTS[(i + len(district)) % len(CONTACTS)]} (phòng nhân sự)",
                contact_phone=f"09{(i * 7 + len(district)) % 10}{(i + 1) * 1237 % 10_000_000:07d}",
                departments=[
                    (dept, 8 + (i * 37 + j * 53 + len(district) * 11) % 140)
                    for j, dept in enumerate(DEPARTMENT_SETS[(i * 3 + len(district)) % len(DEPARTMENT_SETS)])
                ],
            )

    db.session.add(Campaign(
        name="Phong trào thi đua cài đặt và sử dụng ứng dụng VssID năm 2023",
        code="2023",
        decision_number="336/QĐ-BHXH",
        decision_date=date(2023, 3, 13),
        starts_on=date(2023, 5, 5),
        ends_on=date(2023, 12, 31),
        counts_from=date(2023, 1, 1),
    ))
    db.session.flush()
    load_demo_visits()
    load_demo_followups()  # after the visits: follow-ups come from them
    load_demo_progress()  # progress monitoring: more visits over 2023, targets (after the two above)
    load_demo_returns()  # the districts' monthly group returns of 2023 (after the accounts of progress)
    load_demo_outreach()  # the districts' outreach activities and plans of 2023 (before the reviews freeze figures)
    load_demo_reviews()  # reviews: the closed interim review with nominations, the open final one (after all above)
    load_demo_campaigns()  # the 2024 campaign in draft, its targets copied from 2023 and allocated (last)
