"""Outreach activities over HTTP: planning, recording with figures and photos,
holding, cancelling, verifying; bad input refused beside its field with nothing
saved; everything outside the user's area answers 404."""
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.extensions import db
from fieldops.outreach import photos as photo_rules
from fieldops.outreach.models import OutreachActivity, OutreachPhoto, OutreachState
from fieldops.timeutil import local_today
from tests import factories
from tests.conftest import csrf_token_from, sign_in
from tests.outreach_helpers import activity, image_bytes
from tests.review_helpers import in_english


@pytest.fixture
def campaign(org):
    made = factories.campaign()
    db.session.commit()
    return made


def form(district, **overrides):
    data = {"district_id": str(district.id), "kind": "school_session", "groups": ["students"],
            "starts_on": "2023-06-15", "ends_on": "", "place": "Trường THPT Phan Đình Phùng", "employer_code": "",
            "partners": "Đoàn Thanh niên phường", "status": "held", "people_reached": "320", "registrations": "45",
            "note": ""}
    data.update(overrides)
    return data


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def post_new(client, data):
    return client.post("/outreach/new", data=data, content_type="multipart/form-data")


def test_officer_records_a_held_school_session_with_a_photo(client_as, users, org, campaign):
    client = in_english(client_as("officer"))
    data = form(org["HN-BD"], photos=[(io.BytesIO(image_bytes(size=(2400, 1200))), "buoi-hoc.png")])
    response = post_new(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    made = db.session.scalars(sa.select(OutreachActivity)).one()
    assert made.state == OutreachState.held and made.officer_id == users["HN"]["officer"].id
    assert (made.people_reached, made.registrations, [str(g) for g in made.groups]) == (320, 45, ["students"])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Held, waiting for verification" in page and "14.1%" in page  # 45 per 320 reached
    photo = db.session.scalars(sa.select(OutreachPhoto)).one()
    # Re-encoded as JPEG and bounded: what was sent is never what is kept.
    assert (photo.width, photo.height) == (1600, 800)
    served = client.get(f"/outreach/photos/{photo.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data.startswith(b"\xff\xd8\xff")
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "outreach.create")).one()
    assert event.after["people_reached"] == 320 and event.after["photos"] == 1
    # Another province's officer reaches neither the activity nor its photo.
    other = client_as("officer", "HT")
    assert other.get(f"/outreach/{made.id}").status_code == 404
    assert other.get(f"/outreach/photos/{photo.id}").status_code == 404


def test_a_planned_activity_is_held_then_verified_by_another_supervisor(client_as, users, org, campaign):
    officer = in_english(client_as("officer"))
    response = post_new(officer, form(org["HN-BD"], status="planned", people_reached="", registrations="",
                                      kind="commune_meeting", groups=["household", "voluntary"]))
    assert response.status_code == 302
    made = db.session.scalars(sa.select(OutreachActivity)).one()
    assert made.state == OutreachState.planned and made.people_reached is None
    # Held: the figures, with the rule between them.
    wrong = officer.post(f"/outreach/{made.id}/held", data={"version": "1", "people_reached": "10",
                                                             "registrations": "11"})
    assert wrong.status_code == 422 and "Cannot be more than the people reached." in wrong.get_data(as_text=True)
    assert officer.post(f"/outreach/{made.id}/held", data={"version": "1", "people_reached": "120",
                                                            "registrations": "30"}).status_code == 302
    db.session.refresh(made)
    assert (made.state, made.people_reached, made.registrations) == (OutreachState.held, 120, 30)
    # An officer does not verify; a supervisor of another province does not even see it.
    assert officer.post(f"/outreach/{made.id}/verify", data={"version": "2"}).status_code == 403
    assert client_as("supervisor", "HT").post(f"/outreach/{made.id}/verify", data={"version": "2"}).status_code == 404
    supervisor = in_english(client_as("supervisor"))
    page = supervisor.get(f"/outreach/{made.id}").get_data(as_text=True)
    assert 'id="outreach-verify"' in page
    assert supervisor.post(f"/outreach/{made.id}/verify", data={"version": "2"}).status_code == 302
    db.session.refresh(made)
    assert made.state == OutreachState.verified and made.verified_by_id == users["HN"]["supervisor"].id
    # Verified: no longer changed by anyone.
    again = officer.post(f"/outreach/{made.id}/edit", data=form(org["HN-BD"], version="3"))
    assert again.status_code == 302
    assert "can no longer be changed" in officer.get(again.location).get_data(as_text=True)
    assert [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "outreach_activity").order_by(AuditEvent.id))] == [
        "outreach.create", "outreach.hold", "outreach.verify"]


