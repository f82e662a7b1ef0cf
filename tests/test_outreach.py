"""Outreach activities over HTTP: planning, recording with figures and photos,
holding, cancelling, verifying; bad input refused beside its field with nothing
saved; everything outside the user's area answers 404."""
import io
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image

from fieldops.audit.models import AuditEvent
from fieldops.extensions import db
from fieldops.outreach.models import OutreachActivity, OutreachPhoto, OutreachState
from fieldops.outreach.photos import MAX_UPLOAD_BYTES
from tests import factories


@pytest.fixture
def campaign(org):
    made = factories.campaign()
    db.session.commit()
    return made


def png_bytes(size=(40, 30), color=(200, 30, 30), fmt="PNG"):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def activity_form(district, **overrides):
    data = {"district_id": str(district.id), "kind": "school_session", "groups": ["students"],
            "starts_on": "2023-06-15", "ends_on": "", "place": "Trường THPT Phan Đình Phùng", "employer_code": "",
            "partners": "Đoàn Thanh niên phường", "status": "held", "people_reached": "320", "registrations": "45",
            "note": ""}
    data.update(overrides)
    return data


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_officer_records_a_held_school_session_with_a_photo(client_as, users, org, campaign):
    client = client_as("officer")
    data = activity_form(org["HN-BD"])
    data["photos"] = [(io.BytesIO(png_bytes()), "buoi-hoc.png")]
    response = client.post("/outreach/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    activity = db.session.scalars(sa.select(OutreachActivity)).one()
    assert activity.state == OutreachState.held
    assert (activity.people_reached, activity.registrations) == (320, 45)
    assert [str(g) for g in activity.groups] == ["students"]
    photo = db.session.scalars(sa.select(OutreachPhoto)).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "320" in page and "14,1%" in page
    served = client.get(f"/outreach/photos/{photo.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data.startswith(b"\xff\xd8\xff")
    # Another province's officer reaches neither the activity nor its photo.
    other = client_as("officer", "HT")
    assert other.get(f"/outreach/{activity.id}").status_code == 404
    assert other.get(f"/outreach/photos/{photo.id}").status_code == 404
