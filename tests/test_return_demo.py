"""The demo data's group returns: every district, group and month of 2023, locked
but December's, a correction in each province, the same on every load."""
from datetime import date

import sqlalchemy as sa

from fieldops.demo.data import load_demo_data
from fieldops.extensions import db
from fieldops.returns.models import GroupReturn, ReturnCorrection, ReturnState
from tests.conftest import _truncate


def _snapshot():
    rows = db.session.scalars(sa.select(GroupReturn).order_by(GroupReturn.district_id, GroupReturn.participant_group,
                                                              GroupReturn.month)).all()
    return [(r.district.code, str(r.participant_group), r.month, str(r.state), tuple(r.figures.values()))
            for r in rows]


def test_demo_returns_cover_every_district_group_and_month(app, client):
    load_demo_data()
    db.session.commit()
    first = _snapshot()
    assert len(first) == 4 * 4 * 12
    assert {(code, state) for code, _g, month, state, _f in first if month == date(2023, 12, 1)} == {
        (code, "filed") for code in ("HN-BD", "HN-CG", "HT-TP", "HT-KA")}
    assert all(state == ReturnState.locked for _c, _g, month, state, _f in first if month < date(2023, 12, 1))
    corrections = db.session.scalars(sa.select(ReturnCorrection)).all()
    assert {c.group_return.district.code for c in corrections} == {"HN-BD", "HT-KA"}
    assert all(c.reason and c.before != c.after for c in corrections)
    db.session.remove()
    _truncate(db.engine)
    load_demo_data()
    db.session.commit()
    assert _snapshot() == first
