"""Nominations: individual or collective, a title from the configurable list, the
report pre-filled from the figures, the leader's endorsement, the council's vote;
every step audited; bad input refused with nothing changed."""
import re

import pytest
import sqlalchemy as sa

from fieldops.extensions import db
from fieldops.reviews.models import AwardTitle, Nomination, NominationState
from tests import factories
from tests.review_helpers import audit_actions, counts, error_beside, flashes, in_english, period_with, rv  # noqa: F401

SCRIPT = '<script>alert("x")</script><b>đậm</b>'


@pytest.fixture
def nom(rv):
    titles = factories.award_titles()
    period = period_with(rv, [("registrations_assisted_at_least", "individual", 20),
                              ("no_returned_visit_uncorrected", "both", None)])
    return rv | {"titles": titles, "period": period}


def _hr(client_as):
    return in_english(client_as("hr"))


def test_the_form_is_prefilled_and_shows_failing_criteria(nom, client_as):
    client = _hr(client_as)
    html = client.get(f"/reviews/{nom['period'].id}/nominate?officer={nom['officer'].id}").get_data(as_text=True)
    assert 'id="ineligible-notice"' in html
    failing = re.findall(r'data-rule="(\w+)" data-passed="0"', html)
    assert failing == ["registrations_assisted_at_least", "no_returned_visit_uncorrected"]
    assert "Only 12 registrations assisted; at least 20 required" in html
    # The report is drafted from the figures (in the dossier's language).
    narrative = re.search(r'<textarea[^>]*name="narrative"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert nom["officer"].full_name in narrative and "12" in narrative
    # The titles offered fit an individual.
    assert "Lao động tiên tiến" in html and "Tập thể lao động xuất sắc" not in html


def test_hr_nominates_an_ineligible_officer_and_the_nomination_says_why(nom, client_as):
    client = _hr(client_as)
    title = nom["titles"]["Lao động tiên tiến"]
    response = client.post(f"/reviews/{nom['period'].id}/nominate", data={
        "officer": nom["officer"].id, "award_title_id": title.id, "narrative": "Hoàn thành xuất sắc nhiệm vụ."})
    assert response.status_code == 302
    nomination = db.session.scalars(sa.select(Nomination)).one()
    assert (nomination.kind, nomination.user_id, nomination.state) == ("individual", nom["officer"].id, "proposed")
    html = client.get(response.location).get_data(as_text=True)
    assert "Not eligible" in html and "1 returned visits not yet corrected" in html
    assert audit_actions("nomination", nomination.id) == ["nomination.create"]
    # The same officer twice: refused.
    before = counts()
    again = client.post(f"/reviews/{nom['period'].id}/nominate", data={
        "officer": nom["officer"].id, "award_title_id": title.id, "narrative": ""})
    assert again.status_code == 409 and "already has a nomination" in again.get_data(as_text=True)
    assert counts() == before


def test_a_collective_gets_a_collective_title(nom, client_as):
    client = _hr(client_as)
    team = nom["org"]["HN-BD-T1"]
    page = client.get(f"/reviews/{nom['period'].id}/nominate?unit={team.id}").get_data(as_text=True)
    assert "Tập thể lao động xuất sắc" in page and "Lao động tiên tiến" not in page
    before = counts()
    wrong = client.post(f"/reviews/{nom['period'].id}/nominate", data={
        "unit": team.id, "award_title_id": nom["titles"]["Lao động tiên tiến"].id, "narrative": ""})
    assert wrong.status_code == 422 and error_beside(wrong.get_data(as_text=True), "award_title_id")
    assert counts() == before
    ok = client.post(f"/reviews/{nom['period'].id}/nominate", data={
        "unit": team.id, "award_title_id": nom["titles"]["Tập thể lao động xuất sắc"].id, "narrative": "Tốt."})
    assert ok.status_code == 302
    assert db.session.scalars(sa.select(Nomination)).one().org_unit_id == team.id


def test_nominating_someone_outside_scope(nom, client_as):
    client = _hr(client_as)
    before = counts()
    title = nom["titles"]["Giấy khen"].id
    ht_officer = nom["users"]["HT"]["officer"]
    # Outside the user's area: 404, as for any id they cannot reach.
    assert client.get(f"/reviews/{nom['period'].id}/nominate?officer={ht_officer.id}").status_code == 404
    assert client.post(f"/reviews/{nom['period'].id}/nominate", data={
        "officer": ht_officer.id, "award_title_id": title, "narrative": ""}).status_code == 404
    assert client.post(f"/reviews/{nom['period'].id}/nominate", data={
        "unit": nom["org"]["HT-TP"].id, "award_title_id": title, "narrative": ""}).status_code == 404
    # Not an officer, or not a unit of this review (the organising unit itself): refused.
    assert client.get(f"/reviews/{nom['period'].id}/nominate?officer={nom['supervisor'].id}").status_code == 404
    page = client.post(f"/reviews/{nom['period'].id}/nominate", data={
        "unit": nom["org"]["HN"].id, "award_title_id": title, "narrative": ""})
    assert page.status_code == 422 and "cannot be nominated in this review" in page.get_data(as_text=True)
    # In the user's area but outside the review's (a national HR user, a Hà Nội review).
    national_hr = factories.user(nom["org"]["VN"], "hr", username="hr.vn")
    db.session.commit()
    from tests.conftest import sign_in

    national = in_english(sign_in(client.application.test_client(), national_hr))
    page = national.post(f"/reviews/{nom['period'].id}/nominate", data={
        "officer": ht_officer.id, "award_title_id": title, "narrative": ""})
    assert page.status_code == 422 and "outside the area of this review" in page.get_data(as_text=True)
    assert counts() == before


def test_a_one_megabyte_report_is_refused(nom, client_as):
    client = _hr(client_as)
    before = counts()
    page = client.post(f"/reviews/{nom['period'].id}/nominate", data={
        "officer": nom["officer"].id, "award_title_id": nom["titles"]["Giấy khen"].id, "narrative": "ư" * 1_000_000})
    assert page.status_code == 422
    assert error_beside(page.get_data(as_text=True), "narrative") == "The report is too long (at most 20000 characters)."
    assert counts() == before


def test_text_with_html_is_escaped_on_every_page(nom, client_as):
    client = _hr(client_as)
    title = AwardTitle(name=SCRIPT, applies_to="both", org_unit_id=nom["org"]["HN"].id)
    db.session.add(title)
    db.session.commit()
    response = client.post(f"/reviews/{nom['period'].id}/nominate", data={
        "officer": nom["officer"].id, "award_title_id": title.id, "narrative": SCRIPT})
    nomination = db.session.scalars(sa.select(Nomination)).one()
    assert client.post(f"/reviews/nominations/{nomination.id}/endorse", data={
        "endorser_name": SCRIPT, "note": SCRIPT, "justification": SCRIPT}).status_code == 302
    pages = [client.get(response.location), client.get(f"/reviews/{nom['period'].id}/nominations"),
             client.get("/reviews/titles"), client.get(f"/reviews/nominations/{nomination.id}/edit")]
    for page in pages:
        text = page.get_data(as_text=True)
        assert "<script>alert" not in text and "<b>đậm</b>" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;đậm&lt;/b&gt;" in pages[0].get_data(as_text=True)


def test_endorsement_and_the_councils_vote(nom, client_as):
    hr = nom["hr"]
    nomination = factories.nomination(hr, nom["period"], nom["team_officer"], nom["titles"]["Lao động tiên tiến"])
    db.session.commit()
    client = _hr(client_as)
    url = f"/reviews/nominations/{nomination.id}"
    # The council decides only what the unit's leader endorsed.
    page = client.post(f"{url}/decide", data={"decision": "approved", "votes_for": 5, "votes_against": 0,
                                              "votes_abstain": 0})
    assert page.status_code == 409
    # The leader (a supervisor of the area) endorses; the name is required.
    supervisor = in_english(client_as("supervisor"))
    page = supervisor.post(f"{url}/endorse", data={"endorser_name": "  ", "note": ""})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "endorser_name")
    assert supervisor.post(f"{url}/endorse", data={"endorser_name": "Phạm Minh Tuấn", "note": "Đồng ý"}).status_code == 302
    before = counts()
    for votes, message in (((0, 0, 0), "Record the council's votes."),
                           ((3, 3, 1), "An approval needs more votes for than against."),
                           ((900, 200, 0), "These vote counts are not plausible.")):
        page = client.post(f"{url}/decide", data={"decision": "approved", "votes_for": votes[0],
                                                  "votes_against": votes[1], "votes_abstain": votes[2]})
        assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "votes_for") == message
    page = client.post(f"{url}/decide", data={"decision": "approved", "votes_for": -1, "votes_against": 0,
                                              "votes_abstain": 0})
    assert page.status_code == 422
    assert counts() == before
    assert client.post(f"{url}/decide", data={"decision": "approved", "votes_for": 6, "votes_against": 1,
                                              "votes_abstain": 1, "note": "Thống nhất"}).status_code == 302
    db.session.refresh(nomination)
    assert (nomination.state, nomination.votes_for, nomination.votes_against, nomination.votes_abstain) == \
        (NominationState.approved, 6, 1, 1)
    assert nomination.endorser_name == "Phạm Minh Tuấn" and nomination.endorsed_by_id == nom["supervisor"].id
    html = client.get(url).get_data(as_text=True)
    assert "for 6, against 1, abstaining 1" in html
    # Decided: no more edits or withdrawal.
    assert client.post(f"{url}/withdraw", data={"reason": "x"}).status_code == 409
    assert client.post(f"{url}/edit", data={"award_title_id": nomination.award_title_id,
                                            "narrative": "khác"}).status_code == 409
    assert audit_actions("nomination", nomination.id) == ["nomination.create", "nomination.endorse",
                                                          "nomination.decide"]