def test_a_supervisor_does_not_verify_what_they_recorded(client_as, users, org, campaign):
    made = activity(users["HN"]["supervisor"], org["HN-BD"], held=(50, 5))
    db.session.commit()
    supervisor = in_english(client_as("supervisor"))
    assert 'id="outreach-verify"' not in supervisor.get(f"/outreach/{made.id}").get_data(as_text=True)
    refused = supervisor.post(f"/outreach/{made.id}/verify", data={"version": str(made.version)})
    assert refused.status_code == 422 and "another supervisor will" in refused.get_data(as_text=True)
    db.session.refresh(made)
    assert made.state == OutreachState.held


def test_a_cancellation_needs_a_reason(client_as, users, org, campaign):
    made = activity(users["HN"]["officer"], org["HN-BD"])
    db.session.commit()
    officer = in_english(client_as("officer"))
    refused = officer.post(f"/outreach/{made.id}/cancel", data={"version": "1", "reason": "   "})
    assert refused.status_code == 422 and "Give the reason for the cancellation." in refused.get_data(as_text=True)
    assert officer.post(f"/outreach/{made.id}/cancel", data={"version": "1", "reason": "Mưa bão"}).status_code == 302
    db.session.refresh(made)
    assert (made.state, made.cancel_reason) == (OutreachState.cancelled, "Mưa bão")
    # A stale form (the version seen before the cancellation) changes nothing.
    stale = officer.post(f"/outreach/{made.id}/held", data={"version": "1", "people_reached": "5",
                                                             "registrations": "1"})
    assert stale.status_code == 409 and made.state == OutreachState.cancelled


BAD = [
    ({"starts_on": "2022-12-20"}, "starts_on", "outside every campaign"),
    ({"starts_on": "2024-02-01"}, "starts_on", "outside every campaign"),
    ({"starts_on": "15/13/2023"}, "starts_on", "Enter the date as dd/mm/yyyy."),
    ({"starts_on": ""}, "starts_on", "Enter the date of the activity."),
    ({"ends_on": "2023-06-10"}, "ends_on", "The last day cannot be before the first."),
    ({"people_reached": "-5"}, "people_reached", "Enter 0 or more."),
    ({"people_reached": "1000001"}, "people_reached", "Enter at most 1,000,000."),
    ({"people_reached": "12.5"}, "people_reached", "Enter a whole number, without decimals."),
    ({"people_reached": "nhiều"}, "people_reached", "Enter a whole number, such as 12."),
    ({"people_reached": ""}, "people_reached", "Enter a number."),
    ({"registrations": "321"}, "registrations", "Cannot be more than the people reached."),
    ({"groups": []}, "groups", "Choose at least one group the activity is aimed at."),
    ({"groups": ["aliens"]}, "groups", "Not a valid choice."),
    ({"kind": ""}, "kind", "Choose the kind of activity."),
    ({"kind": "carrier_pigeon"}, "kind", "Not a valid choice."),
    ({"place": "x" * 301}, "place", "Field cannot be longer than 300 characters."),
    ({"note": "a\x00b"}, "note", "This field contains a character that is not allowed."),
    ({"employer_code": "KHONG-CO"}, "employer_code", "No employer of this district has this unit code."),
]


