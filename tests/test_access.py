"""Walks every route of the app's URL map as every role and as an out-of-scope
user. A route missing from EXPECTED fails the suite: add it here with the roles
that may use it, and a filler for any new URL parameter in PARAMS."""
from dataclasses import dataclass

import pytest

from fieldops import create_app
from fieldops.auth.models import Role
from tests import factories
from tests.conftest import _truncate, restore_rows, sign_in, snapshot_rows

# The URL map, read at collection time to parametrize over routes with ids.
_RULES = {r.endpoint: r for r in create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).url_map.iter_rules()}

ALL = tuple(Role)
PUBLIC = None
A, S, O, H, V, C = Role.admin, Role.supervisor, Role.officer, Role.hr, Role.viewer, Role.care


@dataclass(frozen=True)
class Access:
    roles: tuple | None  # None: public
    get_status: int = 200  # what an allowed GET answers


EXPECTED = {
    "core.home": Access(ALL),
    "core.healthz": Access(PUBLIC),
    "core.language": Access(PUBLIC),
    "auth.login": Access(PUBLIC, get_status=302),  # signed in already: off to the home page
    "auth.logout": Access(ALL),
    "auth.users": Access((A,)),
    "auth.user_new": Access((A,)),
    "auth.user_edit": Access((A,)),
    "auth.user_active": Access((A,)),
    "auth.user_password": Access((A,)),
    "auth.user_sessions_end": Access((A,)),
    "auth.account": Access(ALL),
    "auth.account_password": Access(ALL),
    "auth.account_end_others": Access(ALL),
    "org.units": Access((A,)),
    "org.unit_new": Access((A,)),
    "org.unit_edit": Access((A,)),
    "employers.index": Access(ALL),
    "employers.show": Access(ALL),
    "employers.new": Access((A,)),
    "employers.edit": Access((A,)),
    "employers.department_add": Access((A,)),
    "employers.department_edit": Access((A,)),
    # a department's life: an officer of its district or an admin splits, merges or retires it
    "employers.department_retire": Access((A, O)),
    "employers.department_split": Access((A, O)),
    "employers.department_merge": Access((A, O)),
    "visits.mine": Access((O,)),
    "visits.start": Access((O,)),
    "visits.new": Access((O,)),
    "visits.show": Access(ALL),
    "visits.edit": Access((O,)),
    "visits.queue": Access((S,)),
    "visits.review": Access((S,)),
    "visits.bulk_verify": Access((S,)),
    "employers.import_file": Access((A,)),
    # an import's job page follows its progress, then shows its report; the world's job is no import: 404
    "employers.import_report": Access((A,), get_status=404),
    "employers.import_template": Access((A,)),
    # follow-ups: everyone reads in their area; officers propose and do; supervisors decide
    "followups.queue": Access(ALL),
    "followups.mine": Access((O,)),
    "followups.escalations": Access(ALL),
    "followups.export": Access(ALL),
    "followups.notices": Access(ALL),
    "followups.show": Access(ALL),
    "followups.new": Access((O, S)),
    "followups.approve": Access((S,)),
    "followups.reject": Access((S,)),
    "followups.reassign": Access((S,)),
    "followups.cancel": Access((S,)),
    "followups.start": Access((O,)),
    "followups.complete": Access((O,)),
    "followups.bulk": Access((S,)),
    # the Customer Care Center answers the escalations approved in its area
    "followups.care_queue": Access((C,)),
    "followups.care_answer": Access((C,)),
    # progress: leadership, supervisors, HR and admins see their area's dashboards; officers their own
    # achievements, the employers they can open and their area's worklist; admins and HR keep the targets
    "progress.dashboard_home": Access((V, S, H, A)),
    "progress.unit": Access((V, S, H, A)),
    "progress.export": Access((V, S, H, A)),
    "progress.report": Access((V, S, H, A)),
    "progress.worklist": Access(ALL),
    "progress.officer": Access(ALL),  # an officer: only themself (404 otherwise)
    "progress.mine": Access((O,)),
    "progress.employer": Access(ALL),
    "progress.targets": Access((A, H)),
    "progress.target_new": Access((A, H)),
    "progress.target_edit": Access((A, H)),
    "progress.target_delete": Access((A, H)),
    "progress.targets_import": Access((A, H)),
    "progress.targets_import_report": Access((A, H), get_status=404),
    "progress.targets_import_template": Access((A, H)),
    # reviews: HR runs them; leadership, supervisors and admins read them in their area; a unit's
    # leader (supervisor) may record an endorsement; anyone signed in checks a dossier's code
    "reviews.index": Access((V, S, H, A)),
    "reviews.new": Access((H,)),
    "reviews.period": Access((V, S, H, A)),
    "reviews.cut_off": Access((H,)),
    "reviews.close": Access((H,)),
    "reviews.criterion_add": Access((H,)),
    "reviews.criterion_delete": Access((H,)),
    "reviews.ranking": Access((V, S, H, A)),
    "reviews.nominate": Access((H,)),
    "reviews.nominations": Access((V, S, H, A)),
    "reviews.nomination": Access((V, S, H, A)),
    "reviews.nomination_edit": Access((H,)),
    "reviews.endorse": Access((H, S)),
    "reviews.decide": Access((H,)),
    "reviews.withdraw": Access((H,)),
    "reviews.titles_page": Access((H,)),
    "reviews.title_edit": Access((H,)),
    "reviews.dossiers_page": Access((H,)),
    "reviews.generate": Access((H,)),
    "reviews.regenerate": Access((H,)),
    "reviews.dossier_pdf": Access((H,)),
    "reviews.dossier_preview": Access((H,)),
    "reviews.dossier_mark": Access((H,)),
    "reviews.revoke": Access((H,)),
    "reviews.council": Access((H,)),
    # who signs a unit's documents: admins of its area
    "reviews.signer": Access((A,)),
    # anyone holding a printed dossier checks its code; signed in within its area, in detail
    "reviews.verify_form": Access(PUBLIC),
    "reviews.verify": Access(PUBLIC),
    # group returns: the district's officers and supervisors file them, its supervisors lock and
    # correct them; everyone reads their area's
    "returns.index": Access(ALL),
    "returns.new": Access((O, S)),
    "returns.show": Access(ALL),
    "returns.change": Access((O, S)),
    "returns.lock": Access((S,)),
    "returns.correct": Access((S,)),
    # their import: those who file them, and admins; the districts missing a return: those who oversee.
    "returns.import_file": Access((O, S, A)),
    "returns.import_template": Access((O, S, A)),
    "returns.import_report": Access((O, S, A), get_status=404),
    "returns.missing": Access((S, V, A, H)),
    # outreach: the district's officers and supervisors plan and record it, its supervisors verify it;
    # everyone reads their area's
    "outreach.index": Access(ALL),
    "outreach.new": Access((O, S)),
    "outreach.show": Access(ALL),
    "outreach.edit": Access((O, S)),
    "outreach.held": Access((O, S)),
    "outreach.cancel": Access((O, S)),
    "outreach.verify": Access((S,)),
    "outreach.photos": Access((O, S)),
    "outreach.photo": Access(ALL),
    "outreach.plan": Access(ALL),
    "outreach.save_plan": Access((O, S)),
    "jobs.show": Access((H, A)),
    "jobs.retry": Access((H, A)),
    # campaigns are national: admins read the list; only a national admin sets one up (the admins
    # here are provinces': refused, 403); admins and HR allocate targets in their own area
    "campaigns.index": Access((A,)),
    "campaigns.new": Access((A,), get_status=403),
    "campaigns.edit": Access((A,), get_status=403),
    "campaigns.copy_targets": Access((A,), get_status=403),
    "campaigns.allocate": Access((A, H)),
    # the officers' offline field kit: the manifest and service worker for anyone, the rest officers'
    "offline.manifest": Access(PUBLIC),
    "offline.service_worker": Access(PUBLIC),
    "offline.page": Access((O,)),
    "offline.outbox": Access((O,)),
    "offline.district_data": Access((O,)),
}
# Their ids are of national objects (campaigns), in everyone's scope: none answers 404 for scope.
NATIONAL = {"campaigns.edit", "campaigns.copy_targets", "campaigns.allocate"}

