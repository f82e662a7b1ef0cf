"""A visit form sent twice (double tap, retry after a dropped connection) gives
one visit; the same key with other content is refused with 409."""
import sqlalchemy as sa

import pytest

from fieldops.extensions import db
from fieldops.visits import routes
from fieldops.visits.models import Visit
from tests import factories
from tests.visit_helpers import counts, department, flash_messages, in_english


@pytest.fixture
def world(org, users):
    factories.campaign()
    employer = factories.employer(org["HN-BD"], departments=[("Văn phòng", 40), ("Phân xưởng", 120)])
    db.session.commit()
    return {"employer": employer, "users": users}


@pytest.fixture
def officer(client_as):
    return in_english(client_as("officer"))


def url(employer):
    return f"/visits/new/{employer.id}"


def test_the_same_form_sent_twice_gives_one_visit(world, officer):
    employer = world["employer"]
    data = factories.visit_form(employer, key="6f1c2b1e-0d4a-4c1e-9a51-3f2d8d7e9b10")
    first = officer.post(url(employer), data=data)
    second = officer.post(url(employer), data=data)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    after = counts()
    assert (after["visits"], after["lines"], after["revisions"], after["audit"]) == (1, 2, 1, 1)
    page = officer.get(second.location).get_data(as_text=True)
    assert "This visit had already been received; nothing was added." in flash_messages(page)


def test_a_retry_with_rows_numbered_differently_is_the_same_visit(world, officer):
    employer = world["employer"]
    data = factories.visit_form(employer, key="retry-key-0001", obstacles=[("app_error", 2, "")])
    assert officer.post(url(employer), data=data).status_code == 302
    renumbered = {k.replace("lines-0-", "lines-7-").replace("obstacles-0-", "obstacles-3-"): v for k, v in data.items()}
    assert officer.post(url(employer), data=renumbered).status_code == 302
    assert counts()["visits"] == 1


def test_a_retry_of_a_visit_that_added_a_department_is_the_same_visit(world, officer):
    employer = world["employer"]
    data = factories.visit_form(employer, key="with-new-dept-01", lines=[
        {"department": department(employer, "Văn phòng")},
        {"department": None, "new_name": "Kho hàng", "insured": 9, "registered": 1, "active": 0, "newly": 0}])
    assert officer.post(url(employer), data=data).status_code == 302
    # The department now exists; the retry must not be refused as a duplicate name.
    assert officer.post(url(employer), data=data).status_code == 302
    assert counts()["visits"] == 1 and counts()["departments"] == 3


def test_the_same_key_with_other_content_answers_409_and_changes_nothing(world, officer):
    employer = world["employer"]
    data = factories.visit_form(employer, key="key-used-twice-01")
    assert officer.post(url(employer), data=data).status_code == 302
    visit = db.session.scalars(sa.select(Visit)).one()
    before = counts()
    changed = data | {"lines-0-registered": "35"}
    response = officer.post(url(employer), data=changed)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This form was already sent with different content" in page
    assert f'href="/visits/{visit.id}"' in page
    # What was typed is still on the page, and there is no submit button to try again.
    assert 'value="35"' in page and 'id="visit-submit"' not in page
    assert counts() == before
    db.session.refresh(visit)
    assert sorted(line.registered for line in visit.lines) == [20, 20]


def test_another_officers_key_is_refused_without_showing_their_visit(world, users, client_as, officer):
    employer = world["employer"]
    colleague = factories.user(world["employer"].district, username="officer.colleague")
    visit = factories.visit(colleague, employer, key="colleague-key-001")
    db.session.commit()
    response = officer.post(url(employer), data=factories.visit_form(employer, key="colleague-key-001"))
    assert response.status_code == 409
    assert f'href="/visits/{visit.id}"' not in response.get_data(as_text=True)
    assert counts()["visits"] == 1


def test_a_resend_is_refused_by_its_key_when_saved(world, officer, monkeypatch):
    """A resend, or the same form sent twice at once, is not looked up before it
    is saved: the unique key refuses the second visit, and the answer is a resend's."""
    employer = world["employer"]
    data = factories.visit_form(employer, key="racing-key-00001")
    assert officer.post(url(employer), data=data).status_code == 302
    real = routes.visit_by_key
    calls = []

    def looked_up(key):
        calls.append(key)
        return real(key)

    monkeypatch.setattr(routes, "visit_by_key", looked_up)
    response = officer.post(url(employer), data=data)
    assert response.status_code == 302 and calls == ["racing-key-00001"]
    assert "This visit had already been received; nothing was added." in flash_messages(
        officer.get(response.location).get_data(as_text=True))
    assert counts()["visits"] == 1


def test_a_form_without_its_key_is_refused(world, officer):
    employer = world["employer"]
    data = factories.visit_form(employer) | {"idempotency_key": ""}
    response = officer.post(url(employer), data=data)
    assert response.status_code == 422
    assert "This form has lost its key" in response.get_data(as_text=True)
    assert counts()["visits"] == 0


def test_an_edit_sent_twice_makes_one_revision(world, officer):
    employer = world["employer"]
    visit = factories.visit(world["users"]["HN"]["officer"], employer)
    db.session.commit()
    data = factories.visit_form(employer, base_revision="1", key=f"visit-{visit.id}-r1")
    first = officer.post(f"/visits/{visit.id}/edit", data=data)
    second = officer.post(f"/visits/{visit.id}/edit", data=data)
    assert first.status_code == second.status_code == 302
    db.session.refresh(visit)
    assert visit.revision == 2 and len(visit.revisions) == 2
    assert "These changes had already been received; nothing was added." in flash_messages(
        officer.get(second.location).get_data(as_text=True))
    # The same stale form with other content: refused, nothing changed.
    response = officer.post(f"/visits/{visit.id}/edit", data=data | {"lines-0-registered": "1"})
    assert response.status_code == 409
    assert "This visit was changed after you opened the form" in response.get_data(as_text=True)
    db.session.refresh(visit)
    assert visit.revision == 2
