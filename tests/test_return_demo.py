"""The demo data's group returns: every district, group and month of 2023, locked
but December's, HT-KA's December missing, a correction in each province. (The
same on every load: tests/test_demo.py compares `_snapshot()` across loads.)"""
from datetime import date

import sqlalchemy as sa

from fieldops.demo.data import DEMO_PASSWORD
from fieldops.extensions import db
from fieldops.returns.models import GroupReturn, ReturnCorrection, ReturnState
from tests.visit_helpers import in_english

DECEMBER = date(2023, 12, 1)


def _snapshot():
    rows = db.session.scalars(sa.select(GroupReturn).order_by(GroupReturn.district_id, GroupReturn.participant_group,
                                                              GroupReturn.month)).all()
    return [(r.district.code, str(r.participant_group), r.month, str(r.state), tuple(r.figures.values()))
            for r in rows]


def test_demo_returns_cover_every_district_group_and_month_but_one(demo_data):
    returns = _snapshot()
    assert len(returns) == 4 * 4 * 12 - 4
    assert {(code, state) for code, _g, month, state, _f in returns if month == DECEMBER} == {
        (code, "filed") for code in ("HN-BD", "HN-CG", "HT-TP")}
    assert {code for code, _g, month, _s, _f in returns if month == date(2023, 11, 1)} == {
        "HN-BD", "HN-CG", "HT-TP", "HT-KA"}
    assert all(state == ReturnState.locked for _c, _g, month, state, _f in returns if month < DECEMBER)
    corrections = db.session.scalars(sa.select(ReturnCorrection)).all()
    assert {c.group_return.district.code for c in corrections} == {"HN-BD", "HT-KA"}
    assert all(c.reason and c.before != c.after for c in corrections)


def _signed_in(app, username):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return in_english(client)


def test_the_demo_shows_ht_ka_missing_for_december(app, demo_data):
    viewer = _signed_in(app, "viewer")
    assert "1 district has not filed its returns for 12/2023" in viewer.get("/").get_data(as_text=True)
    page = viewer.get("/returns/missing").get_data(as_text=True)
    assert 'data-district="HT-KA"' in page and 'data-district="HT-TP"' not in page
    # Hà Tĩnh city's supervisor has nothing missing.
    supervisor = _signed_in(app, "supervisor.ht")
    assert "0 districts have not filed their returns for 12/2023" in supervisor.get("/").get_data(as_text=True)


def test_the_demo_sets_targets_for_what_the_returns_add(app, demo_data):
    """Districts, provinces and the nation have targets for people registered in
    all groups (above the employer channel's) and the new voluntary rate (80%);
    teams have none; the dashboard compares them."""
    from fieldops.org.models import OrgUnit, UnitLevel
    from fieldops.progress.models import Metric, Target

    targets = {(t.org_unit.code, Metric(t.metric)): t.value for t in db.session.scalars(sa.select(Target))}
    units = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.level != UnitLevel.team)).all()
    for unit in units:
        assert targets[(unit.code, Metric.registered_all)] > targets[(unit.code, Metric.registered_employer)]
        assert targets[(unit.code, Metric.new_voluntary_pct)] == 80
    assert not any(metric in (Metric.registered_all, Metric.new_voluntary_pct) and code.count("-") == 2
                   for code, metric in targets)
    page = _signed_in(app, "viewer").get("/progress/").get_data(as_text=True)
    row = page.split('data-metric="new_voluntary_pct"', 1)[1].split("</tr>", 1)[0]
    assert "80" in row and "—" not in row.split("</td>", 2)[1]
