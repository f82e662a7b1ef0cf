"""Awards that stand up to scrutiny: a nominee who fails a criterion is endorsed
or approved only with a written justification; an approved award is revoked
with its reason and decision, and every dossier that printed it says so;
criteria over the campaign's own figures."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.extensions import db
from fieldops.timeutil import local_today
from fieldops.reviews import nomination_operations, operations
from tests import factories
from tests.review_helpers import audit_actions, counts, error_beside, in_english, period_with, rv  # noqa: F401

SCRIPT = '<script>alert("x")</script><b>đậm</b>'


@pytest.fixture
def awards(rv):
    """The Hà Nội interim review, closed: registrations at least 20 for officers. officer.hn
    (12 registrations) fails it, Trần Thị Ngọc Hà (38) meets it."""
    titles = factories.award_titles()
    period = period_with(rv, [("registrations_assisted_at_least", "individual", 20)])
    operations.close_period(rv["hr"], period)
    failing = factories.nomination(rv["hr"], period, rv["officer"], titles["Lao động tiên tiến"],
                                   narrative="Báo cáo của cán bộ chưa đạt tiêu chí.")
    meeting = factories.nomination(rv["hr"], period, rv["team_officer"], titles["Chiến sĩ thi đua cơ sở"],
                                   narrative="Báo cáo của cán bộ đạt tiêu chí.")
    db.session.commit()
    return rv | {"period": period, "titles": titles, "failing": failing, "meeting": meeting}


def _hr(client_as):
    return in_english(client_as("hr"))


def test_a_failing_nominee_is_endorsed_only_with_a_written_justification(awards, client_as):
    client = _hr(client_as)
    n = awards["failing"]
    url = f"/reviews/nominations/{n.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="override-notice"' in page and 'name="justification"' in page
    before = counts()
    page = client.post(f"{url}/endorse", data={"endorser_name": "Phạm Minh Tuấn", "note": ""})
    assert page.status_code == 422
    assert error_beside(page.get_data(as_text=True), "justification") == (
        "This nominee fails a criterion: write why they are proposed all the same.")
    page = client.post(f"{url}/endorse", data={"endorser_name": "Phạm Minh Tuấn", "justification": "   \n  "})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "justification")
    page = client.post(f"{url}/endorse", data={"endorser_name": "Phạm Minh Tuấn", "justification": "x" * 1_000_000})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "justification") == (
        "The justification is too long (at most 5000 characters).")
    assert counts() == before
    db.session.refresh(n)
    assert n.state == "proposed" and n.justification == ""

    response = client.post(f"{url}/endorse", data={"endorser_name": "Phạm Minh Tuấn", "justification": SCRIPT})
    assert response.status_code == 302
    db.session.refresh(n)
    assert n.state == "endorsed" and n.justification == SCRIPT and n.justified_by_id == awards["hr"].id
    assert audit_actions("nomination", n.id)[-2:] == ["nomination.endorse", "nomination.override"]
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.override")).one()
    assert event.after["failing"] == ["registrations_assisted_at_least"] and event.after["step"] == "endorse"
    # Shown, as text, on the nomination, in the list and on the review's page (counted).
    for path in (url, f"/reviews/{awards['period'].id}/nominations"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in client.get(url).get_data(as_text=True)
    assert 'data-override="1"' in client.get(f"/reviews/{awards['period'].id}/nominations").get_data(as_text=True)
    assert 'data-overrides="1"' in client.get(f"/reviews/{awards['period'].id}").get_data(as_text=True)

    # The council approves on the endorsement's justification: no second override.
    assert client.post(f"{url}/decide", data={"decision": "approved", "votes_for": 5, "votes_against": 1,
                                              "votes_abstain": 0, "justification": SCRIPT}).status_code == 302
    db.session.refresh(n)
    assert n.state == "approved" and audit_actions("nomination", n.id).count("nomination.override") == 1


def test_a_nominee_who_meets_every_criterion_needs_no_justification(awards, client_as):
    client = _hr(client_as)
    n = awards["meeting"]
    assert 'id="override-notice"' not in client.get(f"/reviews/nominations/{n.id}").get_data(as_text=True)
    assert client.post(f"/reviews/nominations/{n.id}/endorse", data={"endorser_name": "Phạm Minh Tuấn"}).status_code == 302
    assert client.post(f"/reviews/nominations/{n.id}/decide", data={
        "decision": "approved", "votes_for": 5, "votes_against": 0, "votes_abstain": 0}).status_code == 302
    db.session.refresh(n)
    assert n.state == "approved" and n.justification == "" and "nomination.override" not in audit_actions("nomination", n.id)


def test_approving_a_failing_nominee_needs_a_justification_too(awards, client_as):
    n = awards["failing"]
    nomination_operations.endorse(awards["hr"], n, "Phạm Minh Tuấn", "", justification="Địa bàn khó khăn.")
    # The justification is cleared meanwhile (as an edit would): approving asks for one again.
    n.justification = ""
    db.session.commit()
    client = _hr(client_as)
    page = client.post(f"/reviews/nominations/{n.id}/decide", data={
        "decision": "approved", "votes_for": 5, "votes_against": 0, "votes_abstain": 0})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "justification")
    # Rejecting needs none.
    assert client.post(f"/reviews/nominations/{n.id}/decide", data={
        "decision": "rejected", "votes_for": 1, "votes_against": 5, "votes_abstain": 0}).status_code == 302


def _approved(awards):
    n = awards["meeting"]
    nomination_operations.endorse(awards["hr"], n, "Phạm Minh Tuấn", "")
    nomination_operations.decide(awards["hr"], n, True, 7, 0, 1, "")
    db.session.commit()
    return n


def test_an_approved_award_is_revoked_with_its_reason_and_decision(awards, client_as, client):
    client_hr = _hr(client_as)
    # Not yet approved: nothing to revoke.
    page = client_hr.post(f"/reviews/nominations/{awards['failing'].id}/revoke", data={
        "reason": "Số liệu sai", "decision_number": "12/QĐ-BHXH", "decision_date": local_today().isoformat()})
    assert page.status_code == 409
    n = _approved(awards)
    first = factories.dossier_row(awards["hr"], awards["period"], awards["org"]["HN-BD"])
    db.session.commit()
    url = f"/reviews/nominations/{n.id}"
    assert 'id="nomination-revoke"' in client_hr.get(url).get_data(as_text=True)
    before = counts()
    today = local_today().isoformat()
    for data, field, message in (
            ({"decision_number": "12/QĐ-BHXH", "decision_date": today}, "reason",
             "Give the reason for revoking the award."),
            ({"reason": "Số liệu sai", "decision_date": today}, "decision_number",
             "Give the number of the decision that revokes the award."),
            ({"reason": "Số liệu sai", "decision_number": "12/QĐ-BHXH"}, "decision_date",
             "Give the date of the decision that revokes the award."),
            ({"reason": "Số liệu sai", "decision_number": "12/QĐ-BHXH",
              "decision_date": (local_today() + timedelta(days=3)).isoformat()}, "decision_date",
             "The decision cannot be dated before the award or in the future."),
            ({"reason": "x" * 1_001, "decision_number": "12/QĐ-BHXH", "decision_date": today}, "reason",
             "The reason is too long (at most 1000 characters).")):
        page = client_hr.post(f"{url}/revoke", data=data)
        assert page.status_code == 422, data
        assert error_beside(page.get_data(as_text=True), field) == message, data
    assert counts() == before
    # Only HR revokes.
    assert in_english(client_as("supervisor")).post(f"{url}/revoke", data={
        "reason": "Số liệu sai", "decision_number": "12/QĐ-BHXH", "decision_date": today}).status_code == 403

    assert client_hr.post(f"{url}/revoke", data={"reason": SCRIPT, "decision_number": "12/QĐ-BHXH",
                                                 "decision_date": today}).status_code == 302
    db.session.refresh(n)
    assert (n.state, n.revoke_reason, n.revoke_decision_number, n.revoke_decision_date) == (
        "revoked", SCRIPT, "12/QĐ-BHXH", local_today())
    # The council's decision stays: the nomination keeps its history.
    assert (n.votes_for, n.votes_against, n.decided_at is not None) == (7, 0, True)
    assert audit_actions("nomination", n.id)[-1] == "nomination.revoke"
    html = client_hr.get(url).get_data(as_text=True)
    assert 'id="nomination-revocation"' in html and "<script>alert" not in html
    # Revoking twice: refused, nothing changed.
    before = counts()
    page = client_hr.post(f"{url}/revoke", data={"reason": "Lần hai", "decision_number": "13/QĐ-BHXH",
                                                 "decision_date": today})
    assert page.status_code == 409 and "This award is already revoked." in page.get_data(as_text=True)
    assert counts() == before
    # The ranking shows it.
    ranking = client_hr.get(f"/reviews/{awards['period'].id}/ranking").get_data(as_text=True)
    assert f'data-key="user:{awards["team_officer"].id}"' in ranking and 'data-revoked="1"' in ranking
    # The dossier printed before says so to anyone holding it, and in detail to the area.
    public = in_english(client).get(f"/verify/{first.verification_code}").get_data(as_text=True)
    assert 'data-revoked="1"' in public and "12/QĐ-BHXH" in public and 'data-agrees="0"' in public
    detail = client_hr.get(f"/verify/{first.verification_code}").get_data(as_text=True)
    assert '<li data-figure="award">Trần Thị Ngọc Hà: The award</li>' in detail
    # A later dossier prints it as revoked.
    later = factories.dossier_row(awards["hr"], awards["period"], awards["org"]["HN-BD"])
    db.session.commit()
    printed = next(x for x in later.snapshot["nominees"] if x["nomination_id"] == n.id)
    assert printed["state"] == "revoked" and printed["revocation"]["number"] == "12/QĐ-BHXH"
    preview = client_hr.get(f"/reviews/dossiers/{later.id}/preview").get_data(as_text=True)
    assert "12/QĐ-BHXH" in preview and "<script>alert" not in preview


def test_criteria_over_the_campaigns_own_figures(rv, client_as):
    """People registered, all groups and the new-voluntary rate, for officers, teams and units."""
    from fieldops.reviews import standings

    period = period_with(rv)
    client = _hr(client_as)
    url = f"/reviews/{period.id}/criteria"
    before = counts()
    page = client.post(url, data={"rule": "figure_at_least", "applies_to": "both", "threshold": "80"})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "metric") == (
        "Choose the campaign figure of this criterion.")
    page = client.post(url, data={"rule": "figure_at_least", "metric": "new_voluntary_pct", "applies_to": "both",
                                  "threshold": "120"})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "threshold") == (
        "A percentage cannot be over 100.")
    page = client.post(url, data={"rule": "figure_at_least", "metric": "registered_all", "applies_to": "both",
                                  "threshold": "10.5"})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "threshold") == "Give a whole number."
    page = client.post(url, data={"rule": "figure_at_least", "metric": "nonsense", "applies_to": "both",
                                  "threshold": "10"})
    assert page.status_code == 422
    assert counts() == before
    assert client.post(url, data={"rule": "figure_at_least", "metric": "new_voluntary_pct", "applies_to": "both",
                                  "threshold": "80"}).status_code == 302
    assert client.post(url, data={"rule": "figure_at_least", "metric": "registered_all", "applies_to": "collective",
                                  "threshold": "120"}).status_code == 302
    # Both figures may be set, each once.
    page = client.post(url, data={"rule": "figure_at_least", "metric": "registered_all", "applies_to": "collective",
                                  "threshold": "100"})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "rule") == (
        "This rule is already set for these nominees.")
    # Ba Đình's returns: 30 voluntary participants registered; 10 new, 9 of them registered (90%).
    factories.group_return(rv["officer"], rv["org"]["HN-BD"], month=date(2023, 5, 1), figures=(50, 30, 10, 9))
    db.session.commit()
    db.session.refresh(period)
    officers = {i["key"]: i for i in standings.live(period, rv["org"]["HN"], units=[])}
    units = {i["key"]: i for i in standings.live(period, rv["org"]["HN"], people=[])}
    officer = officers[f"user:{rv['officer'].id}"]
    rate = next(r for r in officer["results"] if r.get("metric") == "new_voluntary_pct")
    assert rate["passed"] and rate["value"] == 90.0  # the district's returns
    district = units[f"unit:{rv['org']['HN-BD'].id}"]
    # Employer channel as of the cut-off (Ánh Dương 50 registered, Sông Hồng: no verified line yet) + 30.
    assert district["figures"]["registered_all"] == 50 + 30
    total = next(r for r in district["results"] if r.get("metric") == "registered_all")
    assert not total["passed"] and total["value"] == 80
    team = units[f"unit:{rv['org']['HN-BD-T1'].id}"]
    assert team["figures"]["new_voluntary"] == 10 and team["figures"]["outside_registered"] == 0
    # In words, in the reader's language.
    html = client.get(f"/reviews/{period.id}/ranking?who=units").get_data(as_text=True)
    assert "People registered, all groups: only 80; at least 120 required" in html
    html = client.get(f"/reviews/{period.id}").get_data(as_text=True)
    assert "New voluntary participants registered (%): at least 80%" in html