# URL parameter → the id of an object in Hà Nội (in scope for the HN users,
# out of scope for the HT ones), read from the world once it is built.
PARAMS = {
    "user_id": lambda w: w["users"]["HN"]["officer"].id,
    "unit_id": lambda w: w["org"]["HN-BD"].id,
    "employer_id": lambda w: w["employer"].id,
    "department_id": lambda w: w["employer"].departments[0].id,
    "visit_id": lambda w: w["visit"].id,
    "followup_id": lambda w: w["followup"].id,
    "target_id": lambda w: w["target"].id,
    # reviews (the review is organised by Hà Nội; the dossier and the job are Ba Đình's)
    "period_id": lambda w: w["period"].id,
    "criterion_id": lambda w: w["criterion"].id,
    "nomination_id": lambda w: w["nomination"].id,
    "title_id": lambda w: w["title"].id,
    "dossier_id": lambda w: w["dossier"].id,
    "code": lambda w: w["dossier"].verification_code,
    "job_id": lambda w: w["job"].id,
    "return_id": lambda w: w["group_return"].id,
    "activity_id": lambda w: w["activity"].id,
    "photo_id": lambda w: w["activity"].photos[0].id,
    "ident": lambda w: w["campaign"].id,
}


@dataclass(frozen=True)
class World:
    params: dict  # URL parameter → its value
    cookies: dict  # (role, province) → the session cookie of that user, signed in
    rows: list  # every row, as snapshot_rows() read them


