import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import User
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from tests import factories
from tests.visit_helpers import in_english


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _new_user(org, **overrides):
    data = {
        "username": "can.bo.moi",
        "full_name": "Trần Văn Mới",
        "role": "officer",
        "org_unit_id": org["HN-BD"].id,
        "preferred_language": "vi",
        "password": "mật-khẩu-đủ-dài",
        "confirm": "mật-khẩu-đủ-dài",
    }
    return data | overrides


# --- users ---------------------------------------------------------------


def test_admin_creates_a_user_who_can_sign_in(app, org, users, client_as):
    response = client_as("admin").post("/admin/users/new", data=_new_user(org))
    assert response.status_code == 302
    created = db.session.scalars(sa.select(User).where(User.username == "can.bo.moi")).one()
    assert created.org_unit.code == "HN-BD" and created.password_hash.startswith("$argon2id$")
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.create")).one()
    login = app.test_client().post("/login", data={"username": "can.bo.moi", "password": "mật-khẩu-đủ-dài"})
    assert login.status_code == 302


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"password": "short-pw", "confirm": "short-pw"}, "Mật khẩu phải có ít nhất 12 ký tự."),
        ({"confirm": "something-else-entirely"}, "Hai mật khẩu không khớp nhau."),
        ({"username": "officer.hn"}, "Tên đăng nhập này đã có người dùng."),
        ({"username": "<script>alert(1)</script>"}, "Chỉ dùng chữ cái không dấu"),
        ({"username": "x" * 61}, "Độ dài phải từ 3 đến 60 ký tự."),
        ({"full_name": ""}, "Trường này là bắt buộc."),
        ({"full_name": "A" * 121}, "Không được dài quá 120 ký tự."),
        ({"role": "superuser"}, "Lựa chọn không hợp lệ."),
        ({"org_unit_id": "abc"}, "Lựa chọn không hợp lệ."),
        ({"preferred_language": "fr"}, "Lựa chọn không hợp lệ."),
    ],
)
def test_bad_user_input_is_refused_and_nothing_saved(org, users, client_as, overrides, message):
    before = _count(User)
    response = client_as("admin").post("/admin/users/new", data=_new_user(org, **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(User) == before


def test_admin_cannot_place_a_user_outside_their_subtree(org, users, client_as):
    response = client_as("admin").post("/admin/users/new", data=_new_user(org, org_unit_id=org["HT-TP"].id))
    assert response.status_code == 422
    assert "Lựa chọn không hợp lệ." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.id).where(User.username == "can.bo.moi")) is None


def test_admin_lists_only_their_subtree(users, client_as):
    page = client_as("admin").get("/admin/users").get_data(as_text=True)
    assert "officer.hn" in page and "officer.ht" not in page


def test_user_search(users, client_as):
    page = client_as("admin").get("/admin/users?q=supervisor").get_data(as_text=True)
    assert "supervisor.hn" in page and "officer.hn" not in page


def test_admin_edits_role_and_unit(org, users, client_as):
    target = users["HN"]["officer"]
    response = client_as("admin").post(f"/admin/users/{target.id}", data={
        "full_name": "Đỗ Thu Hương", "role": "supervisor", "org_unit_id": org["HN-CG"].id, "preferred_language": "en"})
    assert response.status_code == 302
    db.session.expire_all()
    target = db.session.get(User, target.id)
    assert (target.role, target.org_unit.code, target.preferred_language) == ("supervisor", "HN-CG", "en")
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.edit")).one()
    assert event.before["role"] == "officer" and event.after["role"] == "supervisor"


def test_admin_cannot_demote_or_deactivate_themself(users, client_as):
    admin = users["HN"]["admin"]
    client = client_as("admin")
    client.post(f"/admin/users/{admin.id}", data={
        "full_name": "x", "role": "officer", "org_unit_id": admin.org_unit_id, "preferred_language": "vi"})
    client.post(f"/admin/users/{admin.id}/active", data={})
    db.session.expire_all()
    admin = db.session.get(User, admin.id)
    assert admin.role == "admin" and admin.active


