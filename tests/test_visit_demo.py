"""The demo visits: deterministic, in 2023 after the campaign's counting-from
date, some verified, one waiting in each district, one returned; and the demo's
current figures are what its history says."""
from datetime import date

import sqlalchemy as sa

from fieldops.employers.models import LabourDepartment
from fieldops.extensions import db
from fieldops.visits.figures import figures_from_history, kept_figures
from fieldops.visits.models import ReviewState, Visit


def _snapshot():
    visits = db.session.scalars(sa.select(Visit).order_by(Visit.idempotency_key)).all()
    return [(v.idempotency_key, v.employer.unit_code, v.officer.username, v.visit_date, str(v.state),
             v.return_reason, v.submitted_at, v.reviewed_at,
             sorted((l.department.name, l.insured, l.registered, l.active, l.newly_registered) for l in v.lines),
             [(str(o.category), o.people_affected, o.note) for o in v.obstacles]) for v in visits]


def test_demo_visits_have_the_promised_shape(demo_data):
    # The visits of fieldops/demo/visits.py (the progress demo adds its own, "demo-progress-…").
    visits = db.session.scalars(sa.select(Visit).where(Visit.idempotency_key.like("demo-visit-%"))).all()
    assert 5 <= len(visits) <= 12
    assert all(date(2023, 1, 1) <= v.visit_date <= date(2023, 12, 31) for v in visits)
    states = [v.state for v in visits]
    assert states.count(ReviewState.returned) == 1 and states.count(ReviewState.verified) >= 3
    waiting = {v.employer.district.code for v in visits if v.state == ReviewState.submitted}
    assert waiting == {"HN-BD", "HT-TP"}
    returned = next(v for v in visits if v.state == ReviewState.returned)
    assert returned.return_reason and returned.reviewed_by.username == "supervisor.hn"
    # None of them is on the employer the browser test records a visit for.
    assert "Công ty TNHH May mặc Hồng Hà" not in {v.employer.name for v in visits}
    for department in db.session.scalars(sa.select(LabourDepartment)):
        assert kept_figures(department) == figures_from_history(department.id)
