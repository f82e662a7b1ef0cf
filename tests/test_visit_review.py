"""Review: supervisors verify or return visits; officers correct and resubmit;
every revision is kept and viewable; a verified visit is final."""
import re

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.extensions import db
from fieldops.visits.models import ReviewState, Visit
from tests import factories
from tests.visit_helpers import counts, department, error_beside, flash_messages, in_english


@pytest.fixture
def world(org, users):
    factories.campaign()
    employer = factories.employer(org["HN-BD"], name="Công ty TNHH Hồng Hà",
                                  departments=[("Văn phòng", 40), ("Phân xưởng", 120)])
    visit = factories.visit(users["HN"]["officer"], employer, figures={"Văn phòng": (40, 30, 10, 5)})
    db.session.commit()
    return {"employer": employer, "visit": visit, "users": users, "org": org}


@pytest.fixture
def officer(client_as):
    return in_english(client_as("officer"))


@pytest.fixture
def supervisor(client_as):
    return in_english(client_as("supervisor"))


def review(client, visit, decision, reason=""):
    return client.post(f"/visits/{visit.id}/review", data={"decision": decision, "reason": reason})


def actions():
    return [e.action for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("visit.%")).order_by(AuditEvent.id))]


def test_queue_shows_the_scopes_visits_waiting_for_review(world, supervisor, client_as):
    faraway = factories.employer(world["org"]["HT-TP"], name="Công ty Hà Tĩnh")
    factories.visit(world["users"]["HT"]["officer"], faraway)
    db.session.commit()
    page = supervisor.get("/visits/review").get_data(as_text=True)
    assert "Công ty TNHH Hồng Hà" in page and "Công ty Hà Tĩnh" not in page
    assert "1 visit waits for review" in in_english(client_as("supervisor")).get("/").get_data(as_text=True)


def test_supervisor_verifies_a_visit(world, supervisor, officer):
    visit = world["visit"]
    response = review(supervisor, visit, "verify")
    assert response.status_code == 302 and response.location.endswith("/visits/review")
    db.session.refresh(visit)
    assert visit.state == ReviewState.verified
    assert visit.reviewed_by_id == world["users"]["HN"]["supervisor"].id
    assert actions() == ["visit.create", "visit.verify"]
    assert "Công ty TNHH Hồng Hà" not in supervisor.get("/visits/review").get_data(as_text=True)
    # Verified is final for the officer: no Edit button, the edit form refuses.
    page = officer.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert 'id="visit-edit"' not in page and "Verified" in page
    edit_form = factories.visit_form(world["employer"], base_revision="1", key=f"visit-{visit.id}-r1")
    for send in (lambda: officer.get(f"/visits/{visit.id}/edit"),
                 lambda: officer.post(f"/visits/{visit.id}/edit", data=edit_form)):
        response = send()
        assert response.status_code == 302
        assert "This visit has been verified and can no longer be changed." in flash_messages(
            officer.get(response.location).get_data(as_text=True))
    db.session.refresh(visit)
    assert visit.revision == 1 and visit.lines[0].registered == 30


def test_a_return_needs_a_reason(world, supervisor):
    visit = world["visit"]
    response = review(supervisor, visit, "return", "   ")
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "reason") == \
        "Say why the visit is returned, so the officer can correct it."
    db.session.refresh(visit)
    assert visit.state == ReviewState.submitted and actions() == ["visit.create"]


def test_return_correct_and_resubmit_keeps_every_revision(world, supervisor, officer):
    visit, employer = world["visit"], world["employer"]
    office = department(employer, "Văn phòng")
    assert review(supervisor, visit, "return", "Số đăng ký của Văn phòng chưa khớp.").status_code == 302

    # The officer sees it first on their home page, with the reason.
    home = officer.get("/").get_data(as_text=True)
    assert "Returned:" in home and "Số đăng ký của Văn phòng chưa khớp." in home
    # A returned visit leaves the current figures until it is resubmitted.
    db.session.refresh(office)
    assert (office.insured, office.current_registered, office.current_visit_id) == (40, 0, None)

    form = officer.get(f"/visits/{visit.id}/edit").get_data(as_text=True)
    assert "Số đăng ký của Văn phòng chưa khớp." in form and 'name="base_revision" type="hidden" value="1"' in form
    data = factories.visit_form(employer, base_revision="1", key=f"visit-{visit.id}-r1", lines=[
        {"department": office, "insured": 40, "registered": 26, "active": 10, "newly": 5}])
    response = officer.post(f"/visits/{visit.id}/edit", data=data)
    assert response.status_code == 302
    db.session.refresh(visit)
    assert (visit.state, visit.revision, visit.return_reason) == (ReviewState.submitted, 2, "")
    db.session.refresh(office)
    assert (office.current_registered, office.current_visit_id) == (26, visit.id)
    assert actions() == ["visit.create", "visit.return", "visit.resubmit"]

    current = officer.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert ">26<" in current
    earlier = officer.get(f"/visits/{visit.id}?revision=1").get_data(as_text=True)
    assert ">30<" in earlier and "You are looking at revision 1 of 2" in earlier
    assert "Số đăng ký của Văn phòng chưa khớp." in earlier  # why revision 1 came back

    # Back in the queue; this time it is verified.
    assert "Công ty TNHH Hồng Hà" in supervisor.get("/visits/review").get_data(as_text=True)
    assert review(supervisor, visit, "verify").status_code == 302
    db.session.refresh(visit)
    assert visit.state == ReviewState.verified
    assert [r.review_state for r in visit.revisions] == [ReviewState.returned, ReviewState.verified]


