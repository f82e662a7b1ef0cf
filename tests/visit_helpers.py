"""Helpers shared by the visit tests."""
import re

import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.employers.models import LabourDepartment
from fieldops.extensions import db
from fieldops.visits.models import Obstacle, Visit, VisitLine, VisitRevision


def in_english(client):
    """The messages these tests read are the English ones, whatever the catalogue says."""
    assert client.post("/language", data={"lang": "en", "next": "/"}).status_code == 302
    return client


def department(employer, name):
    return next(d for d in employer.departments if d.name == name)


def counts():
    """How many rows of each kind exist: a refused input must change none."""
    return {
        "visits": db.session.scalar(sa.select(sa.func.count(Visit.id))),
        "lines": db.session.scalar(sa.select(sa.func.count(VisitLine.id))),
        "obstacles": db.session.scalar(sa.select(sa.func.count(Obstacle.id))),
        "revisions": db.session.scalar(sa.select(sa.func.count(VisitRevision.id))),
        "departments": db.session.scalar(sa.select(sa.func.count(LabourDepartment.id))),
        "audit": db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.like("visit.%"))),
    }


def error_beside(page, field_id):
    """The message shown beside the field with this id."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', page)
    return match.group(1) if match else None


def flash_messages(page):
    return re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', page)
