"""The demo data's outreach: a year of activities for each demo district, of every
kind and group, some planned and never held, some cancelled, most verified; a plan
for each quarter; and the Hà Nội dashboard shows them."""
from datetime import date

import sqlalchemy as sa

from fieldops.demo.data import DEMO_PASSWORD
from fieldops.extensions import db
from fieldops.outreach.models import (OUTREACH_GROUPS, OutreachActivity, OutreachActivityGroup, OutreachKind,
                                      OutreachPlanLine, OutreachState)
from fieldops.org.models import OrgUnit
from tests.visit_helpers import in_english


def test_demo_outreach_covers_every_kind_group_and_state(demo_data):
    activities = db.session.scalars(sa.select(OutreachActivity)).all()
    assert {a.district.code for a in activities} == {"HN-BD", "HN-CG", "HT-TP", "HT-KA"}
    assert {a.kind for a in activities} == set(OutreachKind)
    groups = set(db.session.scalars(sa.select(OutreachActivityGroup.participant_group).distinct()))
    assert groups == set(OUTREACH_GROUPS)
    states = {s: sum(1 for a in activities if a.state == s) for s in OutreachState}
    assert all(states.values()) and states[OutreachState.verified] > len(activities) // 2
    assert {a.starts_on.month for a in activities} == set(range(1, 13))
    assert all(date(2023, 1, 1) <= a.starts_on <= date(2023, 12, 31) for a in activities)
    assert all(a.cancel_reason for a in activities if a.state == OutreachState.cancelled)
    plans = db.session.execute(sa.select(OutreachPlanLine.district_id, OutreachPlanLine.period_start).distinct()).all()
    assert len(plans) == 4 * 4


def test_the_demo_dashboard_shows_outreach(app, demo_data):
    client = app.test_client()
    assert client.post("/login", data={"username": "viewer", "password": DEMO_PASSWORD}).status_code == 302
    hn = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code == "HN")).one()
    page = in_english(client).get(f"/progress/units/{hn.id}?period=2023").get_data(as_text=True)
    assert 'id="progress-outreach"' in page and 'id="outreach-plan-vs-held"' in page