@pytest.fixture(scope="module")
def built_world(app):
    """The walk's world, built and signed into once for the module: building it
    and signing in took four fifths of each case's time."""
    from fieldops.extensions import db

    with app.app_context():
        org = factories.org_tree()
        users = factories.users_per_role(org)
        employer = factories.employer(org["HN-BD"], departments=["Văn phòng", "Phân xưởng"])
        visit = factories.visit(users["HN"]["officer"], employer)
        followup = factories.followup(users["HN"]["officer"], employer, visit=visit)
        campaign = factories.campaign()
        target = factories.target(campaign, org["HN-BD"])
        reviews = factories.review_world(users["HN"]["hr"], campaign, org, users["HN"]["officer"])
        group_return = factories.group_return(users["HN"]["officer"], org["HN-BD"])
        from tests.outreach_helpers import activity

        held = activity(users["HN"]["officer"], org["HN-BD"], held=(100, 10), photo=True)
        db.session.commit()
        w = {"org": org, "users": users, "employer": employer, "visit": visit, "followup": followup,
             "target": target, "group_return": group_return, "activity": held, "campaign": campaign, **reviews}
        params = {arg: fill(w) for arg, fill in PARAMS.items()}
        cookie = app.config["SESSION_COOKIE_NAME"]
        cookies = {(role, province): sign_in(app.test_client(), user).get_cookie(cookie).value
                   for province, by_role in users.items() for role, user in by_role.items()}
        rows = snapshot_rows()
        db.session.remove()
        _truncate(db.engine)
    return World(params, cookies, rows)


@pytest.fixture
def world(built_world):
    """The world copied back for this case (each case ends with every table emptied)."""
    import sqlalchemy as sa

    from fieldops.auth.models import UserSession
    from fieldops.extensions import db
    from fieldops.timeutil import utcnow

    restore_rows(built_world.rows)
    # Seen just now, so no session has timed out however long the module runs.
    with db.engine.begin() as conn:
        conn.execute(sa.update(UserSession).values(last_seen_at=utcnow()))
    return built_world


