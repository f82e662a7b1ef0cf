"""Follow-up pages: proposing from a visit, an obstacle or an employer; the
supervisor's queue with its filters, inline and bulk decisions; the officer's
queue; refusals answered with a clear message and nothing changed."""
import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from fieldops.extensions import db
from fieldops.followups import operations as ops
from fieldops.followups.models import FollowUp
from fieldops.timeutil import format_date, local_today
from tests import factories
from tests.conftest import csrf_token_from, sign_in
from tests.followup_helpers import audit_events, counts, error_beside, fu, in_english, row  # noqa: F401



def client_for(app, user):
    return in_english(sign_in(app.test_client(), user))


def htmx(target):
    return {"HX-Request": "true", "HX-Target": target}


def propose_data(fu, **changes):
    data = {"kind": "revisit", "assignee_id": str(fu["officer"].id), "obstacle_id": "0",
            "due_date": (local_today() + timedelta(days=7)).isoformat(), "note": "Quay lại đăng ký"}
    data.update(changes)
    return data


# --- proposing ---------------------------------------------------------------------------


def test_the_visit_and_employer_pages_offer_to_propose(app, fu):
    client = client_for(app, fu["officer"])
    visit_page = client.get(f"/visits/{fu['visit'].id}").get_data(as_text=True)
    assert f"/followups/new?visit={fu['visit'].id}" in visit_page
    for obstacle in fu["visit"].obstacles:
        assert f"/followups/new?obstacle={obstacle.id}" in visit_page
    employer_page = client.get(f"/employers/{fu['employer'].id}").get_data(as_text=True)
    assert f"/followups/new?employer={fu['employer'].id}" in employer_page
    viewer = client_for(app, fu["users"]["HN"]["viewer"])
    assert "/followups/new" not in viewer.get(f"/visits/{fu['visit'].id}").get_data(as_text=True)


def test_officer_proposes_a_revisit_from_a_visit_for_themself(app, fu):
    client = client_for(app, fu["officer"])
    url = f"/followups/new?visit={fu['visit'].id}"
    form = client.get(url).get_data(as_text=True)
    assert re.search(rf'<option selected value="{fu["officer"].id}">', form)  # default: me
    response = client.post(url, data=propose_data(fu))
    assert response.status_code == 302
    followup = db.session.scalars(sa.select(FollowUp)).one()
    assert response.location.endswith(f"/followups/{followup.id}")
    assert (followup.kind, followup.state, followup.visit_id, followup.employer_id) == (
        "revisit", "proposed", fu["visit"].id, fu["employer"].id)
    assert followup.proposer_id == followup.assignee_id == fu["officer"].id
    assert [e.action for e in audit_events(followup.id)] == ["follow_up.propose"]


def test_escalating_an_obstacle_copies_its_category_and_people(app, fu):
    client = client_for(app, fu["officer"])
    obstacle = next(o for o in fu["visit"].obstacles if o.category == "otp_not_received")
    url = f"/followups/new?obstacle={obstacle.id}"
    form = client.get(url).get_data(as_text=True)
    assert re.search(r'<option selected value="escalation">', form)
    assert client.post(url, data=propose_data(fu, kind="escalation", obstacle_id=str(obstacle.id))).status_code == 302
    followup = db.session.scalars(sa.select(FollowUp)).one()
    assert (followup.obstacle_category, followup.people_affected, followup.obstacle_id) == (
        "otp_not_received", 2, obstacle.id)


def test_from_an_employer_page_an_officer_may_propose_for_a_colleague(app, fu):
    client = client_for(app, fu["officer"])
    url = f"/followups/new?employer={fu['employer'].id}"
    data = propose_data(fu, assignee_id=str(fu["officer2"].id))
    del data["obstacle_id"]  # no visit, no obstacle to choose: the form has no such field
    assert client.post(url, data=data).status_code == 302
    followup = db.session.scalars(sa.select(FollowUp)).one()
    assert (followup.visit_id, followup.assignee_id) == (None, fu["officer2"].id)


