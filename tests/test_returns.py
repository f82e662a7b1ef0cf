"""Monthly group returns: a district files them, its supervisor locks them, a
correction after locking needs a reason and keeps the earlier figures. Bad input
gets its message beside the field and saves nothing."""
from datetime import date

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.extensions import db
from fieldops.returns.models import GroupReturn, ReturnCorrection, ReturnState
from fieldops.returns.queries import last_month_due
from fieldops.timeutil import local_today
from tests import factories
from tests.conftest import csrf_token_from
from tests.visit_helpers import in_english


@pytest.fixture
def campaign():
    made = factories.campaign()
    db.session.commit()
    return made


def _form(district, group="voluntary", month="2023-06", figures=("100", "40", "10", "8"), using="30"):
    participants, registered, new, new_registered = figures
    return {"district_id": str(district.id), "participant_group": group, "month": month,
            "participants": participants, "registered": registered, "new_participants": new,
            "new_registered": new_registered, "using": using}


def _count(model=GroupReturn):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


# --- filing -------------------------------------------------------------------------------


def test_officer_files_a_return_and_sees_it(client_as, org, users, campaign):
    client = in_english(client_as("officer"))
    response = client.post("/returns/new", data=_form(org["HN-BD"]))
    assert response.status_code == 302
    made = db.session.scalars(sa.select(GroupReturn)).one()
    assert (made.district_id, made.participant_group, made.month) == (org["HN-BD"].id, "voluntary", date(2023, 6, 1))
    assert made.figures == {"participants": 100, "registered": 40, "using": 30, "new_participants": 10,
                            "new_registered": 8}
    assert made.state == ReturnState.filed and made.filed_by_id == users["HN"]["officer"].id
    [event] = _events("group_return.file")
    assert event.org_unit_id == org["HN-BD"].id and event.after["participants"] == 100
    page = client.get(response.location).get_data(as_text=True)
    assert "Return filed" in page and "Voluntary social insurance" in page and "06/2023" in page
    assert 'data-figure="unregistered">60<' in page
    # The month's page shows the cell filed.
    grid = client.get("/returns/?month=2023-06").get_data(as_text=True)
    assert "40 / 100" in grid and "Filed" in grid


def test_the_page_is_vietnamese_by_default(client_as, org, campaign):
    factories.group_return(factories.user(org["HN-BD"]), org["HN-BD"])
    db.session.commit()
    page = client_as("officer").get("/returns/?month=2023-06").get_data(as_text=True)
    assert "Báo cáo" in page or "báo cáo" in page
    assert "Voluntary social insurance" not in page


