import sqlalchemy as sa

from fieldops.campaigns.models import Campaign
from fieldops.demo.data import DEMO_PASSWORD, load_demo_data
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from tests import test_followup_demo as followup_demo
from tests import test_return_demo as return_demo
from tests import test_review_demo as review_demo
from tests import test_visit_demo as visit_demo
from tests.conftest import _truncate


def _snapshot():
    employers = db.session.scalars(sa.select(Employer).order_by(Employer.unit_code)).all()
    return [(e.unit_code, e.tax_code, e.name, e.address, e.district.code,
             [(d.name, d.insured_declared) for d in e.departments]) for e in employers]


def _everything():
    return [_snapshot(), visit_demo._snapshot(), followup_demo._snapshot(), review_demo._snapshot(),
            return_demo._snapshot()]


def test_demo_data_is_deterministic(demo_data):
    first = _everything()
    db.session.remove()
    _truncate(db.engine)
    load_demo_data()
    db.session.commit()
    assert _everything() == first


def test_demo_data_has_the_promised_shape(demo_data):
    codes = set(db.session.scalars(sa.select(OrgUnit.code)))
    assert {"VN", "HN", "HT", "HN-BD", "HN-CG", "HT-TP", "HT-KA"} <= codes
    employers = _snapshot()
    assert 35 <= len(employers) <= 45
    assert {e[4] for e in employers} == {"HN-BD", "HN-CG", "HT-TP", "HT-KA"}
    assert all(1 <= len(e[5]) <= 5 for e in employers)
    # Two campaigns since campaign set-up: 2023, in force, and 2024, set up in draft from it.
    campaign, draft = db.session.scalars(sa.select(Campaign).order_by(Campaign.counts_from)).all()
    assert (campaign.starts_on.isoformat(), campaign.ends_on.isoformat(), campaign.counts_from.isoformat()) == (
        "2023-05-05", "2023-12-31", "2023-01-01")
    assert (campaign.code, campaign.decision_number, campaign.decision_date.isoformat(), str(campaign.state)) == (
        "2023", "336/QĐ-BHXH", "2023-03-13", "active")
    assert (draft.code, str(draft.state), draft.counts_from.isoformat()) == ("2024", "draft", "2024-01-01")


def test_every_demo_account_signs_in(app, demo_data):
    for username, unit in [("admin", "VN"), ("hr", "VN"), ("viewer", "VN"), ("supervisor.hn", "HN-BD"),
                           ("officer.hn", "HN-BD"), ("supervisor.ht", "HT-TP"), ("officer.ht", "HT-TP")]:
        client = app.test_client()
        assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302
        assert f"· {unit}</span>" in client.get("/").get_data(as_text=True)


def test_demo_data_command_refuses_a_full_database(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code != 0 and "not empty" in again.output
    assert runner.invoke(args=["demo-data", "--if-empty"]).exit_code == 0
