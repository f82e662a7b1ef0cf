"""Recording a visit: the form, the input rules, scope, and what gets saved."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.employers.models import LabourDepartment
from fieldops.extensions import db
from fieldops.timeutil import local_today
from fieldops.visits.models import Obstacle, ReviewState, Visit, VisitLine
from tests import factories
from tests.visit_helpers import counts, department, error_beside, in_english


@pytest.fixture
def officer(client_as):
    return in_english(client_as("officer"))


@pytest.fixture
def world(org, users):
    factories.campaign()
    employer = factories.employer(org["HN-BD"], name="Công ty TNHH May mặc Hồng Hà",
                                  departments=[("Văn phòng", 40), ("Phân xưởng", 120)])
    neighbour = factories.employer(org["HN-BD"], name="Công ty Cổ phần In Kim Mã", departments=["Toàn đơn vị"])
    faraway = factories.employer(org["HT-TP"], name="Công ty Cấp nước Hà Tĩnh", departments=["Toàn đơn vị"])
    db.session.commit()
    return {"employer": employer, "neighbour": neighbour, "faraway": faraway, "users": users}


def new_url(employer):
    return f"/visits/new/{employer.id}"


def test_form_is_prefilled_with_each_departments_current_figures_and_a_fresh_key(world, client_as, officer):
    client = officer
    page = client.get(new_url(world["employer"])).get_data(as_text=True)
    assert "Văn phòng" in page and "Phân xưởng" in page
    # Declared headcount as insured, nobody registered yet.
    assert re.search(r'name="lines-\d+-insured"[^>]*value="40"', page)
    assert re.search(r'name="lines-\d+-insured"[^>]*value="120"', page)
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f-]{36})"', page).group(1)
    again = client.get(new_url(world["employer"])).get_data(as_text=True)
    assert key not in again


def test_officer_records_a_visit_and_the_employer_page_shows_it(world, client_as, officer):
    client = officer
    employer = world["employer"]
    data = factories.visit_form(employer, lines=[
        {"department": department(employer, "Văn phòng"), "insured": 40, "registered": 30, "active": 12, "newly": 8},
        {"department": department(employer, "Phân xưởng"), "insured": 118, "registered": 59, "active": 20},
    ], obstacles=[("no_smartphone", 3, "Công nhân lớn tuổi")], notes="Gặp kế toán trưởng",
        latitude="21.033333", longitude="105.816667")
    response = client.post(new_url(employer), data=data)
    assert response.status_code == 302
    visit = db.session.scalars(sa.select(Visit)).one()
    assert response.location.endswith(f"/visits/{visit.id}")
    assert visit.officer_id == world["users"]["HN"]["officer"].id
    assert visit.state == ReviewState.submitted and visit.revision == 1
    assert (visit.latitude, visit.longitude) == (21.033333, 105.816667)
    assert [(o.category, o.people_affected, o.note) for o in visit.obstacles] == [("no_smartphone", 3, "Công nhân lớn tuổi")]

    shown = client.get(response.location).get_data(as_text=True)
    assert "Gặp kế toán trưởng" in shown and "No smartphone" in shown

    page = client.get(f"/employers/{employer.id}").get_data(as_text=True)
    # Σ registered 89 of Σ insured 158: 56%; unregistered 69.
    totals = re.search(r'<tr id="employer-totals">(.*?)</tr>', page, re.S).group(1)
    assert [c.strip() for c in re.findall(r'<td class="num">([^<]*)</td>', totals)] == ["158", "89", "32", "69"]
    assert "56%" in totals
    assert "(+30)" in page  # Văn phòng: registered 0 → 30

    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "visit.create")).one()
    assert event.object_id == str(visit.id) and event.after["lines"][0]["registered"] in (30, 59)
    assert (event.object_type, event.actor_id, event.org_unit_id, event.client_address) == (
        "visit", visit.officer_id, employer.district_id, "127.0.0.1")
    assert event.after["revision"] == 1 and event.after["state"] == "submitted"
    assert event.after == visit.revisions[0].content | {"revision": 1, "state": "submitted"}


def test_a_department_missing_from_the_list_is_added_with_the_visit(world, client_as, officer):
    employer = world["employer"]
    data = factories.visit_form(employer, lines=[
        {"department": department(employer, "Văn phòng")},
        {"department": None, "new_name": "Kho hàng", "insured": 12, "registered": 3, "active": 1, "newly": 0},
    ])
    assert officer.post(new_url(employer), data=data).status_code == 302
    added = db.session.scalars(sa.select(LabourDepartment).where(LabourDepartment.name == "Kho hàng")).one()
    assert added.employer_id == employer.id
    assert (added.insured, added.current_registered) == (12, 3)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "labour_department.create", AuditEvent.object_id == str(added.id))) == 1
    # The department's event comes before the visit's, as they happened.
    assert db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()[-2:] == [
        "labour_department.create", "visit.create"]


def test_an_unticked_department_is_not_counted(world, client_as, officer):
    employer = world["employer"]
    office, workshop = department(employer, "Văn phòng"), department(employer, "Phân xưởng")
    data = factories.visit_form(employer, lines=[
        {"department": office, "registered": 25},
        {"department": workshop, "registered": 99, "counted": False},
    ])
    assert officer.post(new_url(employer), data=data).status_code == 302
    assert [line.labour_department_id for line in db.session.scalars(sa.select(VisitLine))] == [office.id]
    db.session.refresh(workshop)
    assert (workshop.insured, workshop.current_registered, workshop.current_visit_id) == (120, 0, None)


BAD_COUNTS = [
    ({"insured": "-1"}, "insured", "Enter 0 or more."),
    ({"registered": "2.5"}, "registered", "Enter a whole number, without decimals."),
    ({"active": "2,5"}, "active", "Enter a whole number, without decimals."),
    ({"insured": "mười"}, "insured", "Enter a whole number, such as 12."),
    ({"insured": "1e3"}, "insured", "Enter a whole number, such as 12."),
    ({"insured": "99999999999999999999"}, "insured", "Enter at most 1,000,000."),
    ({"insured": "1000001", "registered": "0", "active": "0", "newly": "0"}, "insured", "Enter at most 1,000,000."),
    ({"insured": ""}, "insured", "Enter a number."),
    ({"insured": "10", "registered": "11"}, "registered", "Registered cannot be more than insured (10)."),
    ({"registered": "10", "active": "11", "newly": "0"}, "active", "Active cannot be more than registered (10)."),
    ({"registered": "10", "active": "0", "newly": "11"}, "newly_registered",
     "Newly registered cannot be more than registered (10)."),
]


@pytest.mark.parametrize("values, field, message", BAD_COUNTS)
def test_bad_counts_are_refused_beside_the_field_and_nothing_is_saved(world, client_as, officer, values, field, message):
    employer = world["employer"]
    before = counts()
    line = {"department": department(employer, "Văn phòng"), **values}
    response = officer.post(new_url(employer), data=factories.visit_form(employer, lines=[line]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_beside(page, f"lines-0-{field}") == message
    # The form keeps what was typed.
    typed = values.get("newly" if field == "newly_registered" else field)
    assert f'name="lines-0-{field}" step="1" type="number" value="{typed}"' in page or \
        re.search(rf'name="lines-0-{field}"[^>]*value="{re.escape(typed)}"', page)
    assert counts() == before


@pytest.mark.parametrize("field", ["notes", "lines-0-new_name", "obstacles-0-note", "latitude"])
def test_a_nul_character_is_refused_beside_the_field_and_nothing_is_saved(world, officer, field):
    """No one types it, and PostgreSQL cannot store it: refused, not a server error."""
    employer = world["employer"]
    data = factories.visit_form(employer, lines=[{"department": None, "new_name": "Kho", "insured": 5,
                                                  "registered": 1, "active": 0, "newly": 0}],
                                obstacles=[("no_smartphone", 2, "Máy cũ")])
    data[field] = "Kho\x00hàng"
    before = counts()
    response = officer.post(new_url(employer), data=data)
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), field) == (
        "This field contains a character that is not allowed.")
    assert counts() == before


@pytest.mark.parametrize("key", ["\x00bcdefghij", "abcdefgh\n", "x" * 10_000, "'; DROP TABLE visit; --"])
def test_a_malformed_key_is_refused_without_being_looked_up(world, officer, key):
    employer = world["employer"]
    response = officer.post(new_url(employer), data=factories.visit_form(employer) | {"idempotency_key": key})
    assert response.status_code == 422
    assert "This form has lost its key" in response.get_data(as_text=True)
    assert counts()["visits"] == 0


@pytest.mark.parametrize("visit_date, message", [
    ("tomorrow", "The visit date cannot be in the future."),
    ("2022-12-31", "The visit date cannot be before 01/01/2023, when the campaign starts counting."),
    ("31/02/2023", "Enter the date as dd/mm/yyyy."),
    ("hôm qua", "Enter the date as dd/mm/yyyy."),
    ("", "Enter the date of the visit."),
])
def test_bad_dates_are_refused(world, client_as, officer, visit_date, message):
    employer = world["employer"]
    if visit_date == "tomorrow":  # computed now, not at collection: a long run may cross midnight
        visit_date = (local_today() + timedelta(days=1)).isoformat()
    before = counts()
    response = officer.post(new_url(employer), data=factories.visit_form(employer, visit_date=visit_date))
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "visit_date") == message
    assert counts() == before


def test_a_date_in_dd_mm_yyyy_is_accepted(world, client_as, officer):
    employer = world["employer"]
    assert officer.post(new_url(employer), data=factories.visit_form(
        employer, visit_date="15/06/2023")).status_code == 302
    assert db.session.scalars(sa.select(Visit)).one().visit_date == date(2023, 6, 15)


def test_todays_date_is_accepted_and_offered(world, client_as, officer):
    employer = world["employer"]
    client = officer
    assert f'value="{local_today().isoformat()}"' in client.get(new_url(employer)).get_data(as_text=True)
    assert client.post(new_url(employer), data=factories.visit_form(
        employer, visit_date=local_today().isoformat())).status_code == 302


@pytest.mark.parametrize("changes, field, message", [
    ({"purpose": ""}, "purpose", "Choose the purpose of the visit."),
    ({"purpose": "party"}, "purpose", "Not a valid choice."),
    ({"latitude": "21.03"}, "longitude", "Give both latitude and longitude, or neither."),
    ({"latitude": "91", "longitude": "105"}, "latitude", "Enter a number between -90 and 90."),
    ({"latitude": "21", "longitude": "east"}, "longitude", "Enter a number between -180 and 180."),
    ({"notes": "x" * 2001}, "notes", "Field cannot be longer than 2000 characters."),
])
def test_other_bad_fields_are_refused(world, client_as, officer, changes, field, message):
    employer = world["employer"]
    before = counts()
    response = officer.post(new_url(employer), data=factories.visit_form(employer, **changes))
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), field) == message
    assert counts() == before


def test_a_visit_counts_at_least_one_department(world, client_as, officer):
    employer = world["employer"]
    lines = [{"department": d, "counted": False} for d in employer.departments]
    response = officer.post(new_url(employer), data=factories.visit_form(employer, lines=lines))
    assert response.status_code == 422
    assert "Count at least one labour department." in response.get_data(as_text=True)
    assert counts()["visits"] == 0


def test_obstacles_need_a_kind_and_a_whole_number_of_people(world, client_as, officer):
    employer = world["employer"]
    data = factories.visit_form(employer, obstacles=[("", 3, "không rõ"), ("app_error", -2, ""),
                                                     ("other", 1, "x" * 501)])
    response = officer.post(new_url(employer), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_beside(page, "obstacles-0-category") == "Choose the kind of obstacle."
    assert error_beside(page, "obstacles-1-people_affected") == "Enter 0 or more."
    assert error_beside(page, "obstacles-2-note") == "Use at most 500 characters."
    assert counts()["visits"] == 0


def test_blank_obstacle_rows_are_ignored(world, client_as, officer):
    employer = world["employer"]
    data = factories.visit_form(employer, obstacles=[("", "", ""), ("otp_not_received", 2, "")])
    data["obstacles-0-people_affected"] = ""
    assert officer.post(new_url(employer), data=data).status_code == 302
    assert [o.category for o in db.session.scalars(sa.select(Obstacle))] == ["otp_not_received"]


def test_a_new_department_needs_a_name_not_taken(world, client_as, officer):
    employer = world["employer"]
    before = counts()
    data = factories.visit_form(employer, lines=[
        {"department": None, "new_name": "  văn PHÒNG "},
        {"department": None, "new_name": ""},
    ])
    response = officer.post(new_url(employer), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_beside(page, "lines-0-new_name") == "This employer already has a department with this name."
    assert error_beside(page, "lines-1-new_name") == "Enter the name of the department."
    assert counts() == before


def test_an_employer_of_another_province_answers_404(world, client_as, officer):
    client = officer
    faraway = world["faraway"]
    assert client.get(new_url(faraway)).status_code == 404
    assert client.post(new_url(faraway), data=factories.visit_form(faraway)).status_code == 404
    assert counts()["visits"] == 0


@pytest.mark.parametrize("other", ["faraway", "neighbour"])
def test_a_department_of_another_employer_answers_404(world, client_as, officer, other):
    employer = world["employer"]
    foreign = world[other].departments[0]
    data = factories.visit_form(employer, lines=[{"department": department(employer, "Văn phòng")},
                                                 {"department": foreign}])
    assert officer.post(new_url(employer), data=data).status_code == 404
    assert counts()["visits"] == 0


def test_only_officers_record_visits(world, client_as):
    employer = world["employer"]
    for role in ("supervisor", "viewer", "hr", "admin"):
        assert client_as(role).post(new_url(employer), data=factories.visit_form(employer)).status_code == 403
    assert counts()["visits"] == 0


def test_csrf_is_required(world, client_as, officer, csrf_on):
    employer = world["employer"]
    client = officer
    assert client.post(new_url(employer), data=factories.visit_form(employer)).status_code == 400
    assert counts()["visits"] == 0
    page = client.get(new_url(employer)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = factories.visit_form(employer) | {"csrf_token": token}
    assert client.post(new_url(employer), data=data).status_code == 302
    assert counts()["visits"] == 1


def test_visit_page_tells_the_outbox_which_visit_arrived(world, client_as, officer):
    visit = factories.visit(world["users"]["HN"]["officer"], world["employer"])
    db.session.commit()
    response = officer.get(f"/visits/{visit.id}")
    assert response.headers["X-Visit-Id"] == str(visit.id)


def test_new_visit_search_is_accent_insensitive(world, client_as, officer):
    client = officer
    page = client.get("/visits/new?q=hong+ha").get_data(as_text=True)
    assert "Công ty TNHH May mặc Hồng Hà" in page and "In Kim Mã" not in page
    assert f'href="/visits/new/{world["employer"].id}"' in page
    fragment = client.get("/visits/new?q=kim+ma", headers={"HX-Request": "true", "HX-Target": "visit-employers"})
    text = fragment.get_data(as_text=True)
    assert "In Kim Mã" in text and "<html" not in text
    assert "Cấp nước Hà Tĩnh" not in client.get("/visits/new?q=ha+tinh").get_data(as_text=True)
