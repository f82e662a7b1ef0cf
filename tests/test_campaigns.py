"""Campaign set-up: a national admin creates and edits campaigns; bad input is
refused beside its field with nothing changed; a change that would leave the
campaign's visits, returns or reviews outside it, or drop a group its returns
use, is refused; every change is audited; others are refused. Which campaign a
page or command is about: the one asked for, else the one in force."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import Role
from fieldops.campaigns.models import Campaign, CampaignState
from fieldops.campaigns.queries import campaign_dates, campaign_in_force, chosen_campaign, counting_from
from fieldops.extensions import db
from tests import factories
from tests.conftest import sign_in
from tests.visit_helpers import error_beside, in_english

GROUPS = ["compulsory", "voluntary", "household", "students", "other"]


def form(**changes):
    data = {"name": "Phong trào thi đua năm 2024", "code": "2024", "decision_number": "112/QĐ-BHXH",
            "decision_date": "2024-02-20", "starts_on": "2024-03-01", "ends_on": "2024-12-31",
            "counts_from": "2024-01-01", "participant_groups": GROUPS, "state": "draft"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def national_admin(org):
    made = factories.user(org["VN"], Role.admin, username="admin.vn")
    db.session.commit()
    return made


@pytest.fixture
def admin(app, national_admin):
    return in_english(sign_in(app.test_client(), national_admin))


def campaigns():
    return db.session.scalars(sa.select(Campaign).order_by(Campaign.id)).all()


def events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_a_national_admin_sets_up_a_campaign(admin, national_admin):
    response = admin.post("/admin/campaigns/new", data=form())
    assert response.status_code == 302, response.get_data(as_text=True)
    [made] = campaigns()
    assert (made.name, made.code, made.decision_number, made.decision_date, made.starts_on, made.ends_on,
            made.counts_from, made.participant_groups, made.state) == (
        "Phong trào thi đua năm 2024", "2024", "112/QĐ-BHXH", date(2024, 2, 20), date(2024, 3, 1),
        date(2024, 12, 31), date(2024, 1, 1), GROUPS, CampaignState.draft)
    [event] = events("campaign.create")
    assert event.actor_id == national_admin.id and event.after["code"] == "2024"
    assert event.after["decision_date"] == "2024-02-20"
    listing = admin.get("/admin/campaigns/").get_data(as_text=True)
    row = listing.split('data-campaign="2024"', 1)[1].split("</tr>", 1)[0]
    assert "112/QĐ-BHXH of 20/02/2024" in row and "01/03/2024 – 31/12/2024" in row and "Draft" in row


def test_an_edit_saves_the_changes_and_audits_what_changed(admin, org):
    campaign = factories.campaign()
    db.session.commit()
    page = admin.get(f"/admin/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'value="2023-05-05"' in page and 'name="participant_groups"' in page
    response = admin.post(f"/admin/campaigns/{campaign.id}", data=form(
        name="Phong trào 2023", code="2023", decision_number="336/QĐ-BHXH", decision_date="2023-03-13",
        starts_on="2023-05-05", ends_on="2023-12-31", counts_from="2023-01-01", state="active"))
    assert response.status_code == 302
    db.session.refresh(campaign)
    assert (campaign.code, campaign.decision_number, campaign.decision_date) == ("2023", "336/QĐ-BHXH",
                                                                                date(2023, 3, 13))
    [event] = events("campaign.edit")
    assert set(event.after) == {"name", "code", "decision_number", "decision_date"}
    assert event.before["code"] is None and event.after["code"] == "2023"
    # The same values again: nothing to record.
    admin.post(f"/admin/campaigns/{campaign.id}", data=form(
        name="Phong trào 2023", code="2023", decision_number="336/QĐ-BHXH", decision_date="2023-03-13",
        starts_on="2023-05-05", ends_on="2023-12-31", counts_from="2023-01-01", state="active"))
    assert len(events("campaign.edit")) == 1
    # By its code too.
    assert admin.get("/admin/campaigns/2023").status_code == 200
    assert admin.get("/admin/campaigns/nope").status_code == 404
    assert admin.get("/admin/campaigns/%00").status_code == 404
    assert admin.get("/admin/campaigns/" + "9" * 5000).status_code == 404


@pytest.mark.parametrize("changes, field, message", [
    ({"counts_from": "2025-01-01"}, "counts_from", "Results cannot count from after the campaign ends (31/12/2024)."),
    ({"counts_from": "2024-04-01"}, "counts_from", "Results count from the first day of the campaign or earlier"),
    ({"ends_on": "2024-02-01"}, "ends_on", "The campaign cannot end before it starts."),
    ({"starts_on": ""}, "starts_on", "Enter the first day."),
    ({"ends_on": "20244-01-01"}, "ends_on", "Not a valid date value."),
    ({"ends_on": "2999-12-31"}, "ends_on", "Enter a date between 2000 and 2100."),
    ({"name": ""}, "name", "Give the campaign a name."),
    ({"name": "x" * 300}, "name", "Field cannot be longer than 255 characters."),
    ({"name": "<script>alert(1)</script>"}, "name", "without markup"),
    ({"name": "Phong trào\x00"}, "name", "a character that is not allowed"),
    ({"code": ""}, "code", "Give a short code, such as 2024."),
    ({"code": "20 24"}, "code", "Use letters, digits and dashes only."),
    ({"code": "<b>2024</b>"}, "code", "Use letters, digits and dashes only."),
    ({"code": "9" * 40}, "code", "Field cannot be longer than 20 characters."),
    ({"decision_number": "<img src=x>"}, "decision_number", "such as 336/QĐ-BHXH"),
    ({"decision_number": "1" * 61}, "decision_number", "Field cannot be longer than 60 characters."),
    ({"decision_date": ""}, "decision_date", "Enter the date of the decision."),
    ({"decision_number": ""}, "decision_number", "Enter the number of the decision"),
    ({"participant_groups": []}, "participant_groups", "Choose at least one participant group."),
    ({"participant_groups": ["pets"]}, "participant_groups", "not a valid choice"),
    ({"state": "archived"}, "state", "Not a valid choice."),
])
def test_bad_input_is_refused_beside_the_field(admin, changes, field, message):
    response = admin.post("/admin/campaigns/new", data=form(**changes))
    assert response.status_code == 422
    assert message in (error_beside(response.get_data(as_text=True), field) or ""), \
        re.findall(r'<p class="error"[^>]*>[^<]*', response.get_data(as_text=True))
    assert campaigns() == [] and events("campaign.create") == []


def test_a_code_is_one_campaigns_only(admin):
    assert admin.post("/admin/campaigns/new", data=form()).status_code == 302
    again = admin.post("/admin/campaigns/new", data=form(code="2024", name="Khác"))
    assert again.status_code == 422
    assert "Another campaign already has the code 2024." in error_beside(again.get_data(as_text=True), "code")
    assert len(campaigns()) == 1


@pytest.fixture
def lived(org, users):
    """The 2023 campaign with a visit on 10/03/2023 and 20/09/2023, a return of
    students for 11/2023, and an interim review cut off on 30/06/2023."""
    campaign = factories.campaign()
    campaign.code = "2023"
    employer = factories.employer(org["HN-BD"])
    factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 3, 10))
    factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 9, 20))
    factories.group_return(users["HN"]["officer"], org["HN-BD"], group="students", month=date(2023, 11, 1))
    factories.review_period(users["HN"]["hr"], campaign, org["HN"], cut_off=date(2023, 6, 30))
    db.session.commit()
    return campaign


def _dates(**changes):
    return form(**{"code": "2023", "name": "Phong trào 2023", "decision_number": "", "decision_date": "",
                   "starts_on": "2023-05-05", "ends_on": "2023-12-31", "counts_from": "2023-01-01",
                   "state": "active", **changes})


@pytest.mark.parametrize("changes, field, message", [
    ({"counts_from": "2023-04-01"}, "counts_from", "Visits of this campaign are dated from 10/03/2023"),
    ({"ends_on": "2023-09-01"}, "ends_on", "Visits of this campaign are dated up to 20/09/2023"),
    ({"ends_on": "2023-10-31"}, "ends_on", "Group returns of this campaign go up to 11/2023"),
    ({"starts_on": "2023-07-01", "counts_from": "2023-01-01"}, "starts_on",
     "A review of this campaign has its cut-off on 30/06/2023"),
    ({"participant_groups": ["compulsory", "voluntary", "household", "other"]}, "participant_groups",
     "1 group returns of this campaign's months report on Students: keep the group."),
])
def test_a_change_that_leaves_the_campaigns_records_outside_is_refused(admin, lived, changes, field, message):
    before = {c: getattr(lived, c) for c in ("starts_on", "ends_on", "counts_from", "participant_groups")}
    response = admin.post(f"/admin/campaigns/{lived.id}", data=_dates(**changes))
    assert response.status_code == 422
    assert message in (error_beside(response.get_data(as_text=True), field) or "")
    db.session.expire_all()
    assert {c: getattr(lived, c) for c in before} == before
    assert events("campaign.edit") == []


def test_a_change_that_keeps_the_records_inside_is_saved(admin, lived):
    response = admin.post(f"/admin/campaigns/{lived.id}", data=_dates(ends_on="2024-01-31",
                                                                       participant_groups=GROUPS))
    assert response.status_code == 302
    db.session.expire_all()
    assert lived.ends_on == date(2024, 1, 31)


def test_only_a_national_admin_sets_up_campaigns(app, users, client_as, national_admin):
    campaign = factories.campaign()
    db.session.commit()
    province_admin = in_english(client_as("admin"))
    listing = province_admin.get("/admin/campaigns/").get_data(as_text=True)
    assert campaign.name in listing and "/admin/campaigns/new" not in listing
    for url in ("/admin/campaigns/new", f"/admin/campaigns/{campaign.id}", f"/admin/campaigns/{campaign.id}/copy-targets"):
        assert province_admin.get(url).status_code == 403
        assert province_admin.post(url, data=form(code="X1")).status_code == 403
    assert len(campaigns()) == 1 and events("campaign.create") == []
    assert any(e.after["reason"] == "not_national" for e in events("access.denied"))
    for role in ("officer", "supervisor", "viewer", "hr"):
        assert client_as(role).get("/admin/campaigns/").status_code == 403
        assert client_as(role).post("/admin/campaigns/new", data=form()).status_code == 403
    assert app.test_client().get("/admin/campaigns/").status_code == 302


def test_the_form_needs_its_csrf_token(app, admin, csrf_on):
    assert admin.post("/admin/campaigns/new", data=form()).status_code in (400, 422)
    assert campaigns() == []


# --- which campaign ---------------------------------------------------------------------------


def _two(org, second_state=CampaignState.active):
    first = factories.campaign()
    first.code = "2023"
    second = factories.campaign(counts_from=date(2024, 1, 1), starts_on=date(2024, 3, 1), ends_on=date(2024, 12, 31))
    second.code, second.state = "2024", second_state
    db.session.commit()
    return first, second


def test_the_campaign_in_force_is_the_active_one_counting_latest(org):
    first, second = _two(org, CampaignState.draft)
    # 2024 in draft: 2023 is in force on any day, the draft only when asked for.
    assert campaign_in_force(date(2024, 6, 1)) == first
    assert chosen_campaign("2024", date(2024, 6, 1)) == second
    assert chosen_campaign(str(second.id), date(2024, 6, 1)) == second
    assert chosen_campaign("", date(2024, 6, 1)) == first
    assert chosen_campaign("2025", date(2024, 6, 1)) is None
    assert chosen_campaign("x" * 500, date(2024, 6, 1)) is None
    assert chosen_campaign("2024\x00", date(2024, 6, 1)) is None
    second.state = CampaignState.active
    db.session.commit()
    # Active: it is in force from its counting-from date, while 2023's final review may still be open.
    assert campaign_in_force(date(2023, 12, 31)) == first
    assert campaign_in_force(date(2024, 1, 1)) == second
    assert campaign_in_force(date(2022, 12, 31)) is None


def test_the_first_counting_day_is_the_campaign_in_force_s_also_when_read_again(org):
    first, second = _two(org, CampaignState.draft)
    day = date(2024, 6, 1)
    assert counting_from(day) == first.counts_from
    assert counting_from(date(2022, 12, 31)) is None
    # Read once for the transaction, and again once a campaign changes in it, flushed or not.
    second.state = CampaignState.active
    assert counting_from(day) == second.counts_from == campaign_in_force(day).counts_from
    assert [c.id for c in campaign_dates()] == [first.id, second.id]
    third = factories.campaign(counts_from=date(2024, 3, 1), starts_on=date(2024, 3, 1), ends_on=date(2024, 12, 31))
    assert counting_from(day) == third.counts_from == campaign_in_force(day).counts_from
    db.session.rollback()
    assert counting_from(day) == first.counts_from and len(campaign_dates()) == 2


def test_pages_and_downloads_say_which_campaign_they_are_about(org, users, client_as):
    first, second = _two(org)
    employer = factories.employer(org["HN-BD"])
    factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 6, 1))
    db.session.commit()
    client = in_english(client_as("viewer"))
    unit = org["HN"].id
    default = client.get(f"/progress/units/{unit}").get_data(as_text=True)
    # Today the 2024 campaign is in force; the selector says so, and the 2023 one is a choice.
    assert re.search(r'<option value="2024" selected>2024 · ', default)
    assert '<option value="2023">2023 · ' in default
    older = client.get(f"/progress/units/{unit}?campaign=2023").get_data(as_text=True)
    assert re.search(r'<option value="2023" selected>2023 · ', older)
    assert '<input type="hidden" name="campaign" value="2023">' in older
    assert f"/progress/units/{unit}/export?period=campaign&amp;rank=overall&amp;format=xlsx&amp;campaign=2023" in older
    # Stock figures are snapshots (the same today); the visits are the campaign's own.
    assert 'data-figure="visits">1<' in older and 'data-figure="visits">0<' in default
    assert client.get(f"/progress/units/{unit}?campaign=2099").status_code == 404
    assert client.get(f"/progress/units/{unit}?campaign={first.id}&period=2023-06").status_code == 200
    # A period of 2023 is outside the 2024 campaign.
    assert client.get(f"/progress/units/{unit}?period=2023-06").status_code == 422
    csv = client.get(f"/progress/units/{unit}/export?campaign=2023&format=csv&table=summary")
    assert csv.status_code == 200 and "Registered,4" in csv.get_data(as_text=True)
    assert "Campaign,Phong trào thi đua 2023," in csv.get_data(as_text=True)


def test_the_targets_page_takes_a_campaign_by_code(org, client_as):
    first, second = _two(org)
    factories.target(first, org["HN"], value=111)
    factories.target(second, org["HN"], value=222)
    db.session.commit()
    client = in_english(client_as("admin"))
    assert "222" in client.get("/progress/targets").get_data(as_text=True)
    page = client.get("/progress/targets?campaign=2023").get_data(as_text=True)
    assert "111" in page and "222" not in page
    assert client.get("/progress/targets?campaign=nope").status_code == 404


def test_the_report_command_takes_a_campaign(app, org, users, tmp_path):
    _two(org)
    employer = factories.employer(org["HN-BD"])
    factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 6, 1))
    db.session.commit()
    runner = app.test_cli_runner()
    out = tmp_path / "r.csv"
    result = runner.invoke(args=["progress", "report", "--unit", "HN", "--period", "2023", "--format", "csv",
                                 "--table", "summary", "--out", str(out), "--lang", "en", "--campaign", "2023"])
    assert result.exit_code == 0, result.output
    assert "HN · 2023 · 2023" in result.output and "Registered,4" in out.read_text(encoding="utf-8-sig")
    # By default the one in force (2024), where 2023 is outside the campaign.
    default = runner.invoke(args=["progress", "report", "--unit", "HN", "--period", "2023", "--format", "zip",
                                  "--out", str(out), "--lang", "en"])
    assert default.exit_code != 0 and "outside the campaign" in default.output
    unknown = runner.invoke(args=["progress", "report", "--unit", "HN", "--period", "2023", "--format", "zip",
                                  "--out", str(out), "--campaign", "2099"])
    assert unknown.exit_code == 2


def test_campaigns_list_prints_one_line_per_campaign(app, org):
    first, second = _two(org, CampaignState.draft)
    first.decision_number, first.decision_date = "336/QĐ-BHXH", date(2023, 3, 13)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["campaigns", "list"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("2024\tPhong trào thi đua 2024\t01/03/2024–31/12/2024") and lines[0].endswith("draft")
    assert lines[1].startswith("2023\tPhong trào thi đua 2023\t05/05/2023–31/12/2023")
    assert "in force" in lines[1] and "336/QĐ-BHXH (13/03/2023)" in lines[1]


def test_a_draft_campaign_does_not_move_the_earliest_visit_date(org):
    from fieldops.visits.queries import earliest_visit_date

    _two(org, CampaignState.draft)
    assert earliest_visit_date() == date(2023, 1, 1)


def test_the_operations_refuse_and_record_without_a_page(app, org, national_admin):
    from flask_babel import force_locale

    from fieldops.campaign_setup.operations import CampaignError, create_campaign, snapshot, update_campaign

    values = {"name": "Phong trào 2025", "code": "2025", "decision_number": None, "decision_date": None,
              "starts_on": date(2025, 3, 1), "ends_on": date(2025, 12, 31), "counts_from": date(2025, 1, 1),
              "participant_groups": GROUPS, "state": CampaignState.draft}
    made = create_campaign(national_admin, values)
    db.session.commit()
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(CampaignError) as refused:
            create_campaign(national_admin, values)
        assert (refused.value.field, str(refused.value.message)) == (
            "code", "Another campaign already has the code 2025.")
    db.session.rollback()
    assert update_campaign(national_admin, made, dict(values)) is False
    assert update_campaign(national_admin, made, {**values, "state": CampaignState.active}) is True
    db.session.commit()
    [event] = events("campaign.edit")
    assert (event.before, event.after) == ({"state": "draft"}, {"state": "active"})
    assert snapshot(made)["state"] == "active" and len(campaigns()) == 1
