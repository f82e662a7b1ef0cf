"""The demo data's follow-ups: every state in both provinces, some overdue, the
same on every load."""
import sqlalchemy as sa

from fieldops.extensions import db
from fieldops.followups.models import FollowUp, FollowUpState
from fieldops.timeutil import local_today


def _snapshot():
    followups = db.session.scalars(sa.select(FollowUp).order_by(FollowUp.created_at, FollowUp.id)).all()
    return [(f.employer.unit_code, str(f.kind), str(f.state), f.due_date, f.created_at, f.note, f.reason, f.outcome,
             f.obstacle_category, f.people_affected, f.assignee.username, f.decided_by and f.decided_by.username)
            for f in followups]


def _province(followup):
    return "HN" if followup.employer.unit_code.startswith("TA") else "HT"


def test_demo_follow_ups_cover_every_state_in_both_provinces_with_some_overdue(demo_data):
    followups = db.session.scalars(sa.select(FollowUp)).all()
    today = local_today()
    for province in ("HN", "HT"):
        mine = [f for f in followups if _province(f) == province]
        assert {f.state for f in mine} == set(FollowUpState), province
        assert any(f.is_overdue(today) for f in mine), province
        assert any(f.state in ("approved", "in_progress") and not f.is_overdue(today) for f in mine), province
        assert any(f.kind == "escalation" and f.obstacle_category and f.people_affected for f in mine), province
    proposed_ht = [f for f in followups if _province(f) == "HT" and f.state == "proposed"]
    assert len(proposed_ht) >= 3  # enough to approve three at once
