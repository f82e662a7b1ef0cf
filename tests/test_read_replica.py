"""A read replica (fieldops/core/replica.py): with one set, the dashboards,
reports and exports read it; writes, the officers' pages and every request of a
browser that has just written read the primary. The replica here is a second
SQLite file, a copy of the primary made when the test says (so it lags behind
until then)."""
import sqlite3
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from fieldops import create_app
from fieldops.auth.models import Role
from fieldops.core.replica import COOKIE
from fieldops.core.rows import rows_of, scalar_of
from fieldops.employers.models import Employer
from fieldops.extensions import READS_REPLICA, WROTE, db
from fieldops.jobs import worker
from fieldops.org.models import OrgUnit
from fieldops.progress.models import ReportSnapshot
from tests import factories
from tests.conftest import _fresh_g, sign_in


class Replicated:
    def __init__(self, tmp_path):
        self.paths = {name: tmp_path / f"{name}.sqlite3" for name in ("primary", "replica")}
        self.app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False,
                               "SQLALCHEMY_DATABASE_URI": f"sqlite:///{self.paths['primary']}",
                               "SQLALCHEMY_BINDS": {"replica": f"sqlite:///{self.paths['replica']}"}})
        self.app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)

    def catch_up(self):
        """The replica receives everything the primary committed so far."""
        source, target = sqlite3.connect(self.paths["primary"]), sqlite3.connect(self.paths["replica"])
        source.backup(target)
        source.close()
        target.close()

    def client(self, user):
        client = sign_in(self.app.test_client(), user)
        client.delete_cookie(COOKIE)  # signing in wrote; the tests start after its window
        return client


@pytest.fixture
def replicated(tmp_path):
    r = Replicated(tmp_path)
    with r.app.app_context():
        upgrade()
        r.org = factories.org_tree()
        factories.campaign()
        r.officer = factories.user(r.org["HN-BD"], Role.officer)
        r.supervisor = factories.user(r.org["HN-BD"], Role.supervisor)
        r.employer = factories.employer(r.org["HN-BD"], name="Công ty TNHH Hồng Hà", departments=[("Văn phòng", 40)])
        db.session.commit()
        r.catch_up()
        yield r
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def visits_shown(client, unit):
    page = client.get(f"/progress/units/{unit.id}?period=campaign")
    assert page.status_code == 200
    return page.get_data(as_text=True).split('data-figure="visits">', 1)[1].split("<", 1)[0]


def test_dashboards_read_the_replica_and_a_writer_reads_the_primary_for_a_while(replicated):
    r = replicated
    officer, supervisor = r.client(r.officer), r.client(r.supervisor)
    assert visits_shown(supervisor, r.org["HN-BD"]) == "0"
    visit = factories.visit(r.officer, r.employer, figures={"Văn phòng": (40, 30, 10, 5)})
    db.session.commit()
    # The replica has not received the visit yet: the dashboard does not count it.
    assert visits_shown(supervisor, r.org["HN-BD"]) == "0"
    # The officer's own pages read the primary.
    assert "Công ty TNHH Hồng Hà" in officer.get(f"/visits/{visit.id}").get_data(as_text=True)
    # The supervisor verifies it (a write, on the primary): their next pages read the primary.
    response = supervisor.post(f"/visits/{visit.id}/review", data={"decision": "verify", "reason": ""})
    assert response.status_code == 302
    assert supervisor.get_cookie(COOKIE) is not None
    assert visits_shown(supervisor, r.org["HN-BD"]) == "1"
    # Once the window is over, the replica again (still behind here, never in real life for so long).
    supervisor.set_cookie(COOKIE, str(int(time.time()) - 1))
    assert visits_shown(supervisor, r.org["HN-BD"]) == "0"
    r.catch_up()
    assert visits_shown(supervisor, r.org["HN-BD"]) == "1"


def a_leader_with_kept_dashboards(r):
    r.app.config["PROGRESS_REPORT_SECONDS"] = 60
    leader = factories.user(r.org["VN"], Role.viewer)
    db.session.commit()
    r.catch_up()
    return r.client(leader)