def test_short_reset_password_is_refused(users, client_as):
    target = users["HN"]["officer"]
    old_hash = target.password_hash
    response = client_as("admin").post(f"/admin/users/{target.id}/password", data={"password": "short", "confirm": "short"})
    assert response.status_code == 422
    assert "Mật khẩu phải có ít nhất 12 ký tự." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, target.id).password_hash == old_hash


# --- org units -----------------------------------------------------------


def test_org_tree_shows_the_subtree(users, client_as):
    page = client_as("admin").get("/admin/units/").get_data(as_text=True)
    assert "HN-BD" in page and "HN-CG" in page and "HT-TP" not in page


def test_admin_adds_a_team_below_a_district(org, users, client_as):
    response = client_as("admin").post("/admin/units/new", data={
        "parent_id": org["HN-CG"].id, "code": "hn-cg-t2", "name": "Tổ Cầu Giấy 2"})
    assert response.status_code == 302
    team = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code == "HN-CG-T2")).one()
    assert team.level == "team" and team.path == f"{org['HN-CG'].path}{team.id}/"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"code": "HN-BD"}, "Mã này đã được dùng cho đơn vị khác."),
        ({"code": "HN BD!"}, "Chỉ dùng chữ cái không dấu, chữ số và gạch ngang."),
        ({"code": ""}, "Trường này là bắt buộc."),
        ({"name": "N" * 201}, "Không được dài quá 200 ký tự."),
    ],
)
def test_bad_unit_input_is_refused(org, users, client_as, data, message):
    before = _count(OrgUnit)
    form = {"parent_id": org["HN"].id, "code": "HN-NEW", "name": "Quận mới"} | data
    response = client_as("admin").post("/admin/units/new", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(OrgUnit) == before


def test_units_cannot_be_added_below_a_team_or_outside_scope(org, users, client_as):
    before = _count(OrgUnit)
    client = client_as("admin")
    for parent in (org["HN-BD-T1"], org["HT"]):
        response = client.post("/admin/units/new", data={"parent_id": parent.id, "code": "X-1", "name": "x"})
        assert response.status_code == 422
    assert _count(OrgUnit) == before


# --- employers -----------------------------------------------------------


def _employer_form(org, **overrides):
    data = {"unit_code": "TA9001", "tax_code": "0101234567", "name": "Công ty TNHH Ánh Dương",
            "address": "Số 5 Liễu Giai", "sector": "Dịch vụ", "district_id": org["HN-BD"].id,
            "departments": "Văn phòng\nPhân xưởng"}
    return data | overrides


def test_admin_creates_an_employer_with_departments(org, users, client_as):
    response = client_as("admin").post("/employers/new", data=_employer_form(org))
    assert response.status_code == 302
    employer = factories.get_employer("TA9001")
    assert [d.name for d in employer.departments] == ["Phân xưởng", "Văn phòng"]
    page = client_as("officer").get(f"/employers/{employer.id}").get_data(as_text=True)
    assert "Công ty TNHH Ánh Dương" in page and "Phân xưởng" in page


def test_employer_without_departments_gets_the_whole_unit(org, users, client_as):
    client_as("admin").post("/employers/new", data=_employer_form(org, departments=""))
    assert [d.name for d in factories.get_employer("TA9001").departments] == ["Toàn đơn vị"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"unit_code": ""}, "Trường này là bắt buộc."),
        ({"unit_code": "=cmd|' /C calc'!A0"}, "Chỉ dùng chữ cái không dấu, chữ số và gạch ngang."),
        ({"tax_code": "abc"}, "Chỉ dùng chữ số và gạch ngang."),
        ({"name": "N" * 256}, "Không được dài quá 255 ký tự."),
        ({"district_id": "999999"}, "Lựa chọn không hợp lệ."),
        ({"departments": "Kho\nKho"}, "Tên các bộ phận không được trùng nhau"),
    ],
)
def test_bad_employer_input_is_refused(org, users, client_as, overrides, message):
    response = client_as("admin").post("/employers/new", data=_employer_form(org, **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(Employer) == 0 and _count(LabourDepartment) == 0


def test_duplicate_unit_code_is_refused(org, users, client_as):
    factories.employer(org["HN-CG"], unit_code="TA9001")
    db.session.commit()
    response = client_as("admin").post("/employers/new", data=_employer_form(org))
    assert response.status_code == 422
    assert "Mã đơn vị này đã được dùng cho đơn vị khác." in response.get_data(as_text=True)
    assert _count(Employer) == 1


def test_employer_in_another_province_district_is_refused(org, users, client_as):
    response = client_as("admin").post("/employers/new", data=_employer_form(org, district_id=org["HT-TP"].id))
    assert response.status_code == 422
    assert _count(Employer) == 0


def test_admin_edits_an_employer_and_search_follows(org, users, client_as):
    employer = factories.employer(org["HN-BD"], name="Công ty Cũ")
    db.session.commit()
    client = client_as("admin")
    response = client.post(f"/employers/{employer.id}/edit", data=_employer_form(org, name="Công ty Nguyễn Hoàng"))
    assert response.status_code == 302
    assert "Công ty Nguyễn Hoàng" in client.get("/employers/?q=nguyen hoang").get_data(as_text=True)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "employer.edit")).one()
    assert event.before["name"] == "Công ty Cũ"


