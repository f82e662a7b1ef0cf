"""Factories for domain objects; they flush, the caller commits."""
import itertools

from fieldops.auth.models import Role, User
from fieldops.auth.passwords import hash_password
from fieldops.employers.models import Employer
from fieldops.employers.operations import create_employer
from fieldops.extensions import db
from fieldops.org.models import UnitLevel
from fieldops.org.operations import create_org_unit

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def org_tree():
    vn = create_org_unit(None, code="VN", name="Bảo hiểm xã hội Việt Nam", parent=None, level=UnitLevel.national)
    hn = create_org_unit(None, code="HN", name="BHXH Hà Nội", parent=vn)
    hn_bd = create_org_unit(None, code="HN-BD", name="BHXH quận Ba Đình", parent=hn)
    hn_cg = create_org_unit(None, code="HN-CG", name="BHXH quận Cầu Giấy", parent=hn)
    hn_bd_t1 = create_org_unit(None, code="HN-BD-T1", name="Tổ Ba Đình 1", parent=hn_bd)
    ht = create_org_unit(None, code="HT", name="BHXH Hà Tĩnh", parent=vn)
    ht_tp = create_org_unit(None, code="HT-TP", name="BHXH thành phố Hà Tĩnh", parent=ht)
    ht_tp_t1 = create_org_unit(None, code="HT-TP-T1", name="Tổ TP Hà Tĩnh 1", parent=ht_tp)
    return {u.code: u for u in (vn, hn, hn_bd, hn_cg, hn_bd_t1, ht, ht_tp, ht_tp_t1)}


def user(unit, role=Role.officer, username=None, password=PASSWORD, active=True, full_name=None):
    username = username or f"{role}.{next(_seq)}"
    made = User(
        username=username,
        full_name=full_name or f"Nguyễn Văn {username}",
        role=role,
        org_unit=unit,
        password_hash=hash_password(password),
        active=active,
    )
    db.session.add(made)
    db.session.flush()
    return made




def users_per_role(org):
    made = {}
    for province, district in (("HN", "HN-BD"), ("HT", "HT-TP")):
        made[province] = {}
        for role in Role:
            unit = org[district] if role in (Role.officer, Role.supervisor) else org[province]
            made[province][str(role)] = user(unit, role, username=f"{role}.{province.lower()}")
    return made


def employer(district, name=None, departments=("Toàn đơn vị",), **fields):
    n = next(_seq)
    return create_employer(
        None,
        unit_code=fields.pop("unit_code", f"TA{n:05d}"),
        tax_code=fields.pop("tax_code", f"0101{n:06d}"),
        name=name or f"Công ty TNHH Số {n}",
        address=fields.pop("address", "Số 1, Kim Mã, Ba Đình, Hà Nội"),
        sector=fields.pop("sector", "Thương mại"),
        district_id=district.id,
        departments=list(departments),
        **fields,
    )


def get_employer(unit_code) -> Employer:
    return db.session.query(Employer).filter_by(unit_code=unit_code).one()