def test_officer_edits_a_visit_waiting_for_review(world, officer):
    visit, employer = world["visit"], world["employer"]
    data = factories.visit_form(employer, base_revision="1", key=f"visit-{visit.id}-r1", visit_date="2023-06-02")
    assert officer.post(f"/visits/{visit.id}/edit", data=data).status_code == 302
    db.session.refresh(visit)
    assert visit.revision == 2 and visit.state == ReviewState.submitted and len(visit.lines) == 2
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "visit.edit")).one()
    assert event.before["visit_date"] == "2023-06-01" and event.after["visit_date"] == "2023-06-02"


def test_bad_input_on_edit_changes_nothing(world, officer):
    visit, employer = world["visit"], world["employer"]
    before = counts()
    data = factories.visit_form(employer, base_revision="1", key=f"visit-{visit.id}-r1",
                                lines=[{"department": department(employer, "Văn phòng"), "insured": 40, "registered": 41}])
    response = officer.post(f"/visits/{visit.id}/edit", data=data)
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "lines-0-registered") == \
        "Registered cannot be more than insured (40)."
    assert counts() == before
    db.session.refresh(visit)
    assert visit.revision == 1


def test_another_officers_visit_answers_404_on_edit(world, client_as):
    visit, employer = world["visit"], world["employer"]
    colleague = factories.user(world["org"]["HN-BD"], username="officer.colleague")
    db.session.commit()
    from tests.conftest import sign_in

    client = sign_in(client_as("officer").application.test_client(), colleague)
    assert client.get(f"/visits/{visit.id}").status_code == 200  # reading is fine
    assert client.get(f"/visits/{visit.id}/edit").status_code == 404
    data = factories.visit_form(employer, base_revision="1", key=f"visit-{visit.id}-r1")
    assert client.post(f"/visits/{visit.id}/edit", data=data).status_code == 404
    db.session.refresh(visit)
    assert visit.revision == 1
    denied = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert any(e.after["reason"] == "not_owner" for e in denied)


def test_the_other_provinces_people_get_404(world, client_as):
    visit = world["visit"]
    assert client_as("officer", "HT").get(f"/visits/{visit.id}/edit").status_code == 404
    assert client_as("officer", "HT").get(f"/visits/{visit.id}").status_code == 404
    assert review(client_as("supervisor", "HT"), visit, "verify").status_code == 404
    db.session.refresh(visit)
    assert visit.state == ReviewState.submitted


def test_a_supervisor_cannot_review_their_own_visit(world, supervisor):
    # A supervisor who recorded visits as an officer before a promotion.
    own = factories.visit(world["users"]["HN"]["supervisor"], world["employer"])
    db.session.commit()
    assert "Review" not in re.sub(r"Review queue", "", supervisor.get(f"/visits/{own.id}").get_data(as_text=True))
    response = review(supervisor, own, "verify")
    assert response.status_code == 302
    assert "You cannot review your own visit; another supervisor will." in flash_messages(
        supervisor.get(response.location).get_data(as_text=True))
    db.session.refresh(own)
    assert own.state == ReviewState.submitted
    queue = supervisor.get("/visits/review").get_data(as_text=True)
    assert f'href="/visits/{own.id}"' not in queue and f'href="/visits/{world["visit"].id}"' in queue


def test_a_visit_is_reviewed_once(world, supervisor, client_as):
    visit = world["visit"]
    assert review(supervisor, visit, "verify").status_code == 302
    other = factories.user(world["org"]["HN-BD"], role="supervisor", username="supervisor.two")
    db.session.commit()
    from tests.conftest import sign_in

    second = in_english(sign_in(client_as("supervisor").application.test_client(), other))
    response = review(second, visit, "return", "muộn")
    assert response.status_code == 302
    assert "This visit has already been reviewed." in flash_messages(second.get(response.location).get_data(as_text=True))
    db.session.refresh(visit)
    assert visit.state == ReviewState.verified and actions() == ["visit.create", "visit.verify"]


def test_review_state_change_is_atomic(world, users):
    """Two supervisors acting at once: the second finds the row changed."""
    from fieldops.visits import operations

    visit = world["visit"]
    db.session.execute(sa.update(Visit).where(Visit.id == visit.id).values(state=ReviewState.verified))
    # This session still believes the visit is waiting.
    with pytest.raises(operations.VisitStateError):
        operations.return_visit(users["HN"]["supervisor"], visit, "trễ")
    db.session.rollback()


def test_a_moved_employers_waiting_visit_stays_in_the_queue_of_the_district_it_was_made_in(app, world, client_as):
    """README, "When an employer moves": the supervisor of the district that held the
    employer when the visit was made reviews it; the new district's reads it."""
    from fieldops.employers.operations import update_employer
    from tests.conftest import sign_in

    org, visit = world["org"], world["visit"]
    cg_supervisor = factories.user(org["HN-CG"], factories.Role.supervisor, username="supervisor.cg")
    db.session.commit()
    bd = in_english(client_as("supervisor"))
    assert f"/visits/{visit.id}" in bd.get("/visits/review").get_data(as_text=True)

    update_employer(world["users"]["HN"]["admin"], world["employer"], district_id=org["HN-CG"].id)
    db.session.commit()

    assert f"/visits/{visit.id}" in bd.get("/visits/review").get_data(as_text=True)
    assert 'id="review"' in bd.get(f"/visits/{visit.id}").get_data(as_text=True)
    cg = in_english(sign_in(app.test_client(), cg_supervisor))
    assert f"/visits/{visit.id}" not in cg.get("/visits/review").get_data(as_text=True)
    page = cg.get(f"/visits/{visit.id}")
    assert page.status_code == 200 and 'id="review"' not in page.get_data(as_text=True)
