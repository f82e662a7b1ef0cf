"""When an employer moves (README, "When an employer moves"): its open work stays
with the district that held it when the work was made, so the officer who made a
returned visit still corrects it and that district's supervisor reviews it; the
new district's staff read it; finished work goes with the employer."""
from datetime import date

import pytest

from fieldops.auth.models import Role
from fieldops.employers.operations import update_employer
from fieldops.extensions import db
from fieldops.followups.models import FollowUp
from fieldops.visits import operations
from fieldops.visits.models import ReviewState, Visit
from tests import factories
from tests.conftest import sign_in
from tests.visit_helpers import in_english


@pytest.fixture
def moved(org, users):
    """A visit returned mid-review, one waiting for review, one verified and an open
    follow-up, all at a Ba Đình employer which then moves to Cầu Giấy."""
    factories.campaign()
    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    employer = factories.employer(org["HN-BD"], name="Công ty Chuyển Quận")
    returned = factories.visit(officer, employer, visit_date=date(2023, 6, 1))
    operations.return_visit(supervisor, returned, "Thiếu số liệu khối sản xuất")
    waiting = factories.visit(officer, employer, visit_date=date(2023, 6, 5))
    verified = factories.visit(officer, employer, visit_date=date(2023, 5, 5))
    operations.verify_visit(supervisor, verified)
    followup = factories.followup(officer, employer, visit=waiting)
    cg_officer = factories.user(org["HN-CG"], Role.officer, username="officer.cg")
    cg_supervisor = factories.user(org["HN-CG"], Role.supervisor, username="supervisor.cg")
    update_employer(users["HN"]["admin"], employer, district_id=org["HN-CG"].id)
    db.session.commit()
    return {"employer": employer, "returned": returned, "waiting": waiting, "verified": verified,
            "followup": followup, "cg_officer": cg_officer, "cg_supervisor": cg_supervisor}


def test_the_officer_corrects_her_returned_visit_after_the_move(app, moved, org, client_as):
    returned = moved["returned"]
    db.session.refresh(returned)
    assert returned.district_id == org["HN-BD"].id  # open work stays where it was made
    client = in_english(client_as("officer"))
    assert f'/visits/{returned.id}"' in client.get("/visits/").get_data(as_text=True)
    page = client.get(f"/visits/{returned.id}").get_data(as_text=True)
    assert 'id="visit-edit"' in page
    assert client.get(f"/visits/{returned.id}/edit").status_code == 200
    data = factories.visit_form(moved["employer"], visit_date="2023-06-01", base_revision=str(returned.revision),
                                key=f"visit-{returned.id}-r{returned.revision}")
    response = client.post(f"/visits/{returned.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Visit, returned.id).state == ReviewState.submitted

    # Ba Đình's supervisor, who held the employer when it was made, reviews it.
    supervisor = in_english(client_as("supervisor"))
    assert f"/visits/{returned.id}" in supervisor.get("/visits/review").get_data(as_text=True)
    response = supervisor.post(f"/visits/{returned.id}/review", data={"decision": "verify", "reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Visit, returned.id).state == ReviewState.verified


def test_the_new_district_reads_the_open_work_and_cannot_act_on_it(app, moved):
    for user in (moved["cg_officer"], moved["cg_supervisor"]):
        client = in_english(sign_in(app.test_client(), user))
        for visit in (moved["returned"], moved["waiting"]):
            page = client.get(f"/visits/{visit.id}")
            assert page.status_code == 200, user.username
            text = page.get_data(as_text=True)
            assert 'id="visit-edit"' not in text and 'id="review"' not in text and 'id="propose-followup"' not in text
        assert client.get(f"/followups/{moved['followup'].id}").status_code == 200
    supervisor = sign_in(app.test_client(), moved["cg_supervisor"])
    response = supervisor.post(f"/visits/{moved['waiting'].id}/review", data={"decision": "verify", "reason": ""})
    assert response.status_code == 404
    assert supervisor.post(f"/followups/{moved['followup'].id}/approve", data={}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Visit, moved["waiting"].id).state == ReviewState.submitted


def test_finished_work_goes_with_the_employer(moved, org):
    db.session.expire_all()
    assert db.session.get(Visit, moved["verified"].id).district_id == org["HN-CG"].id
    assert db.session.get(Visit, moved["waiting"].id).district_id == org["HN-BD"].id
    assert db.session.get(FollowUp, moved["followup"].id).district_id == org["HN-BD"].id


def test_an_officer_of_another_province_still_gets_404(app, moved, client_as):
    client = client_as("officer", "HT")
    assert client.get(f"/visits/{moved['returned'].id}").status_code == 404
    assert client.get(f"/followups/{moved['followup'].id}").status_code == 404


def test_the_old_districts_queue_finds_the_moved_employers_visit_by_its_name(moved, client_as):
    """The queue's employer filter matches the visit's employer wherever it is now:
    the work waiting in Ba Đình is found there by name, and verify all selects it."""
    supervisor = in_english(client_as("supervisor"))
    page = supervisor.get("/visits/review?employer=chuyen+quan").get_data(as_text=True)
    waiting = moved["waiting"]
    assert f'data-visit="{waiting.id}"' in page
    assert f'name="all" value="{waiting.id}.{waiting.revision}"' in page
    assert "1 visit waits for review" in page
