"""Shared by the follow-up tests: a small world, row snapshots, counts."""
import re

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import Role
from fieldops.extensions import db
from fieldops.followups.models import FollowUp, FollowUpNotice
from tests import factories


def in_english(client):
    """These tests read the English messages, whatever the catalogue says."""
    assert client.post("/language", data={"lang": "en", "next": "/"}).status_code == 302
    return client


@pytest.fixture
def fu(org, users):
    """Hà Nội: the employer of the follow-ups (Ba Đình) with a visit that met two
    obstacles; a second officer and a second supervisor in Ba Đình; an officer in
    a Ba Đình team (who cannot open Ba Đình's employers) and one in Cầu Giấy.
    Hà Tĩnh: an employer of its own."""
    factories.campaign()
    employer = factories.employer(org["HN-BD"], name="Công ty TNHH May mặc Hồng Hà",
                                  departments=[("Văn phòng", 40), ("Phân xưởng", 120)])
    visit = factories.visit(users["HN"]["officer"], employer,
                            obstacles=[("no_smartphone", 3, "Công nhân lớn tuổi"), ("otp_not_received", 2, "")])
    made = {
        "org": org, "users": users, "employer": employer, "visit": visit,
        "officer": users["HN"]["officer"], "supervisor": users["HN"]["supervisor"],
        "officer2": factories.user(org["HN-BD"], Role.officer, username="officer2.hn", full_name="Vũ Thị Lan"),
        "supervisor2": factories.user(org["HN-BD"], Role.supervisor, username="supervisor2.hn",
                                      full_name="Trịnh Quốc Bảo"),
        "team_officer": factories.user(org["HN-BD-T1"], Role.officer, username="officer.team"),
        "cg_officer": factories.user(org["HN-CG"], Role.officer, username="officer.cg"),
        "ht_employer": factories.employer(org["HT-TP"], name="Công ty Cấp nước Hà Tĩnh"),
    }
    db.session.commit()
    return made


def row(followup_id) -> dict:
    """The follow-up's row as stored, every column."""
    db.session.expire_all()
    table = FollowUp.__table__
    return dict(db.session.execute(sa.select(table).where(table.c.id == followup_id)).mappings().one())


def counts() -> dict:
    """How many follow-ups, follow-up audit events and notices exist."""
    return {
        "followups": db.session.scalar(sa.select(sa.func.count(FollowUp.id))),
        "audit": db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.like("follow_up.%"))),
        "notices": db.session.scalar(sa.select(sa.func.count(FollowUpNotice.id))),
    }


def audit_events(followup_id):
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "follow_up", AuditEvent.object_id == str(followup_id))
        .order_by(AuditEvent.id)
    ).all()


def error_beside(page, field_id):
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', page)
    return match.group(1) if match else None
