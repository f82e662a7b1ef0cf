"""Shared by the review tests: a small world of verified, waiting and returned
visits around the 30/06/2023 cut-off, and helpers."""
import html
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import Role
from fieldops.extensions import db
from fieldops.reviews.models import Criterion, Dossier, Nomination, ReviewFigure, ReviewPeriod
from tests import factories

CUT_OFF = date(2023, 6, 30)


def in_english(client):
    assert client.post("/language", data={"lang": "en", "next": "/"}).status_code == 302
    return client


def at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour)


@pytest.fixture
def rv(org, users):
    """Hà Nội, Ba Đình: employer Ánh Dương (Văn phòng 40, Kho 10) and Sông Hồng (20).

    officer.hn (Ba Đình): Ánh Dương 10/03 verified (12 newly registered); Sông Hồng 05/05
    waiting for review (5 new) and 10/06 returned (3 new); two follow-ups done by the
    cut-off, one on time and one late.
    Ngọc Hà (team HN-BD-T1): Ánh Dương 20/06 verified, everyone registered (38 new: the
    employer reaches 100%); Sông Hồng 15/07 verified (after the cut-off, 7 new).
    Hà Tĩnh: an officer with a verified visit of their own."""
    from fieldops.followups import operations as fu
    from fieldops.visits.operations import return_visit, verify_visit

    campaign = factories.campaign()
    officer, supervisor, hr = users["HN"]["officer"], users["HN"]["supervisor"], users["HN"]["hr"]
    team_officer = factories.user(org["HN-BD-T1"], Role.officer, username="officer.team",
                                  full_name="Trần Thị Ngọc Hà")
    a = factories.employer(org["HN-BD"], name="Công ty Ánh Dương", departments=[("Văn phòng", 40), ("Kho", 10)])
    b = factories.employer(org["HN-BD"], name="Công ty Sông Hồng", departments=[("Toàn đơn vị", 20)])
    ht = factories.employer(org["HT-TP"], name="Công ty Cấp nước Hà Tĩnh", departments=[("Toàn đơn vị", 30)])

    def visit(who, employer, day, figures, state="verified"):
        made = factories.visit(who, employer, visit_date=day, figures=figures, now=at(day))
        reviewer = users["HT"]["supervisor"] if employer is ht else supervisor
        if state == "verified":
            verify_visit(reviewer, made, now=at(day, 20))
        elif state == "returned":
            return_visit(reviewer, made, "Số liệu chưa khớp", now=at(day, 20))
        return made

    visits = {
        "a_march": visit(officer, a, date(2023, 3, 10), {"Văn phòng": (40, 10, 5, 10), "Kho": (10, 2, 1, 2)}),
        "b_waiting": visit(officer, b, date(2023, 5, 5), {"Toàn đơn vị": (20, 5, 2, 5)}, state="submitted"),
        "b_returned": visit(officer, b, date(2023, 6, 10), {"Toàn đơn vị": (20, 8, 4, 3)}, state="returned"),
        "a_june": visit(team_officer, a, date(2023, 6, 20), {"Văn phòng": (40, 40, 30, 30), "Kho": (10, 10, 5, 8)}),
        "b_july": visit(team_officer, b, date(2023, 7, 15), {"Toàn đơn vị": (20, 12, 6, 7)}),
        "ht": visit(users["HT"]["officer"], ht, date(2023, 4, 4), {"Toàn đơn vị": (30, 15, 10, 15)}),
    }
    # Follow-ups of officer.hn: one done on time, one done late (both by the cut-off).
    on_time = factories.followup(officer, a, decider=supervisor, state="done", due_date=date(2023, 4, 20),
                                 now=at(date(2023, 4, 1)), today=date(2023, 4, 1))
    late = fu.propose_followup(officer, kind="revisit", employer=b, assignee=officer, due_date=date(2023, 5, 10),
                               note="", visit=None, obstacle=None, now=at(date(2023, 5, 1)), today=date(2023, 5, 1))
    fu.approve_followup(supervisor, late, now=at(date(2023, 5, 2)))
    fu.start_followup(officer, late, now=at(date(2023, 5, 3)))
    fu.complete_followup(officer, late, "Đã xong.", now=at(date(2023, 5, 20)))
    db.session.commit()
    return {"org": org, "users": users, "campaign": campaign, "officer": officer, "team_officer": team_officer,
            "supervisor": supervisor, "hr": hr, "a": a, "b": b, "ht": ht, "visits": visits, "followups": (on_time, late)}


def period_with(rv, criteria=(), unit="HN", kind="interim", cut_off=CUT_OFF):
    made = factories.review_period(rv["hr"], rv["campaign"], rv["org"][unit], kind=kind, cut_off=cut_off,
                                   criteria=criteria)
    db.session.commit()
    return made


def counts() -> dict:
    """How many review rows of each kind exist: a refused input must change none."""
    return {
        "periods": db.session.scalar(sa.select(sa.func.count(ReviewPeriod.id))),
        "criteria": db.session.scalar(sa.select(sa.func.count(Criterion.id))),
        "figures": db.session.scalar(sa.select(sa.func.count(ReviewFigure.id))),
        "nominations": db.session.scalar(sa.select(sa.func.count(Nomination.id))),
        "dossiers": db.session.scalar(sa.select(sa.func.count(Dossier.id))),
        "audit": db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            sa.or_(AuditEvent.action.like("review%"), AuditEvent.action.like("nomination.%"),
                   AuditEvent.action.like("dossier.%"), AuditEvent.action.like("award_title.%")))),
    }


def audit_actions(object_type, object_id):
    return [e.action for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id))]


def error_beside(page, field_id):
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def flashes(page):
    return [html.unescape(m) for m in re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', page)]