@pytest.mark.parametrize("case, field, message", [
    ("due date in the past", "due_date", "The due date cannot be in the past."),
    ("assignee outside the area", "assignee_id", "Choose an active officer of your area who covers this employer."),
    ("escalation without obstacle", "obstacle_id", "An escalation is raised from an obstacle: choose the obstacle."),
    ("no due date", "due_date", "This field is required."),
])
def test_bad_proposals_get_a_message_beside_the_field_and_save_nothing(app, fu, case, field, message):
    client = client_for(app, fu["officer"])
    changes = {
        "due date in the past": {"due_date": (local_today() - timedelta(days=1)).isoformat()},
        "assignee outside the area": {"assignee_id": str(fu["users"]["HT"]["officer"].id)},
        "escalation without obstacle": {"kind": "escalation"},
        "no due date": {"due_date": ""},
    }[case]
    numbers = counts()
    response = client.post(f"/followups/new?visit={fu['visit'].id}", data=propose_data(fu, **changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if field != "obstacle_id":
        assert error_beside(page, field) == message
    assert counts() == numbers


def test_proposing_from_something_outside_the_area_answers_404(app, fu):
    ht_officer = client_for(app, fu["users"]["HT"]["officer"])
    for query in (f"visit={fu['visit'].id}", f"employer={fu['employer'].id}",
                  f"obstacle={fu['visit'].obstacles[0].id}"):
        assert ht_officer.get(f"/followups/new?{query}").status_code == 404
        assert ht_officer.post(f"/followups/new?{query}", data=propose_data(fu)).status_code == 404
    assert counts()["followups"] == 0


def test_a_rejected_proposal_can_be_proposed_again(app, fu):
    followup = factories.followup(fu["officer"], fu["employer"], note="Tập huấn lại", kind="training",
                                  state="rejected", decider=fu["supervisor"])
    db.session.commit()
    client = client_for(app, fu["officer"])
    mine = client.get("/followups/mine").get_data(as_text=True)
    section = re.search(r'id="mine-returned">(.*?)</section>', mine, re.S).group(1)
    assert f"/followups/new?again={followup.id}" in section and "Không cần thiết" in section
    form = client.get(f"/followups/new?again={followup.id}").get_data(as_text=True)
    assert "Tập huấn lại" in form and re.search(r'<option selected value="training">', form)


# --- the supervisor's queue ---------------------------------------------------------------------


@pytest.fixture
def queue(fu):
    """Five follow-ups in Ba Đình: two proposed (one due this week), one approved and
    overdue, one in progress for officer2, one done."""
    made = {
        "proposed": factories.followup(fu["officer"], fu["employer"], due_date=local_today() + timedelta(days=20)),
        "this_week": factories.followup(fu["officer"], fu["employer"], kind="training", due_date=local_today()),
        "overdue": factories.followup(fu["officer"], fu["employer"], state="approved", decider=fu["supervisor"],
                                      due_date=date(2023, 7, 1), today=date(2023, 6, 1)),
        "officer2": factories.followup(fu["officer2"], fu["employer"], kind="data_correction",
                                       state="in_progress", decider=fu["supervisor"]),
        "done": factories.followup(fu["officer"], fu["employer"], state="done", decider=fu["supervisor"]),
    }
    db.session.commit()
    return made


def _ids(page):
    return {int(n) for n in re.findall(r'id="followup-row-(\d+)"', page)}


@pytest.mark.parametrize("query, expected", [
    ("", {"proposed", "this_week"}),  # opened afresh: what awaits the supervisor's decision
    ("state=all", {"proposed", "this_week", "overdue", "officer2", "done"}),
    ("state=", {"proposed", "this_week", "overdue", "officer2", "done"}),
    ("state=proposed", {"proposed", "this_week"}),
    ("kind=training", {"this_week"}),
    ("overdue=y&state=all", {"overdue"}),
    ("week=y", {"this_week"}),
    ("officer={officer2}&state=all", {"officer2"}),
    ("unit={team}", set()),
    ("unit={district}&state=all", {"proposed", "this_week", "overdue", "officer2", "done"}),
    ("state=nonsense&kind=nonsense&unit=99999", {"proposed", "this_week", "overdue", "officer2", "done"}),
])
def test_queue_filters(app, fu, queue, query, expected):
    client = client_for(app, fu["supervisor"])
    query = query.format(officer2=fu["officer2"].id, team=fu["org"]["HN-BD-T1"].id, district=fu["org"]["HN-BD"].id)
    page = client.get(f"/followups/?{query}").get_data(as_text=True)
    assert _ids(page) == {queue[name].id for name in expected}


def test_queue_counts_per_state_and_overdue_shows(app, fu, queue):
    client = client_for(app, fu["supervisor"])
    page = client.get("/followups/?state=all").get_data(as_text=True)
    counts_bar = re.search(r'id="followup-counts"[^>]*>(.*?)</nav>', page, re.S).group(1)
    found = dict(re.findall(r'data-state="(\w+)">[^<]*<strong>(\d+)</strong>', counts_bar))
    assert found == {"proposed": "2", "approved": "1", "rejected": "0", "in_progress": "1", "done": "1",
                     "cancelled": "0"}
    overdue_row = re.search(rf'<tr id="followup-row-{queue["overdue"].id}".*?</tr>', page, re.S).group(0)
    assert "is-overdue" in overdue_row and "Overdue" in overdue_row
    # htmx asks for the results only: the fragment, not the page.
    fragment = client.get("/followups/?kind=training", headers=htmx("followup-results")).get_data(as_text=True)
    assert "<html" not in fragment and _ids(fragment) == {queue["this_week"].id}


def test_approve_inline_swaps_the_row(app, fu, queue):
    client = client_for(app, fu["supervisor"])
    followup = queue["proposed"]
    response = client.post(f"/followups/{followup.id}/approve", data={},
                           headers=htmx(f"followup-row-{followup.id}"))
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<tr id="followup-row-{followup.id}"') and "Approved" in fragment
    assert response.headers["HX-Trigger"] == "followups-changed"  # the counts refresh themselves
    assert row(followup.id)["state"] == "approved"


def test_plain_post_approve_redirects_back_to_the_queue(app, fu, queue):
    client = client_for(app, fu["supervisor"])
    followup = queue["proposed"]
    response = client.post(f"/followups/{followup.id}/approve", data={"next": "/followups/?state=proposed"})
    assert response.status_code == 302 and response.location == "/followups/?state=proposed"
    response = client.post(f"/followups/{queue['this_week'].id}/approve", data={"next": "https://evil.example/"})
    assert response.location.endswith(f"/followups/{queue['this_week'].id}")


def test_the_second_decider_is_told_who_decided_and_how(app, fu, queue):
    followup = queue["proposed"]
    first = client_for(app, fu["supervisor2"])
    second = client_for(app, fu["supervisor"])
    assert first.post(f"/followups/{followup.id}/reject", data={"reason": "Trùng lịch"}).status_code == 302
    numbers = counts()
    response = second.post(f"/followups/{followup.id}/approve", data={},
                           headers=htmx(f"followup-row-{followup.id}"))
    assert response.status_code == 409
    fragment = response.get_data(as_text=True)
    assert "Trịnh Quốc Bảo already rejected this follow-up" in fragment and "Trùng lịch" in fragment
    plain = second.post(f"/followups/{followup.id}/approve", data={})
    assert plain.status_code == 409 and "Trịnh Quốc Bảo already rejected" in plain.get_data(as_text=True)
    assert row(followup.id)["state"] == "rejected" and counts() == numbers


def test_reject_inline_without_a_reason_says_so_and_changes_nothing(app, fu, queue):
    client = client_for(app, fu["supervisor"])
    followup = queue["proposed"]
    before, numbers = row(followup.id), counts()
    response = client.post(f"/followups/{followup.id}/reject", data={"reason": "  "},
                           headers=htmx(f"followup-row-{followup.id}"))
    assert response.status_code == 422 and "Give a reason." in response.get_data(as_text=True)
    assert row(followup.id) == before and counts() == numbers


def test_approving_your_own_proposal_is_refused_with_a_message(app, fu):
    followup = ops.propose_followup(fu["supervisor"], kind="training", employer=fu["employer"],
                                    assignee=fu["officer"], due_date=local_today() + timedelta(days=3))
    db.session.commit()
    client = client_for(app, fu["supervisor"])
    page = client.get("/followups/").get_data(as_text=True)
    own_row = re.search(rf'<tr id="followup-row-{followup.id}".*?</tr>', page, re.S).group(0)
    assert "/approve" not in own_row and "/reject" in own_row
    response = client.post(f"/followups/{followup.id}/approve", data={})
    assert response.status_code == 403
    assert "another supervisor must approve it" in response.get_data(as_text=True)
    assert row(followup.id)["state"] == "proposed"


def test_a_forbidden_transition_is_explained(app, fu, queue):
    client = client_for(app, fu["officer"])
    response = client.post(f"/followups/{queue['done'].id}/start", data={})
    assert response.status_code == 409
    assert "This cannot be done to a follow-up that is “Done”." in response.get_data(as_text=True)


def test_reassigning_outside_the_area_is_refused_with_a_message(app, fu, queue):
    client = client_for(app, fu["supervisor"])
    followup = queue["overdue"]
    before = row(followup.id)
    response = client.post(f"/followups/{followup.id}/reassign",
                           data={"assignee_id": str(fu["users"]["HT"]["officer"].id)})
    assert response.status_code == 422
    assert "Choose an active officer of your area who covers this employer." in response.get_data(as_text=True)
    assert row(followup.id) == before
    ok = client.post(f"/followups/{followup.id}/reassign", data={"assignee_id": str(fu["officer2"].id)})
    assert ok.status_code == 302 and row(followup.id)["assignee_id"] == fu["officer2"].id


@pytest.mark.parametrize("endpoint, role", [("approve", "supervisor"), ("reject", "supervisor"),
                                            ("cancel", "supervisor"), ("start", "officer"), ("complete", "officer")])
def test_another_province_cannot_reach_a_follow_up(app, fu, queue, endpoint, role):
    client = client_for(app, fu["users"]["HT"][role])
    followup = queue["proposed"]
    before = row(followup.id)
    assert client.post(f"/followups/{followup.id}/{endpoint}", data={"reason": "x", "outcome": "x"}).status_code == 404
    assert client.get(f"/followups/{followup.id}").status_code == 404
    assert row(followup.id) == before


# --- bulk ------------------------------------------------------------------------------------


def _bulk(client, ids, decision, reason=""):
    return client.post("/followups/bulk", data={"ids": [str(i) for i in ids], "decision": decision,
                                                "reason": reason, "next": "/followups/?state=proposed"})


def test_bulk_approve_writes_one_audit_event_per_follow_up(app, fu):
    made = [factories.followup(fu["officer"], fu["employer"]) for _ in range(3)]
    db.session.commit()
    client = client_for(app, fu["supervisor"])
    response = _bulk(client, [f.id for f in made], "approve")
    assert response.status_code == 302 and response.location == "/followups/?state=proposed"
    for followup in made:
        assert row(followup.id)["state"] == "approved"
        assert [e.action for e in audit_events(followup.id)] == ["follow_up.propose", "follow_up.approve"]
    assert "3 follow-ups approved." in client.get(response.location).get_data(as_text=True)


def test_bulk_reject_needs_one_reason_for_all(app, fu):
    made = [factories.followup(fu["officer"], fu["employer"]) for _ in range(2)]
    db.session.commit()
    client = client_for(app, fu["supervisor"])
    numbers = counts()
    refused = _bulk(client, [f.id for f in made], "reject")
    assert "Give a reason." in client.get(refused.location).get_data(as_text=True)
    assert counts() == numbers and all(row(f.id)["state"] == "proposed" for f in made)
    _bulk(client, [f.id for f in made], "reject", "Chưa cần")
    assert [(row(f.id)["state"], row(f.id)["reason"]) for f in made] == [("rejected", "Chưa cần")] * 2


def test_bulk_reports_what_it_could_not_decide(app, fu):
    mine = ops.propose_followup(fu["supervisor"], kind="training", employer=fu["employer"], assignee=fu["officer"],
                                due_date=local_today())
    decided = factories.followup(fu["officer"], fu["employer"], state="approved", decider=fu["supervisor2"])
    fresh = factories.followup(fu["officer"], fu["employer"])
    db.session.commit()
    client = client_for(app, fu["supervisor"])
    page = client.get(_bulk(client, [mine.id, decided.id, fresh.id], "approve").location).get_data(as_text=True)
    assert "1 follow-up approved." in page
    assert f"Not decided: #{mine.id}" in page and f"Not decided: #{decided.id}" in page
    assert [row(f.id)["state"] for f in (mine, decided, fresh)] == ["proposed", "approved", "approved"]


def test_bulk_with_an_id_outside_the_area_answers_404_and_changes_nothing(app, fu):
    here = factories.followup(fu["officer"], fu["employer"])
    there = factories.followup(fu["users"]["HT"]["officer"], fu["ht_employer"])
    db.session.commit()
    client = client_for(app, fu["supervisor"])
    assert _bulk(client, [here.id, there.id], "approve").status_code == 404
    assert row(here.id)["state"] == row(there.id)["state"] == "proposed"


# --- the officer's side -------------------------------------------------------------------------


def test_officer_queue_sorts_follow_ups_by_what_to_do_next(app, fu, queue):
    soon = factories.followup(fu["officer"], fu["employer"], state="approved", decider=fu["supervisor"],
                              due_date=local_today() + timedelta(days=3))
    later = factories.followup(fu["officer"], fu["employer"], state="in_progress", decider=fu["supervisor"],
                               due_date=local_today() + timedelta(days=30))
    db.session.commit()
    page = client_for(app, fu["officer"]).get("/followups/mine").get_data(as_text=True)

    def section(name):
        body = re.search(rf'id="mine-{name}">(.*?)</section>', page, re.S).group(1)
        return {int(n) for n in re.findall(r'id="followup-card-(\d+)"', body)}, body

    overdue, body = section("overdue")
    assert overdue == {queue["overdue"].id} and "/start" in body
    assert section("due-soon")[0] == {soon.id}
    assigned, body = section("assigned")
    assert assigned == {later.id} and f"/followups/{later.id}/complete" in body
    assert section("waiting")[0] == {queue["proposed"].id, queue["this_week"].id}


def test_officer_starts_with_one_tap_and_completes(app, fu, queue):
    client = client_for(app, fu["officer"])
    followup = queue["overdue"]
    response = client.post(f"/followups/{followup.id}/start", data={}, headers=htmx(f"followup-card-{followup.id}"))
    assert response.status_code == 200 and f"/followups/{followup.id}/complete" in response.get_data(as_text=True)
    again = client.post(f"/followups/{followup.id}/start", data={}, headers=htmx(f"followup-card-{followup.id}"))
    assert again.status_code == 200  # a double tap is no error
    assert len([e for e in audit_events(followup.id) if e.action == "follow_up.start"]) == 1

    empty = client.post(f"/followups/{followup.id}/complete", data={"outcome": "", "done_visit_id": "0"})
    assert empty.status_code == 422 and error_beside(empty.get_data(as_text=True), "outcome") == "Describe the outcome."
    assert row(followup.id)["state"] == "in_progress"
    done = client.post(f"/followups/{followup.id}/complete",
                       data={"outcome": "Đăng ký thêm 12 người", "done_visit_id": str(fu["visit"].id)})
    assert done.status_code == 302
    assert (row(followup.id)["state"], row(followup.id)["done_visit_id"]) == ("done", fu["visit"].id)


def test_home_shows_my_follow_ups_due(app, fu, queue):
    employer = html.escape(queue["overdue"].employer.name)
    page = client_for(app, fu["officer"]).get("/").get_data(as_text=True)
    section = re.search(r'id="home-followups-due">(.*?)</section>', page, re.S).group(1)
    assert f'id="followup-card-{queue["overdue"].id}"' in section and employer in section
    assert f'id="followup-card-{queue["done"].id}"' not in section


# --- notifications and CSRF --------------------------------------------------------------------


def test_the_badge_counts_unseen_notices_and_the_page_marks_them_seen(app, fu, queue):
    client = client_for(app, fu["officer"])
    client.get("/followups/notices")
    assert 'data-count=' not in client.get("/").get_data(as_text=True)
    approver = client_for(app, fu["supervisor"])
    approver.post(f"/followups/{queue['proposed'].id}/approve", data={})
    approver.post(f"/followups/{queue['this_week'].id}/reject", data={"reason": "Chưa cần"})
    badge = re.search(r'data-count="(\d+)"', client.get("/").get_data(as_text=True))
    assert badge and badge.group(1) == "2"
    notices = client.get("/followups/notices").get_data(as_text=True)
    assert "rejected and returned to you" in notices and notices.count('class="is-new"') == 2
    assert 'data-count=' not in client.get("/").get_data(as_text=True)


@pytest.fixture
def csrf_after_sign_in(app):
    yield lambda: app.config.update(WTF_CSRF_ENABLED=True)
    app.config["WTF_CSRF_ENABLED"] = False


def test_state_changes_need_the_csrf_token(app, fu, queue, csrf_after_sign_in):
    client = sign_in(app.test_client(), fu["supervisor"])
    csrf_after_sign_in()
    followup = queue["proposed"]
    assert client.post(f"/followups/{followup.id}/approve", data={}).status_code == 400
    assert row(followup.id)["state"] == "proposed"
    token = csrf_token_from(client.get("/followups/").get_data(as_text=True))
    response = client.post(f"/followups/{followup.id}/approve", data={},
                           headers=htmx(f"followup-row-{followup.id}") | {"X-CSRFToken": token})
    assert response.status_code == 200 and row(followup.id)["state"] == "approved"


def test_a_cancelled_follow_up_says_who_cancelled_it_and_when(app, fu, queue):
    # An officer opening it later sees the cancellation, not only the approval before it.
    followup = queue["officer2"]
    client = client_for(app, fu["supervisor"])
    assert client.post(f"/followups/{followup.id}/cancel", data={"reason": "Doanh nghiệp đã tự làm"}).status_code == 302
    page = client_for(app, fu["officer2"]).get(f"/followups/{followup.id}").get_data(as_text=True)
    cancelled = page.split('id="followup-cancelled">', 1)[1].split("</dd>", 1)[0]
    assert fu["supervisor"].full_name in cancelled
    assert format_date(local_today()) in cancelled
    assert "Doanh nghiệp đã tự làm" in page