def test_a_dashboard_keeps_its_copy_on_the_primary(replicated):
    r = replicated
    client = a_leader_with_kept_dashboards(r)
    assert client.get(f"/progress/units/{r.org['HN'].id}").status_code == 200
    count = sa.select(sa.func.count()).select_from(ReportSnapshot)
    with db.engine.connect() as primary, db.engines["replica"].connect() as replica:
        assert primary.execute(count).scalar() == 1
        assert replica.execute(count).scalar() == 0


def test_a_copy_computed_again_by_the_worker_reads_the_replica_as_its_view(replicated):
    r = replicated
    client = a_leader_with_kept_dashboards(r)

    def age_the_copy():
        for copy in db.session.scalars(sa.select(ReportSnapshot)):
            copy.computed_at -= timedelta(seconds=61)
        db.session.commit()
        r.catch_up()

    def seen_twice():
        client.get(f"/progress/units/{r.org['HN-BD'].id}?period=campaign", buffered=True)  # the aged copy
        assert worker.do_chores(r.app) == 1
        r.catch_up()  # the copy computed again by the worker, kept on the primary, reaches the replica
        return visits_shown(client, r.org["HN-BD"])

    assert visits_shown(client, r.org["HN-BD"]) == "0"
    age_the_copy()
    factories.visit(r.officer, r.employer, figures={"Văn phòng": (40, 30, 10, 5)})
    db.session.commit()
    assert seen_twice() == "0"  # computed from the replica, which had not received the visit
    age_the_copy()
    assert seen_twice() == "1"


def test_a_marked_view_reads_what_its_session_wrote_from_the_primary(replicated):
    r = replicated
    session = db.session()
    session.info.pop(WROTE, None)
    session.info[READS_REPLICA] = True
    try:
        assert session.get_bind(clause=sa.select(OrgUnit)) is db.engines["replica"]
        db.session.add(OrgUnit(code="HN-HK", name="BHXH quận Hoàn Kiếm", level="district", parent=r.org["HN"],
                               path=""))
        db.session.flush()
        assert session.get_bind(clause=sa.select(OrgUnit)) is db.engine
        assert db.session.scalar(sa.select(OrgUnit.name).where(OrgUnit.code == "HN-HK")) == "BHXH quận Hoàn Kiếm"
        # Rows locked for an update are never the replica's.
        assert db.session.get_bind(clause=sa.select(OrgUnit).with_for_update()) is db.engine
    finally:
        session.info.pop(READS_REPLICA, None)
        db.session.rollback()


def test_without_a_replica_every_read_is_the_primarys(app, org, users):
    assert "replica" not in db.engines
    client = sign_in(app.test_client(), users["HN"]["supervisor"])
    factories.campaign()
    db.session.commit()
    assert client.get(f"/progress/units/{org['HN-BD'].id}").status_code == 200
    assert client.get_cookie(COOKIE) is None


def test_rows_read_without_the_orm_go_where_the_sessions_reads_go(replicated):
    """core/rows.py reads on the session's connection: the replica for a marked view,
    after flushing what the session holds; once it has written, the primary."""
    r = replicated
    factories.employer(r.org["HN-BD"], name="Công ty CP Sông Đà")
    db.session.commit()  # on the primary only: the replica has not caught up
    names = sa.select(Employer.name).order_by(Employer.name)
    session = db.session()
    session.info.pop(WROTE, None)
    session.info[READS_REPLICA] = True
    try:
        assert [row.name for row in rows_of(names)] == ["Công ty TNHH Hồng Hà"]
        assert scalar_of(sa.select(sa.func.count()).select_from(Employer)) == 1
        db.session.add(Employer(unit_code="TA9999", name="Công ty TNHH An Phát", district=r.org["HN-BD"]))
        # The pending employer is flushed first, as the ORM's execute would, and read back from the primary.
        assert [row.name for row in rows_of(names)] == ["Công ty CP Sông Đà", "Công ty TNHH An Phát",
                                                         "Công ty TNHH Hồng Hà"]
    finally:
        session.info.pop(READS_REPLICA, None)
        db.session.rollback()