def test_an_edit_after_endorsement_needs_endorsing_again(nom, client_as):
    from fieldops.reviews import nomination_operations

    title = nom["titles"]["Chiến sĩ thi đua cơ sở"]
    nomination = factories.nomination(nom["hr"], nom["period"], nom["officer"], title)
    nomination_operations.endorse(nom["hr"], nomination, "Phạm Minh Tuấn", "", justification="Địa bàn khó khăn.")
    db.session.commit()
    client = _hr(client_as)
    assert client.post(f"/reviews/nominations/{nomination.id}/edit", data={
        "award_title_id": title.id, "narrative": "Báo cáo mới."}).status_code == 302
    db.session.refresh(nomination)
    assert (nomination.state, nomination.narrative, nomination.endorsed_at) == ("proposed", "Báo cáo mới.", None)
    # The justification went with the endorsement: the next endorsement gives its own.
    assert nomination.justification == "" and nomination.justified_at is None
    page = client.post(f"/reviews/nominations/{nomination.id}/edit", data={
        "award_title_id": title.id, "narrative": "x" * 20_001})
    assert page.status_code == 422


def test_a_withdrawn_nominee_can_be_nominated_again(nom, client_as):
    title = nom["titles"]["Giấy khen"]
    nomination = factories.nomination(nom["hr"], nom["period"], nom["officer"], title)
    db.session.commit()
    client = _hr(client_as)
    page = client.post(f"/reviews/nominations/{nomination.id}/withdraw", data={"reason": ""})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "reason")
    assert client.post(f"/reviews/nominations/{nomination.id}/withdraw",
                       data={"reason": "Chuyển công tác"}).status_code == 302
    db.session.refresh(nomination)
    assert nomination.state == NominationState.withdrawn
    assert client.post(f"/reviews/{nom['period'].id}/nominate", data={
        "officer": nom["officer"].id, "award_title_id": title.id, "narrative": ""}).status_code == 302
    html = client.get(f"/reviews/{nom['period'].id}/nominations").get_data(as_text=True)
    assert html.count("data-nomination=") == 1
    assert audit_actions("nomination", nomination.id)[-1] == "nomination.withdraw"