def test_the_employers_page_shows_its_facts_as_they_now_are_and_what_each_role_may_do(org, users, client_as):
    """The page's head, facts and totals are made once for what they show: an edit,
    a new figure or another user's role shows at once."""
    employer = factories.employer(org["HN-BD"], name="Công ty Cũ", departments=[("Văn phòng", 40)])
    db.session.commit()
    admin, officer = client_as("admin"), client_as("officer")
    before = officer.get(f"/employers/{employer.id}").get_data(as_text=True)
    assert "Công ty Cũ" in before and 'id="record-visit"' in before and "/edit" not in before
    assert admin.post(f"/employers/{employer.id}/edit", data=_employer_form(
        org, name="Công ty Nguyễn Hoàng", contact_name="Chị Lan", contact_phone="0912345678")).status_code == 302
    for client in (admin, officer):
        page = client.get(f"/employers/{employer.id}").get_data(as_text=True)
        assert "Công ty Cũ" not in page and "<h1>Công ty Nguyễn Hoàng</h1>" in page
        assert '<a href="tel:0912345678">0912345678</a>' in page and "Chị Lan" in page
    assert f'href="/employers/{employer.id}/edit"' in admin.get(f"/employers/{employer.id}").get_data(as_text=True)
    assert 'id="record-visit"' not in admin.get(f"/employers/{employer.id}").get_data(as_text=True)
    english = in_english(client_as("supervisor")).get(f"/employers/{employer.id}").get_data(as_text=True)
    assert "<dt>Unit code</dt>" in english and "<th>Employer total</th>" in english and 'id="record-visit"' not in english


def test_department_add_and_rename(org, users, client_as):
    employer = factories.employer(org["HN-BD"], departments=["Văn phòng"])
    db.session.commit()
    client = client_as("admin")
    assert client.post(f"/employers/{employer.id}/departments", data={"name": "Kho vận"}).status_code == 302
    duplicate = client.post(f"/employers/{employer.id}/departments", data={"name": "Kho vận"})
    assert duplicate.status_code == 422
    assert "Đơn vị này đã có bộ phận mang tên này." in duplicate.get_data(as_text=True)
    department = db.session.scalars(sa.select(LabourDepartment).where(LabourDepartment.name == "Văn phòng")).one()
    client.post(f"/employers/departments/{department.id}", data={"name": "Văn phòng chính"})
    db.session.expire_all()
    assert sorted(d.name for d in db.session.get(Employer, employer.id).departments) == ["Kho vận", "Văn phòng chính"]


@pytest.mark.parametrize("query, expected", [("nguyen", "Nguyễn"), ("ha tinh", "Hà Tĩnh"), ("HA TĨNH", "Hà Tĩnh"),
                                             ("dao", "Đảo"), ("TA0077", "Đảo"), ("0101777", "Đảo")])
def test_employer_search_ignores_accents_and_case(org, users, client_as, query, expected):
    factories.employer(org["HN-BD"], name="Công ty Nguyễn Trãi")
    factories.employer(org["HN-BD"], name="Công ty Cấp nước Hà Tĩnh")
    factories.employer(org["HN-BD"], name="Công ty Đảo Ngọc", unit_code="TA0077", tax_code="0101777999")
    db.session.commit()
    page = client_as("officer").get("/employers/", query_string={"q": query}).get_data(as_text=True)
    assert expected in page
    assert page.count('class="card-link"') == 1


