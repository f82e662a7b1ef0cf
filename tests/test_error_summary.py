"""Every form sent with errors answers with a summary at its top: how many errors,
and a link to each field in error (its id on the page); nothing of it is saved."""
import re

import pytest
import sqlalchemy as sa

from fieldops.extensions import db
from fieldops.auth.models import Role
from tests import factories
from tests.conftest import sign_in
from tests.visit_helpers import in_english


@pytest.fixture
def world(org, users):
    campaign = factories.campaign()
    employer = factories.employer(org["HN-BD"], name="Công ty TNHH Hồng Hà", departments=[("Văn phòng", 40)])
    hn = users["HN"]
    visit = factories.visit(hn["officer"], employer, figures={"Văn phòng": (40, 30, 10, 5)})
    proposed = factories.followup(hn["officer"], employer)
    started = factories.followup(hn["officer"], employer, state="in_progress", decider=hn["supervisor"])
    period = factories.review_period(hn["hr"], campaign, org["HN"])
    title = next(iter(factories.award_titles().values()))
    db.session.commit()
    return {"employer": employer, "visit": visit, "proposed": proposed, "started": started,
            "period": period, "title": title, "users": users, "org": org}


def _rows() -> dict:
    """Rows per table: a refused form changes none."""
    return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables if table.name not in ("user_sessions", "sign_in_attempts")}


# (role, url, data sent, ids the summary links to, htmx target or None)
FORMS = {
    "visit": ("officer", lambda w: f"/visits/new/{w['employer'].id}", lambda w: {"purpose": ""},
              ["visit_date", "purpose"], None),
    "visit line": ("officer", lambda w: f"/visits/new/{w['employer'].id}",
                   lambda w: factories.visit_form(w["employer"], lines=[
                       {"department": w["employer"].departments[0], "insured": 40, "registered": 50}]),
                   ["lines-0-registered"], None),
    "visit returned without a reason": ("supervisor", lambda w: f"/visits/{w['visit'].id}/review",
                                        lambda w: {"decision": "return", "reason": "  "}, ["reason"], None),
    "follow-up proposed": ("officer", lambda w: f"/followups/new?employer={w['employer'].id}",
                           lambda w: {"kind": "", "due_date": "31/02/2023"}, ["kind", "due_date"], None),
    "follow-up rejected": ("supervisor", lambda w: f"/followups/{w['proposed'].id}/reject",
                           lambda w: {"reason": ""}, lambda w: [f"reject-reason-{w['proposed'].id}"], None),
    "follow-up rejected in the queue": ("supervisor", lambda w: f"/followups/{w['proposed'].id}/reject",
                                        lambda w: {"reason": ""}, lambda w: [f"reject-reason-{w['proposed'].id}"],
                                        lambda w: f"followup-row-{w['proposed'].id}"),
    "follow-up completed": ("officer", lambda w: f"/followups/{w['started'].id}/complete",
                            lambda w: {"outcome": ""}, ["outcome"], None),
    "return filed": ("officer", lambda w: "/returns/new",
                     lambda w: {"district_id": str(w["org"]["HN-BD"].id), "participant_group": "voluntary",
                                "month": "2023-06", "participants": "-4", "registered": "x"},
                     ["participants", "registered"], None),
    "outreach activity": ("officer", lambda w: "/outreach/new", lambda w: {"kind": ""}, ["kind"], None),
    "campaign": ("national admin", lambda w: "/admin/campaigns/new", lambda w: {"name": "", "code": "??"}, ["name", "code"],
                 None),
    "target": ("admin", lambda w: "/progress/targets/new", lambda w: {"campaign_id": "0", "metric": "coverage_pct", "value": "101"},
               ["campaign_id"], None),
    "password": ("officer", lambda w: "/account/password", lambda w: {"current": "wrong", "password": "x", "confirm": "y"},
                 ["password", "confirm"], None),
    "user": ("admin", lambda w: "/admin/users/new", lambda w: {"username": "", "full_name": ""},
             ["username", "full_name"], None),
    "org unit": ("admin", lambda w: "/admin/units/new", lambda w: {"code": "", "name": ""}, ["code", "name"], None),
    "employer": ("admin", lambda w: "/employers/new", lambda w: {"unit_code": "", "name": ""},
                 ["unit_code", "name"], None),
    "review period": ("hr", lambda w: "/reviews/new", lambda w: {"cut_off": "not a date"}, ["cut_off"], None),
    "criterion": ("hr", lambda w: f"/reviews/{w['period'].id}/criteria", lambda w: {"rule": ""}, ["rule"],
                  lambda w: "review-criteria"),
    "nomination": ("hr", lambda w: f"/reviews/{w['period'].id}/nominate?officer={w['users']['HN']['officer'].id}",
                   lambda w: {"award_title_id": "0", "officer": str(w["users"]["HN"]["officer"].id)},
                   ["award_title_id"], None),
    "award title": ("hr", lambda w: "/reviews/titles", lambda w: {"name": ""}, ["name"], None),
}


def _summary(page):
    match = re.search(r'<div class="error-summary" tabindex="-1" data-error-summary[^>]*>(.*?)</div>', page, re.S)
    assert match, "no error summary on the page"
    return match.group(1)


@pytest.mark.parametrize("name", FORMS)
def test_a_form_sent_with_errors_shows_a_summary_linking_each_field(name, app, world, client_as):
    role, url, data, ids, target = FORMS[name]
    if role == "national admin":
        client = sign_in(app.test_client(), factories.user(world["org"]["VN"], Role.admin, username="admin.vn"))
    else:
        client = client_as(role)
    client = in_english(client)
    ids = ids(world) if callable(ids) else ids
    headers = {"HX-Request": "true", "HX-Target": target(world)} if target else {}
    before = _rows()
    response = client.post(url(world), data=data(world), headers=headers)
    page = response.get_data(as_text=True)
    assert response.status_code in (400, 409, 422), (response.status_code, page[:300])
    summary = _summary(page)
    links = re.findall(r'<a href="#([^"]+)"', summary)
    assert set(ids) <= set(links), links
    for field_id in links:
        assert f'id="{field_id}"' in page, f"the summary links to #{field_id}, which is not on the page"
    count = len(re.findall(r"<li>", summary))
    assert re.search(rf"There (is|are) {count} errors? to correct", summary)
    assert _rows() == before


def test_the_summary_speaks_vietnamese(world, client_as):
    client = client_as("supervisor")
    page = client.post(f"/visits/{world['visit'].id}/review", data={"decision": "return"}).get_data(as_text=True)
    assert "Có 1 lỗi cần sửa" in _summary(page)


def test_a_form_without_errors_shows_no_summary(world, client_as):
    page = client_as("supervisor").get(f"/visits/{world['visit'].id}").get_data(as_text=True)
    assert "data-error-summary" not in page


def test_a_success_after_an_htmx_action_is_said_next_to_it(world, client_as):
    client = in_english(client_as("hr"))
    response = client.post(f"/reviews/{world['period'].id}/criteria",
                           data={"rule": "registrations_assisted_at_least", "applies_to": "individual",
                                 "threshold": "5"},
                           headers={"HX-Request": "true", "HX-Target": "review-criteria"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert 'id="criteria-notice">Criterion added.</p>' in page
    # Nothing waits to be flashed on the next page instead.
    assert "Criterion added." not in client.get("/").get_data(as_text=True)