@pytest.mark.parametrize("changes, field, message", BAD)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(client_as, org, campaign, changes, field,
                                                                      message):
    response = post_new(in_english(client_as("officer")), form(org["HN-BD"], **changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'id="{field}-error"' in page, page[page.find("error") - 500:][:1500]
    assert count(OutreachActivity) == 0 and count(OutreachPhoto) == 0


def test_an_employer_of_another_district_is_refused_and_its_id_answers_404(client_as, org, campaign):
    ours = factories.employer(org["HN-BD"], name="Công ty Ba Đình")
    theirs_in_area = factories.employer(org["HN-CG"], name="Công ty Cầu Giấy")
    elsewhere = factories.employer(org["HT-TP"], name="Công ty Hà Tĩnh")
    db.session.commit()
    client = in_english(client_as("officer"))
    response = post_new(client, form(org["HN-BD"], employer_code=theirs_in_area.unit_code))
    assert response.status_code == 422 and "No employer of this district" in response.get_data(as_text=True)
    assert client.get(f"/outreach/new?employer_id={elsewhere.id}").status_code == 404
    assert client.get("/outreach/new?employer_id=99999999999").status_code == 404
    page = client.get(f"/outreach/new?employer_id={ours.id}").get_data(as_text=True)
    assert f'value="{ours.unit_code}"' in page
    assert post_new(client, form(org["HN-BD"], employer_code=ours.unit_code.lower())).status_code == 302
    assert db.session.scalars(sa.select(OutreachActivity)).one().employer_id == ours.id


def test_a_held_activity_cannot_be_in_the_future(client_as, org):
    today = local_today()
    factories.campaign(counts_from=today - timedelta(days=30), starts_on=today - timedelta(days=20),
                       ends_on=today + timedelta(days=60))
    db.session.commit()
    client = in_english(client_as("officer"))
    later = (today + timedelta(days=5)).isoformat()
    response = post_new(client, form(org["HN-BD"], starts_on=later))
    assert response.status_code == 422 and "An activity still to come cannot have been held" in \
        response.get_data(as_text=True)
    assert count(OutreachActivity) == 0
    # Planned, it may be.
    assert post_new(client, form(org["HN-BD"], starts_on=later, status="planned")).status_code == 302


@pytest.mark.parametrize("content, name, message", [
    (b"just text, not a photo", "anh.jpg", "This file is not a photo: send a JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "hong.png", "This file is not a photo that can be read"),
    (b"GIF89a<script>alert(1)</script>", "xss.gif", "This file is not a photo that can be read"),
    (b"", "rong.png", "This file is empty."),
])
def test_a_photo_must_be_an_image(client_as, org, campaign, content, name, message):
    response = post_new(in_english(client_as("officer")), form(org["HN-BD"], photos=[(io.BytesIO(content), name)]))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(OutreachActivity) == 0 and count(OutreachPhoto) == 0


def test_photo_limits_size_pixels_and_number(client_as, users, org, campaign, monkeypatch):
    client = in_english(client_as("officer"))
    monkeypatch.setattr(photo_rules, "MAX_UPLOAD_BYTES", 2000)
    big = image_bytes(size=(300, 300), fmt="BMP")[:100]  # a BMP is not among the formats taken
    noisy = bytes(range(256)) * 20
    too_large = b"\x89PNG\r\n\x1a\n" + noisy
    response = post_new(client, form(org["HN-BD"], photos=[(io.BytesIO(too_large), "to.png")]))
    assert response.status_code == 422 and "This photo is too large: at most 8 MB." in response.get_data(as_text=True)
    response = post_new(client, form(org["HN-BD"], photos=[(io.BytesIO(big), "anh.bmp")]))
    assert response.status_code == 422 and "This file is not a photo" in response.get_data(as_text=True)
    monkeypatch.undo()
    monkeypatch.setattr(photo_rules, "MAX_PIXELS", 100)
    response = post_new(client, form(org["HN-BD"], photos=[(io.BytesIO(image_bytes(size=(20, 20))), "a.png")]))
    assert response.status_code == 422 and "This image has too many pixels." in response.get_data(as_text=True)
    monkeypatch.undo()
    assert count(OutreachActivity) == 0
    seven = [(io.BytesIO(image_bytes()), f"{i}.png") for i in range(7)]
    response = post_new(client, form(org["HN-BD"], photos=seven))
    assert response.status_code == 422 and "An activity keeps at most 6 photos." in response.get_data(as_text=True)
    # Added later, the limit holds over what is kept.
    made = activity(users["HN"]["officer"], org["HN-BD"], held=(10, 1), photo=True)
    db.session.commit()
    six = [(io.BytesIO(image_bytes()), f"{i}.png") for i in range(6)]
    response = client.post(f"/outreach/{made.id}/photos", data={"photos": six}, content_type="multipart/form-data")
    assert response.status_code == 422 and "at most 6 photos" in response.get_data(as_text=True)
    five = [(io.BytesIO(image_bytes()), f"{i}.png") for i in range(5)]
    response = client.post(f"/outreach/{made.id}/photos", data={"photos": five}, content_type="multipart/form-data")
    assert response.status_code == 302 and count(OutreachPhoto) == 6


def test_every_post_needs_the_csrf_token(app, client_as, users, org, campaign, monkeypatch):
    made = activity(users["HN"]["officer"], org["HN-BD"], held=(10, 1))
    db.session.commit()
    client = client_as("supervisor")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/outreach/{made.id}/verify", data={"version": "2"}).status_code == 400
    page = client.get(f"/outreach/{made.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    assert client.post(f"/outreach/{made.id}/verify", data={"version": "2", "csrf_token": token}).status_code == 302


def test_the_list_and_the_navigation(client_as, users, org, campaign):
    activity(users["HN"]["officer"], org["HN-BD"], held=(10, 1), place="Trường Tiểu học Kim Đồng")
    activity(users["HT"]["officer"], org["HT-TP"], place="Trường THCS Hà Tĩnh")
    db.session.commit()
    for role in ("officer", "supervisor", "viewer"):
        page = in_english(client_as(role)).get("/outreach/").get_data(as_text=True)
        assert 'href="/outreach/"' in page and "Trường Tiểu học Kim Đồng" in page and "Hà Tĩnh" not in page
    filtered = client_as("viewer").get("/outreach/?state=planned").get_data(as_text=True)
    assert "Kim Đồng" not in filtered


def test_a_held_activity_is_corrected_until_it_is_verified(app, client_as, users, org, campaign):
    made = activity(users["HN"]["officer"], org["HN-BD"], held=(100, 10))
    db.session.commit()
    officer = in_english(client_as("officer"))
    page = officer.get(f"/outreach/{made.id}/edit").get_data(as_text=True)
    assert 'name="people_reached"' in page and 'value="100"' in page and 'name="status"' not in page
    changed = form(org["HN-BD"], version=str(made.version), people_reached="150", registrations="151")
    response = officer.post(f"/outreach/{made.id}/edit", data=changed)
    assert response.status_code == 422 and "Cannot be more than the people reached." in response.get_data(as_text=True)
    db.session.refresh(made)
    assert (made.people_reached, made.registrations, made.kind) == (100, 10, "school_session")
    changed.update(registrations="20", kind="training", groups=["compulsory", "students"])
    assert officer.post(f"/outreach/{made.id}/edit", data=changed).status_code == 302
    db.session.refresh(made)
    assert (made.people_reached, made.registrations, made.kind) == (150, 20, "training")
    assert [str(g) for g in made.groups] == ["compulsory", "students"]
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "outreach.change")).one()
    assert event.before["people_reached"] == 100 and event.after["people_reached"] == 150
    # The same form sent again over the change: refused, nothing changed.
    stale = officer.post(f"/outreach/{made.id}/edit", data=changed | {"people_reached": "900"})
    assert stale.status_code == 409 and "Someone changed this activity meanwhile" in stale.get_data(as_text=True)
    # Another officer of the district may read it but not change it.
    other = factories.user(org["HN-BD"], username="officer.hn.2")
    db.session.commit()
    client = sign_in(app.test_client(), other)
    assert client.get(f"/outreach/{made.id}").status_code == 200
    assert "outreach-edit" not in client.get(f"/outreach/{made.id}").get_data(as_text=True)
    assert client.post(f"/outreach/{made.id}/edit", data=changed).status_code == 302
    db.session.refresh(made)
    assert made.people_reached == 150
