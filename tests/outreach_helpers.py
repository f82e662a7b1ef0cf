"""Shared by the outreach tests: activities made through the real operations, and images."""
import io
from datetime import date, datetime

from PIL import Image

from fieldops.campaigns.models import ParticipantGroup
from fieldops.outreach import operations as ops
from fieldops.outreach.models import OutreachKind
from fieldops.outreach.photos import read_photo

TODAY = date(2024, 1, 31)


def image_bytes(size=(40, 30), color=(200, 30, 30), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def activity(recorder, district, *, kind="school_session", groups=("students",), starts_on=date(2023, 6, 15),
             held=None, verified_by=None, cancelled=None, employer=None, photo=False, place="Trường THPT Chu Văn An"):
    """An activity planned by `recorder`; then held with `held` = (people reached, registrations),
    verified by `verified_by`, or cancelled with the reason `cancelled`. A campaign must exist."""
    data = ops.ActivityInput(district=district, kind=OutreachKind(kind),
                             groups=tuple(ParticipantGroup(g) for g in groups), starts_on=starts_on,
                             ends_on=starts_on, place=place, employer=employer)
    photos = [read_photo(io.BytesIO(image_bytes()), "anh.png")] if photo else []
    now = datetime(starts_on.year, starts_on.month, starts_on.day, 3)
    made = ops.create_activity(recorder, data, photos=photos, now=now, today=TODAY)
    if cancelled:
        ops.cancel_activity(recorder, made, cancelled, made.version, now=now)
    if held is not None:
        ops.record_held(recorder, made, ops.Figures(*held), made.version, now=now, today=TODAY)
    if verified_by is not None:
        ops.verify_activity(verified_by, made, made.version, now=now)
    return made
