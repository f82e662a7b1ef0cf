"""CSV exports stream rows read before the response starts (issue 22): in
production the request's database session is closed by the time the body is
sent, so rows read lazily then failed with DetachedInstanceError (HTTP 500)."""
import threading

import pytest

from fieldops.extensions import db
from tests import factories
from tests.conftest import PASSWORD


def _as_in_production(app, user, url):
    """The request from a thread of its own: no app context held by the test, so
    the session is removed at the end of the request, before the body is read."""
    outcome, username = {}, user.username

    def run():
        client = app.test_client()
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
        response = client.get(url)
        outcome["status"], outcome["body"] = response.status_code, response.get_data(as_text=True)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    return outcome


@pytest.fixture
def exported(org, users):
    employer = factories.employer(org["HN-BD"], name="Công ty Xuất Khẩu", departments=["Văn phòng"])
    visit = factories.visit(users["HN"]["officer"], employer, obstacles=[("app_error", 3, "")])
    factories.followup(users["HN"]["officer"], employer, kind="escalation", visit=visit,
                       obstacle=visit.obstacles[0])
    db.session.commit()
    return employer


def test_the_followups_csv_export_streams_for_every_role(app, users, exported):
    for role in ("officer", "supervisor", "viewer", "admin"):
        outcome = _as_in_production(app, users["HN"][role], "/followups/export?format=csv&proposals=1")  # the proposal too
        assert outcome["status"] == 200, role
        assert "Công ty Xuất Khẩu" in outcome["body"], role


def test_a_units_worklist_streams_as_csv(app, org, users, exported):
    outcome = _as_in_production(app, users["HN"]["supervisor"], f"/progress/units/{org['HN-BD'].id}/worklist?format=csv")
    assert outcome["status"] == 200 and "Công ty Xuất Khẩu" in outcome["body"]