def test_search_with_like_wildcards_is_literal(org, users, client_as):
    factories.employer(org["HN-BD"], name="Công ty An Bình")
    db.session.commit()
    page = client_as("officer").get("/employers/", query_string={"q": "%_"}).get_data(as_text=True)
    assert 'class="card-link"' not in page


@pytest.mark.parametrize("query, found", [
    ("an binh", True), ("binh an", True), ("an binh cong ty an binh cong ty an", True),
    ("an binh cong ty an binh cong ty an khong", True),  # the ninth word is not read
    ("an binh cong ty an binh cong khong", False), ("a\\n", False), ("b%h", False), ("'; drop table employer; --", False),
])
def test_every_word_searched_narrows_up_to_eight(org, users, client_as, query, found):
    """Searches of different lengths, one after another, each with its own words:
    the statement built once for each length is given the words of this one."""
    factories.employer(org["HN-BD"], name="Công ty An Bình")
    factories.employer(org["HN-BD"], name="Công ty Bình Minh")
    db.session.commit()
    client = client_as("officer")
    for other in ("minh", "cong ty"):
        assert "Công ty Bình Minh" in client.get("/employers/", query_string={"q": other}).get_data(as_text=True)
    page = client.get("/employers/", query_string={"q": query}).get_data(as_text=True)
    assert ("Công ty An Bình" in page) is found and "Công ty Bình Minh" not in page


@pytest.mark.parametrize("path", ["/employers/?q=an%00binh", "/employers/?q=an&page=%00", "/visits/mine?page=2%00"])
def test_a_nul_character_in_the_address_is_not_understood(org, users, client_as, path):
    """No one types it and PostgreSQL cannot compare text with it: 400, not a server error."""
    response = client_as("officer").get(path)
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ." in response.get_data(as_text=True)


def test_search_results_fragment_for_htmx(org, users, client_as):
    factories.employer(org["HN-BD"], name="Công ty Nguyễn Trãi")
    db.session.commit()
    response = client_as("officer").get("/employers/?q=trai", headers={"HX-Request": "true",
                                                                         "HX-Target": "employer-results"})
    html = response.get_data(as_text=True)
    assert "Công ty Nguyễn Trãi" in html and "<html" not in html


def test_a_search_matching_more_than_it_counts_says_more_than_and_pages_on(org, users, client_as, monkeypatch):
    """Matches are counted no further than COUNT_AHEAD past the page shown: beyond,
    "more than", a pager without a last page, and every page still reachable."""
    from fieldops.employers import queries

    monkeypatch.setattr(queries, "COUNT_AHEAD", 5)
    for i in range(45):
        factories.employer(org["HN-BD"], name=f"Công ty Thử {i:02d}")
    db.session.commit()
    client = client_as("officer")
    first = client.get("/employers/?q=thu").get_data(as_text=True)
    assert "Hơn 25 đơn vị khớp: thêm một từ để thu hẹp tìm kiếm." in first  # 20 shown + 5 counted ahead
    assert "Trang 1<" in first and "Trang 1/" not in first and "page=2" in first
    second = client.get("/employers/?q=thu&page=2").get_data(as_text=True)
    assert "Hơn 45 đơn vị" not in second and "45 đơn vị" in second  # 40 + 5 reaches the 45 there are: exact
    assert "Trang 2/3" in second
    third = client.get("/employers/?q=thu&page=3").get_data(as_text=True)
    assert third.count('class="card-link"') == 5 and "45 đơn vị" in third and "Hơn" not in third


def test_search_pages(org, users, client_as):
    for i in range(45):
        factories.employer(org["HN-BD"], name=f"Công ty Thử {i:02d}")
    db.session.commit()
    client = client_as("officer")
    first = client.get("/employers/?q=thu").get_data(as_text=True)
    third = client.get("/employers/?q=thu&page=3").get_data(as_text=True)
    assert first.count('class="card-link"') == 20 and third.count('class="card-link"') == 5
    assert "Trang 1/3" in first
    assert client.get("/employers/?page=abc").status_code == 200