def test_award_titles_are_managed_by_hr(nom, client_as):
    client = _hr(client_as)
    response = client.post("/reviews/titles", data={"name": "Giấy khen của Giám đốc BHXH Hà Nội",
                                                    "applies_to": "both", "scope": nom["org"]["HN"].id})
    assert response.status_code == 302
    title = db.session.scalars(sa.select(AwardTitle).where(AwardTitle.org_unit_id.is_not(None))).one()
    page = client.post("/reviews/titles", data={"name": "giấy khen của giám đốc bhxh hà nội", "applies_to": "both",
                                                "scope": nom["org"]["HN"].id})
    assert page.status_code == 422 and error_beside(page.get_data(as_text=True), "name") == \
        "This title is already in the list."
    assert client.post(f"/reviews/titles/{title.id}", data={f"t{title.id}-name": "Giấy khen",
                                                            f"t{title.id}-applies_to": "individual",
                                                            f"t{title.id}-active": "0"}).status_code == 302
    db.session.refresh(title)
    assert (title.name, title.applies_to, title.active) == ("Giấy khen", "individual", False)
    # A title no longer in use is not offered; the national list is national HR's.
    html = client.get(f"/reviews/{nom['period'].id}/nominate?officer={nom['officer'].id}").get_data(as_text=True)
    assert f'value="{title.id}"' not in html
    national = nom["titles"]["Giấy khen"]
    assert client.post(f"/reviews/titles/{national.id}", data={f"t{national.id}-name": "Khác",
                                                               f"t{national.id}-applies_to": "both",
                                                               f"t{national.id}-active": "1"}).status_code == 403
    assert client_as("hr", "HT").post(f"/reviews/titles/{title.id}", data={}).status_code == 404
    assert audit_actions("award_title", title.id) == ["award_title.create", "award_title.edit"]


def test_readers_see_nominations_but_cannot_act(nom, client_as):
    nomination = factories.nomination(nom["hr"], nom["period"], nom["officer"], nom["titles"]["Giấy khen"])
    db.session.commit()
    viewer = client_as("viewer")
    assert viewer.get(f"/reviews/nominations/{nomination.id}").status_code == 200
    assert viewer.post(f"/reviews/nominations/{nomination.id}/decide", data={}).status_code == 403
    html = client_as("supervisor").get(f"/reviews/nominations/{nomination.id}").get_data(as_text=True)
    assert 'id="nomination-endorse"' in html and 'id="nomination-decide"' not in html
    assert flashes(html) == []