@pytest.mark.parametrize("field, value, message", [
    ("participants", "", "Enter a number."),
    ("participants", "-5", "Enter 0 or more."),
    ("participants", "12,5", "Enter a whole number, without decimals."),
    ("participants", "mười", "Enter a whole number, such as 12."),
    ("participants", "9" * 30, "Enter at most"),
    ("registered", "101", "Cannot be more than the participants at month end."),
    ("new_participants", "101", "New participants are among the participants at month end"),
    ("new_registered", "11", "Cannot be more than the new participants."),
    ("month", "", "Choose the month."),
    ("month", "2023-13", "Enter a month such as 2023-09."),
    ("month", "<script>alert(1)</script>", "Enter a month such as 2023-09."),
    ("month", "2022-12", "This month is before the campaign counts results."),
    ("month", "2024-01", "This month is after the campaign&#39;s end."),
    ("participant_group", "compulsory", "Not a valid choice."),
    ("participant_group", "", "Not a valid choice."),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(client_as, org, campaign, field, value, message):
    client = in_english(client_as("officer"))
    data = _form(org["HN-BD"]) | {field: value}
    response = client.post("/returns/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "<script>alert(1)</script>" not in page
    # The message sits beside its field.
    assert f'id="{field}-error"' in page
    assert _count() == 0 and _events("group_return.file") == []


def test_new_registered_cannot_exceed_registered(client_as, org, campaign):
    client = in_english(client_as("officer"))
    response = client.post("/returns/new", data=_form(org["HN-BD"], figures=("100", "5", "10", "8")))
    assert response.status_code == 422
    assert "Cannot be more than the participants registered." in response.get_data(as_text=True)
    assert _count() == 0


def test_a_month_still_to_come_is_refused(client_as, org, campaign):
    today = local_today()
    ahead = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    client = in_english(client_as("officer"))
    response = client.post("/returns/new", data=_form(org["HN-BD"], month=ahead.strftime("%Y-%m")))
    assert response.status_code == 422
    assert "A month still to come cannot be reported on." in response.get_data(as_text=True)
    assert _count() == 0


def test_the_month_may_be_typed_the_vietnamese_way(client_as, org, campaign):
    client = client_as("officer")
    assert client.post("/returns/new", data=_form(org["HN-BD"], month="6/2023")).status_code == 302
    assert db.session.scalars(sa.select(GroupReturn.month)).one() == date(2023, 6, 1)


def test_a_group_the_campaign_does_not_cover_is_refused(client_as, org, campaign):
    campaign.participant_groups = ["compulsory", "voluntary"]
    db.session.commit()
    client = in_english(client_as("officer"))
    response = client.post("/returns/new", data=_form(org["HN-BD"], group="students"))
    assert response.status_code == 422
    assert "does not cover this group" in response.get_data(as_text=True)
    assert _count() == 0


def test_only_districts_of_ones_area_can_be_chosen(client_as, org, campaign):
    client = in_english(client_as("officer"))
    for unit in (org["HT-TP"], org["HN"], org["HN-BD-T1"], org["HN-CG"]):
        response = client.post("/returns/new", data=_form(unit))
        assert response.status_code == 422, unit.code
        assert "Not a valid choice." in response.get_data(as_text=True)
    assert _count() == 0


def test_sent_twice_gives_one_return_and_other_figures_are_refused(client_as, org, campaign):
    client = in_english(client_as("officer"))
    first = client.post("/returns/new", data=_form(org["HN-BD"]))
    again = client.post("/returns/new", data=_form(org["HN-BD"]))
    assert first.status_code == again.status_code == 302 and first.location == again.location
    assert _count() == 1 and len(_events("group_return.file")) == 1
    other = client.post("/returns/new", data=_form(org["HN-BD"], figures=("200", "40", "10", "8")))
    assert other.status_code == 422
    assert "has been filed already" in other.get_data(as_text=True)
    assert db.session.scalars(sa.select(GroupReturn.participants)).one() == 100


def test_opening_the_form_for_a_filed_cell_opens_the_return(client_as, org, campaign):
    made = factories.group_return(factories.user(org["HN-BD"]), org["HN-BD"], group="students")
    db.session.commit()
    response = client_as("officer").get(f"/returns/new?district={org['HN-BD'].id}&group=students&month=2023-06")
    assert response.status_code == 302 and response.location.endswith(f"/returns/{made.id}")
    # Someone else's district: the form, never their return.
    other = factories.group_return(factories.user(org["HT-TP"]), org["HT-TP"], group="students")
    db.session.commit()
    response = client_as("officer").get(f"/returns/new?district={org['HT-TP'].id}&group=students&month=2023-06")
    assert response.status_code == 200 and f"/returns/{other.id}" not in response.get_data(as_text=True)


@pytest.fixture
def officer(client_as):
    return client_as("officer")


def test_csrf_is_required(org, campaign, officer, csrf_on):
    client = officer
    assert client.post("/returns/new", data=_form(org["HN-BD"])).status_code == 400
    token = csrf_token_from(client.get("/returns/new").get_data(as_text=True))
    assert client.post("/returns/new", data=_form(org["HN-BD"]) | {"csrf_token": token}).status_code == 302
    assert _count() == 1


# --- changing, locking, correcting ------------------------------------------------------------


@pytest.fixture
def filed(org, users, campaign):
    made = factories.group_return(users["HN"]["officer"], org["HN-BD"])
    db.session.commit()
    return made


def _figures(values, version, **extra):
    keys = ("participants", "registered", "new_participants", "new_registered")
    return dict(zip(keys, map(str, values))) | {"version": str(version)} | extra


def test_a_filed_return_can_be_changed_and_the_change_is_audited(client_as, filed):
    client = client_as("officer")
    response = client.post(f"/returns/{filed.id}/change", data=_figures((120, 50, 12, 9), filed.version))
    assert response.status_code == 302
    db.session.refresh(filed)
    # Filed before "using" was asked: left blank, it stays unknown.
    assert filed.figures == {"participants": 120, "registered": 50, "using": None, "new_participants": 12,
                             "new_registered": 9}
    [event] = _events("group_return.change")
    assert event.before["participants"] == 100 and event.after["participants"] == 120


def test_a_change_over_a_change_made_meanwhile_is_refused(client_as, filed):
    client = in_english(client_as("officer"))
    assert client.post(f"/returns/{filed.id}/change", data=_figures((120, 50, 12, 9), 1)).status_code == 302
    stale = client.post(f"/returns/{filed.id}/change", data=_figures((130, 50, 12, 9), 1))
    assert stale.status_code == 409
    assert "Someone changed this return meanwhile" in stale.get_data(as_text=True)
    db.session.refresh(filed)
    assert filed.participants == 120


def test_bad_figures_in_a_change_save_nothing(client_as, filed):
    client = in_english(client_as("officer"))
    response = client.post(f"/returns/{filed.id}/change", data=_figures((100, 140, 10, 8), filed.version))
    assert response.status_code == 422
    assert "Cannot be more than the participants at month end." in response.get_data(as_text=True)
    db.session.refresh(filed)
    assert filed.registered == 40 and _events("group_return.change") == []


def test_supervisor_locks_then_only_a_correction_with_a_reason_changes_it(client_as, filed, users):
    supervisor = in_english(client_as("supervisor"))
    officer = in_english(client_as("officer"))
    assert "return-lock" not in officer.get(f"/returns/{filed.id}").get_data(as_text=True)
    assert officer.post(f"/returns/{filed.id}/lock", data={"version": "1"}).status_code == 403
    assert supervisor.post(f"/returns/{filed.id}/lock", data={"version": "1"}).status_code == 302
    db.session.refresh(filed)
    assert filed.state == ReturnState.locked and filed.locked_by_id == users["HN"]["supervisor"].id
    version = filed.version

    # The filer can no longer change it.
    page = officer.get(f"/returns/{filed.id}").get_data(as_text=True)
    assert "return-change" not in page and "Locked" in page
    refused = officer.post(f"/returns/{filed.id}/change", data=_figures((1, 1, 1, 1), version))
    assert refused.status_code == 409 and "locked" in refused.get_data(as_text=True)

    # A correction needs a reason …
    no_reason = supervisor.post(f"/returns/{filed.id}/correct", data=_figures((110, 45, 10, 8), version, reason="  "))
    assert no_reason.status_code == 422
    assert "Give the reason for the correction." in no_reason.get_data(as_text=True)
    # … and other figures.
    same = supervisor.post(f"/returns/{filed.id}/correct", data=_figures((100, 40, 10, 8), version, reason="Sai số"))
    assert same.status_code == 422 and "change at least one" in same.get_data(as_text=True)
    assert _count(ReturnCorrection) == 0

    done = supervisor.post(f"/returns/{filed.id}/correct",
                           data=_figures((110, 45, 10, 8), version, reason="Bổ sung danh sách xã Phúc Xá"))
    assert done.status_code == 302
    db.session.refresh(filed)
    assert filed.state == ReturnState.locked and (filed.participants, filed.registered) == (110, 45)
    [correction] = filed.corrections
    assert correction.before["participants"] == 100 and correction.after["participants"] == 110
    assert correction.reason == "Bổ sung danh sách xã Phúc Xá"
    page = supervisor.get(f"/returns/{filed.id}").get_data(as_text=True)
    assert "<del>100</del> → 110" in page and "Bổ sung danh sách xã Phúc Xá" in page
    [event] = _events("group_return.correct")
    assert event.before["participants"] == 100 and event.after["reason"] == "Bổ sung danh sách xã Phúc Xá"


def test_locking_twice_says_it_is_locked(client_as, filed):
    supervisor = in_english(client_as("supervisor"))
    assert supervisor.post(f"/returns/{filed.id}/lock", data={"version": "1"}).status_code == 302
    again = supervisor.post(f"/returns/{filed.id}/lock", data={"version": "1"})
    assert again.status_code == 409 and "has been locked" in again.get_data(as_text=True)
    assert len(_events("group_return.lock")) == 1


def test_a_huge_reason_is_refused(client_as, org, users, campaign):
    made = factories.group_return(users["HN"]["officer"], org["HN-BD"], locked_by=users["HN"]["supervisor"])
    db.session.commit()
    supervisor = in_english(client_as("supervisor"))
    response = supervisor.post(f"/returns/{made.id}/correct", data=_figures((1, 1, 1, 1), made.version,
                                                                           reason="x" * 501))
    assert response.status_code == 422 and "cannot be longer than 500" in response.get_data(as_text=True)
    assert _count(ReturnCorrection) == 0


def test_out_of_area_returns_answer_404(client_as, filed):
    for role in ("officer", "supervisor", "viewer"):
        client = client_as(role, "HT")
        assert client.get(f"/returns/{filed.id}").status_code == 404
    assert client_as("supervisor", "HT").post(f"/returns/{filed.id}/lock", data={"version": "1"}).status_code == 404
    db.session.refresh(filed)
    assert filed.state == ReturnState.filed


# --- the returns page ------------------------------------------------------------------------


def test_viewer_reads_the_grid_without_filing(client_as, filed):
    page = in_english(client_as("viewer")).get("/returns/?month=2023-06").get_data(as_text=True)
    assert "40 / 100" in page and "File a return" not in page
    assert "Not filed" in page  # the other groups of Ba Đình, and Cầu Giấy


def test_the_grid_shows_the_areas_districts_only(client_as, org, filed):
    page = client_as("supervisor", "HT").get("/returns/?month=2023-06").get_data(as_text=True)
    assert "HT-TP" in page and "HN-BD" not in page


def test_a_bad_month_in_the_address_shows_the_last_month_due(client_as, filed):
    response = in_english(client_as("viewer")).get("/returns/?month=2023-99")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert last_month_due(local_today()).strftime("%m/%Y") in page and "Enter a month such as 2023-09." in page


def test_the_grid_answers_htmx_with_the_fragment(client_as, filed):
    response = client_as("viewer").get("/returns/?month=2023-06", headers={"HX-Request": "true",
                                                                          "HX-Target": "return-grid"})
    page = response.get_data(as_text=True)
    assert "<html" not in page and 'id="return-grid"' in page and "40 / 100" in page