@pytest.fixture
def client_as(app, world):
    """client_as("officer") → a client signed in as the Hà Nội officer;
    client_as("officer", "HT") → as the Hà Tĩnh one."""

    def make(role, province="HN"):
        client = app.test_client()
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], world.cookies[(role, province)])
        return client

    return make


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def _url(app, rule, world):
    values = {arg: world.params[arg] for arg in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_every_route_is_in_the_table(app):
    endpoints = {r.endpoint for r in _rules(app)}
    assert endpoints - EXPECTED.keys() == set(), "routes without an access rule in tests/test_access.py"
    assert EXPECTED.keys() - endpoints == set(), "table lists routes that no longer exist"
    for rule in _rules(app):
        assert set(rule.arguments) <= PARAMS.keys(), f"{rule.rule}: add a filler for its parameters to PARAMS"


def test_every_view_declares_its_roles(app):
    for endpoint, expected in EXPECTED.items():
        view = app.view_functions[endpoint]
        assert hasattr(view, "allowed_roles"), f"{endpoint} has neither @public nor @roles_required"
        declared = None if view.allowed_roles is None else set(view.allowed_roles)
        wanted = None if expected.roles is None else set(expected.roles)
        assert declared == wanted, endpoint


def _rule(app, endpoint):
    return next(r for r in _rules(app) if r.endpoint == endpoint)


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
@pytest.mark.parametrize("role", [str(r) for r in Role])
def test_role_gets_expected_status(app, world, client_as, endpoint, role):
    rule = _rule(app, endpoint)
    expected = EXPECTED[endpoint]
    client = client_as(role)
    url = _url(app, rule, world)
    allowed = expected.roles is None or Role(role) in expected.roles
    if "GET" in rule.methods:
        response = client.get(url)
        assert response.status_code == (expected.get_status if allowed else 403), (endpoint, role)
    else:
        response = client.post(url, data={})
        if allowed:
            assert response.status_code not in (403, 404, 405, 500), (endpoint, role, response.status_code)
        else:
            assert response.status_code == 403, (endpoint, role)


@pytest.mark.parametrize("endpoint", sorted(e for e, a in EXPECTED.items() if a.roles is not None))
def test_anonymous_is_sent_to_sign_in(app, world, client, endpoint):
    rule = _rule(app, endpoint)
    url = _url(app, rule, world)
    response = client.get(url) if "GET" in rule.methods else client.post(url, data={})
    assert response.status_code == 302 and "/login" in response.location, endpoint


def _scoped_endpoints_with_ids():
    return sorted(
        e for e, a in EXPECTED.items()
        if a.roles is not None and e in _RULES and _RULES[e].arguments and e not in NATIONAL
    )


@pytest.mark.parametrize("endpoint", _scoped_endpoints_with_ids())
def test_out_of_scope_ids_answer_404(app, world, client_as, endpoint):
    rule = _rule(app, endpoint)
    role = str(EXPECTED[endpoint].roles[0])
    client = client_as(role, "HT")
    url = _url(app, rule, world)
    response = client.get(url) if "GET" in rule.methods else client.post(url, data={})
    assert response.status_code == 404, (endpoint, role)


def test_a_unit_created_in_a_request_is_in_scope_for_the_rest_of_it(app, org, users):
    """The area's district ids are read once per request (fieldops/org/scope.py)
    and read again once the tree changes."""
    import sqlalchemy as sa

    from fieldops.employers.models import Employer
    from fieldops.extensions import db
    from fieldops.org.operations import create_org_unit
    from fieldops.org.scope import district_ids_in_scope

    with app.test_request_context("/"):
        before = district_ids_in_scope(org["HN"])
        assert district_ids_in_scope(org["HN"]) is before  # one read per request
        district = create_org_unit(None, code="HN-TX", name="BHXH Thanh Xuân", parent=org["HN"])
        employer = factories.employer(district, name="Công ty Thanh Xuân")
        assert district.id in district_ids_in_scope(org["HN"])
        assert employer.id in db.session.scalars(sa.select(Employer.id).where(Employer.scope_clause(org["HN"]))).all()


def test_a_subtree_given_as_a_parameter_is_the_scope_clause(app, org, users):
    """Statements built once take a unit's subtree as a parameter (fieldops/org/scope.py's
    `in_subtree`, on the users' units): for every unit, the users it finds are those the
    scope clause finds."""
    import sqlalchemy as sa

    from fieldops.auth.models import User
    from fieldops.extensions import db
    from fieldops.org.models import OrgUnit
    from fieldops.org.scope import in_subtree, subtree_of

    built_once = (sa.select(User.id).join(OrgUnit, OrgUnit.id == User.org_unit_id)
                  .where(in_subtree(OrgUnit.path)).order_by(User.id))
    for unit in org.values():
        expected = db.session.scalars(sa.select(User.id).where(User.scope_clause(unit)).order_by(User.id)).all()
        assert db.session.scalars(built_once, subtree_of(unit)).all() == expected, unit.code
    # A unit whose id begins with another's is not below it; the unit itself and those below are.
    unit_12 = type(org["HN"])(path="/1/12/")
    for path, below in (("/1/12/", True), ("/1/12/5/", True), ("/1/12/5/77/", True), ("/1/123/", False),
                        ("/1/120/", False), ("/1/1/", False), ("/1/12", False), ("/1/", False), ("/2/12/", False)):
        found = db.session.scalar(sa.select(sa.literal(1)).where(in_subtree(sa.literal(path))), subtree_of(unit_12))
        assert (found == 1) is below, path


def test_the_officer_filter_lists_the_officers_of_the_area_and_of_the_unit_chosen(app, org, users):
    from fieldops.auth.queries import officers_for_choice

    with app.test_request_context("/"):
        hn_officer, ht_officer = users["HN"]["officer"], users["HT"]["officer"]
        area = officers_for_choice(users["HN"]["supervisor"])
        assert (hn_officer.id, hn_officer.full_name) in area
        assert ht_officer.id not in {officer_id for officer_id, _name in area}
        assert officers_for_choice(users["HN"]["supervisor"], org["HT"]) == []
        coded = officers_for_choice(users["HT"]["supervisor"], org["HT"], with_unit_code=True)
        assert (ht_officer.id, f"{ht_officer.full_name} · {ht_officer.org_unit.code}") in coded


def test_a_record_behind_its_id_is_the_sessions_own_object(app, org, users):
    """`get_or_404` reads a record's columns and makes the session's object of them
    (fieldops/core/rows.py `instance_of`): the same object as any other read of it,
    its changes saved, what a commit expired read again, another area's id a 404."""
    import sqlalchemy as sa
    from werkzeug.exceptions import NotFound

    from fieldops.employers.models import Employer
    from fieldops.extensions import db
    from fieldops.org.models import OrgUnit
    from fieldops.org.scope import get_or_404

    from fieldops.auth.models import User

    officer_id, other_id = users["HN"]["officer"].id, users["HT"]["officer"].id
    employer = factories.employer(org["HN-BD"], name="Công ty Ba Đình")
    employer_id, unit_id = employer.id, org["HN-BD"].id
    db.session.commit()
    with app.test_request_context("/"):
        db.session.expunge_all()
        officer = db.session.get(User, officer_id)
        found = get_or_404(Employer, employer_id, officer)
        assert (found.name, found.district_id) == ("Công ty Ba Đình", unit_id)
        assert found in db.session and not db.session.dirty
        assert db.session.get(Employer, employer_id) is found
        assert get_or_404(OrgUnit, unit_id, officer) is db.session.get(OrgUnit, unit_id)
        found.contact_name = "Chị Lan"
        db.session.commit()
        db.session.execute(sa.update(Employer).where(Employer.id == employer_id).values(name="Công ty mới"))
        db.session.commit()
        assert get_or_404(Employer, employer_id, officer) is found
        assert (found.name, found.contact_name) == ("Công ty mới", "Chị Lan")
        with pytest.raises(NotFound):
            get_or_404(Employer, employer_id, db.session.get(User, other_id))
