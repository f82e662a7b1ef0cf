"""The supervisor's review queue: figures and their change per department, same-day
repeats, filters (hostile values included), and bulk verify of a selection."""
import html
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.auth.models import Role
from fieldops.extensions import db
from fieldops.visits import operations
from fieldops.visits.models import ReviewState, Visit, VisitPurpose
from tests import factories
from tests.conftest import csrf_token_from, sign_in
from tests.visit_helpers import in_english


@pytest.fixture
def world(org, users):
    """Ba Đình: Hồng Hà (Văn phòng 40, Phân xưởng 120) with a verified visit of
    March; waiting: officer.hn's two visits to Hồng Hà on 01/06 and one to Sông Đà
    (code SD-77) on 10/06, the team officer's to Sông Đà on 05/06 (guidance); a
    returned one. Hà Tĩnh: a waiting visit of its own."""
    factories.campaign()
    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    team_officer = factories.user(org["HN-BD-T1"], Role.officer, username="officer.team",
                                  full_name="Trần Thị Ngọc Hà")
    hong_ha = factories.employer(org["HN-BD"], name="Công ty TNHH Hồng Hà",
                                 departments=[("Văn phòng", 40), ("Phân xưởng", 120)])
    song_da = factories.employer(org["HN-BD"], name="Công ty Sông Đà", unit_code="SD-77",
                                 departments=[("Toàn đơn vị", 30)])
    ht = factories.employer(org["HT-TP"], name="Công ty Cấp nước Hà Tĩnh",
                            departments=[("Toàn đơn vị", 30)])

    def visit(who, employer, day, figures, hour=9, purpose=VisitPurpose.registration_drive):
        return factories.visit(who, employer, visit_date=day, figures=figures, purpose=purpose,
                               now=datetime(day.year, day.month, day.day, hour))

    march = visit(officer, hong_ha, date(2023, 3, 1), {"Văn phòng": (40, 10, 5), "Phân xưởng": (120, 30, 10)})
    operations.verify_visit(supervisor, march, now=datetime(2023, 3, 2))
    returned = visit(officer, song_da, date(2023, 4, 1), {"Toàn đơn vị": (30, 3, 1)})
    operations.return_visit(supervisor, returned, "Số liệu chưa khớp", now=datetime(2023, 4, 2))
    made = {
        "march": march, "returned": returned,
        "morning": visit(officer, hong_ha, date(2023, 6, 1), {"Văn phòng": (42, 25, 12)}, hour=9),
        "afternoon": visit(officer, hong_ha, date(2023, 6, 1), {"Phân xưởng": (120, 60, 20)}, hour=15),
        "team": visit(team_officer, song_da, date(2023, 6, 5), {"Toàn đơn vị": (30, 12, 6)},
                      purpose=VisitPurpose.guidance),
        "song_da": visit(officer, song_da, date(2023, 6, 10), {"Toàn đơn vị": (31, 15, 8)}),
        "ht": visit(users["HT"]["officer"], ht, date(2023, 6, 1), {"Toàn đơn vị": (30, 15, 10)}),
    }
    db.session.commit()
    return {"org": org, "users": users, "visits": made, "team_officer": team_officer, "hong_ha": hong_ha}


@pytest.fixture
def supervisor(client_as):
    return in_english(client_as("supervisor"))


def cards(page) -> dict:
    """{visit id: the card's text}, in queue order."""
    found = re.findall(r'<li class="review-card" data-visit="(\d+)">(.*?)</li>\s*(?=<li class="review-card"|</ul>)',
                       page, re.S)
    text = {int(n): " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split()) for n, body in found}
    return {n: body.replace(" :", ":").replace(" ;", ";") for n, body in text.items()}


def shown(page) -> set:
    return set(cards(page))


def ids(world, *names):
    return {world["visits"][name].id for name in names}


def flashes(page):
    return [" ".join(html.unescape(m).split()) for m in re.findall(r'<p class="flash flash-\w+">(.*?)</p>', page, re.S)]


def state(visit):
    return db.session.scalar(sa.select(Visit.state).where(Visit.id == visit.id))


def verify_events(visit):
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "visit.verify", AuditEvent.object_id == str(visit.id)))


# --- what a card shows ------------------------------------------------------------------


def test_each_card_shows_the_figures_and_their_change_per_department(world, supervisor):
    page = supervisor.get("/visits/review").get_data(as_text=True)
    assert shown(page) == ids(world, "morning", "afternoon", "team", "song_da")  # not Hà Tĩnh's, not returned
    found = cards(page)
    # Văn phòng: 40/10/5 in March (verified), now 42/25/12.
    morning = found[world["visits"]["morning"].id]
    assert "Văn phòng: insured 40 → 42 (+2); registered 10 → 25 (+15); active 5 → 12 (+7)" in morning
    assert "Phân xưởng" not in morning
    afternoon = found[world["visits"]["afternoon"].id]
    assert "Phân xưởng: insured 120 → 120 (±0); registered 30 → 60 (+30); active 10 → 20 (+10)" in afternoon
    # Sông Đà: the 10/06 visit is current, against the one before it (the April one was returned);
    # the 05/06 one, older, against the current figures: what the department would be without it.
    song_da, team = found[world["visits"]["song_da"].id], found[world["visits"]["team"].id]
    assert "insured 30 → 31 (+1); registered 12 → 15 (+3); active 6 → 8 (+2)" in song_da
    assert "insured 31 → 30 (−1); registered 15 → 12 (−3); active 8 → 6 (−2)" in team


def test_a_department_first_counted_starts_from_its_declared_headcount(world, supervisor):
    employer = factories.employer(world["org"]["HN-BD"], name="Công ty Mới", departments=[("Toàn đơn vị", 25)])
    first = factories.visit(world["users"]["HN"]["officer"], employer, visit_date=date(2023, 6, 2),
                            figures={"Toàn đơn vị": (26, 9, 4)})
    db.session.commit()
    card = cards(supervisor.get("/visits/review").get_data(as_text=True))[first.id]
    assert "Toàn đơn vị: insured 25 → 26 (+1); registered 0 → 9 (+9); active 0 → 4 (+4)" in card


def test_a_back_dated_visit_is_compared_with_the_current_figures(world, supervisor):
    """Waiting, but older than the department's current line: against what is current."""
    back = factories.visit(world["users"]["HN"]["officer"], world["hong_ha"], visit_date=date(2023, 5, 1),
                           figures={"Văn phòng": (41, 20, 9)}, now=datetime(2023, 6, 20, 9))
    db.session.commit()
    card = cards(supervisor.get("/visits/review").get_data(as_text=True))[back.id]
    assert "Văn phòng: insured 42 → 41 (−1); registered 25 → 20 (−5); active 12 → 9 (−3)" in card


def test_same_day_repeats_are_flagged(world, supervisor):
    found = cards(supervisor.get("/visits/review").get_data(as_text=True))
    flag = "Same day: 1 other visit by this officer to this employer"
    assert flag in found[world["visits"]["morning"].id] and flag in found[world["visits"]["afternoon"].id]
    # Another officer, or another day, at the same employer: no flag.
    assert all("Same day" not in found[world["visits"][name].id] for name in ("team", "song_da"))


def _statements(client, path):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_queue_costs_the_same_statements_for_two_cards_or_twenty(world, supervisor, app):
    path = "/visits/review?employer=hong+ha"
    two = _statements(supervisor, path)
    officer = world["users"]["HN"]["officer"]
    for day in range(2, app.config["PAGE_SIZE"] - 1):  # up to a page less one: no count of all asked
        factories.visit(officer, world["hong_ha"], visit_date=date(2023, 6, day), now=datetime(2023, 6, day, 9))
    db.session.commit()
    page = supervisor.get(path).get_data(as_text=True)
    assert len(shown(page)) == app.config["PAGE_SIZE"] - 1 and "Same day" in page
    assert _statements(supervisor, path) == two



def test_a_filtered_queue_past_one_page_is_counted_by_its_selection(world, supervisor, app, monkeypatch):
    """Filtered, past a page, the waiting are counted by the selection "verify all" reads
    anyway (up to its cap), not by a count of their own."""
    from fieldops.visits import queue, queue_routes

    path = "/visits/review?employer=hong+ha"
    before = len(shown(supervisor.get(path).get_data(as_text=True)))
    officer = world["users"]["HN"]["officer"]
    added = app.config["PAGE_SIZE"] + 2
    for day in range(1, added + 1):
        factories.visit(officer, world["hong_ha"], visit_date=date(2023, 8, day), now=datetime(2023, 8, day, 9))
    db.session.commit()
    monkeypatch.setattr(queue, "count_cards", lambda *args: pytest.fail("counted again"))
    monkeypatch.setattr(queue_routes, "waiting_review_count", lambda *args: pytest.fail("counted again"))
    for query in ("?employer=hong+ha", "?employer=hong+ha&page=2"):
        page = " ".join(supervisor.get("/visits/review" + query).get_data(as_text=True).split())
        assert f"{before + added} visits wait for review" in page
        assert f"Verify all {before + added} visits shown" in page
    assert len(shown(supervisor.get(path).get_data(as_text=True))) == app.config["PAGE_SIZE"]


def test_the_unfiltered_queue_is_counted_from_its_index_and_read_for_verify_all_only_when_offered(
        world, supervisor, app, monkeypatch):
    """Unfiltered, the waiting are counted first (from their index alone); "verify all"
    reads them only when it is offered: past its cap they are counted, never read."""
    from fieldops.visits import queue

    officer = world["users"]["HN"]["officer"]
    for day in range(1, app.config["PAGE_SIZE"] + 3):
        factories.visit(officer, world["hong_ha"], visit_date=date(2023, 8, day), now=datetime(2023, 8, day, 9))
    db.session.commit()
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Visit).where(
        Visit.state == ReviewState.submitted, Visit.district_id == world["hong_ha"].district_id,
        Visit.officer_id != world["users"]["HN"]["supervisor"].id))
    page = " ".join(supervisor.get("/visits/review").get_data(as_text=True).split())
    assert f"{waiting} visits wait for review" in page and f"Verify all {waiting} visits shown" in page

    monkeypatch.setattr(queue, "MAX_BULK", waiting - 1)
    monkeypatch.setattr(queue, "waiting_selection", lambda *args: pytest.fail("read past the cap"))
    page = " ".join(supervisor.get("/visits/review").get_data(as_text=True).split())
    assert f"{waiting} visits wait for review" in page
    assert f"More than {waiting - 1} visits wait under these filters" in page
    assert 'id="verify-all"' not in page and 'name="all"' not in page


def test_a_card_shown_again_shows_what_changed_since_and_speaks_the_language_asked(world, supervisor):
    """The cards' markup is remembered by what they show (core/templating.py's
    `remembered`): an employer, a department or an officer renamed, another
    department's figures counted, a language switched all show on the next view."""
    from fieldops.employers.operations import rename_department, update_employer

    admin, song_da = world["users"]["HN"]["admin"], world["visits"]["song_da"]
    first = cards(supervisor.get("/visits/review").get_data(as_text=True))[song_da.id]
    assert "Công ty Sông Đà 10/06/2023 · " in first and "Toàn đơn vị: insured 30 → 31" in first
    update_employer(admin, song_da.employer, name="Công ty Sông Đà Mới")
    rename_department(admin, song_da.employer.departments[0], "Khối văn phòng")
    world["team_officer"].full_name = "Trần Ngọc Hà"
    db.session.commit()
    shown_now = cards(supervisor.get("/visits/review").get_data(as_text=True))
    assert "Công ty Sông Đà Mới 10/06/2023 · " in shown_now[song_da.id]
    assert "Khối văn phòng: insured 30 → 31" in shown_now[song_da.id]
    assert "Trần Ngọc Hà" in shown_now[world["visits"]["team"].id]
    factories.visit(world["team_officer"], song_da.employer, visit_date=date(2023, 6, 11),
                    figures={"Khối văn phòng": (33, 20, 9)}, now=datetime(2023, 6, 11, 9))
    db.session.commit()
    later = cards(supervisor.get("/visits/review").get_data(as_text=True))[song_da.id]
    assert "Khối văn phòng: insured 33 → 31 (−2); registered 20 → 15 (−5)" in later
    assert supervisor.post("/language", data={"lang": "vi", "next": "/"}).status_code == 302
    in_vietnamese = cards(supervisor.get("/visits/review").get_data(as_text=True))[song_da.id]
    assert "Gửi lúc 10/06/2023" in in_vietnamese and "Submitted" not in in_vietnamese


def test_a_card_is_made_once_while_what_it_shows_is_unchanged(world, supervisor, app):
    kept = app.jinja_env.globals["remembered"].kept
    kept.clear()
    shown_first = shown(supervisor.get("/visits/review").get_data(as_text=True))
    made = dict(kept)
    assert len([key for key in made if key[0].co_filename.endswith("_review_card.html")]) == len(shown_first) > 0
    assert shown(supervisor.get("/visits/review").get_data(as_text=True)) == shown_first
    assert all(kept[key] is fragment for key, fragment in made.items()) and len(kept) == len(made)


def test_the_queue_is_built_once_for_each_set_of_filters(world, supervisor, app):
    """The filters' values are parameters: other dates, other pages, the same statements
    (building and keying them cost a view 0.7 ms of CPU), each page of them made once."""
    from fieldops.core.paging import _PAGES
    from fieldops.visits import queue

    assert supervisor.get("/visits/review?date_from=2023-06-05").status_code == 200
    built = queue._statements.cache_info().currsize
    for query in ("date_from=2023-06-06", "date_from=2023-01-01&page=2", "date_from=2023-06-05&page=2"):
        assert supervisor.get(f"/visits/review?{query}").status_code == 200
    assert queue._statements.cache_info().currsize == built
    cards = queue._statements(("state", "date_from"), 0)[0]
    size = app.config["PAGE_SIZE"]
    assert set(_PAGES[cards]) == {(size, 0), (size, size)}


# --- filters ----------------------------------------------------------------------------


@pytest.mark.parametrize("query, expected", [
    ("", {"morning", "afternoon", "team", "song_da"}),
    ("officer={team_officer}", {"team"}),
    ("date_from=2023-06-05", {"team", "song_da"}),
    ("date_to=2023-06-05", {"morning", "afternoon", "team"}),
    ("date_from=05/06/2023&date_to=05/06/2023", {"team"}),
    ("purpose=guidance", {"team"}),
    ("state=returned", {"returned"}),
    ("state=verified", {"march"}),
    ("state=all", {"march", "returned", "morning", "afternoon", "team", "song_da"}),
    ("employer=hong+ha", {"morning", "afternoon"}),  # accents ignored
    ("employer=SD-77", {"team", "song_da"}),  # by code
    ("employer=Sông+Đà&officer={officer}", {"song_da"}),
    ("employer=nobody", set()),
])
def test_each_filter_narrows_the_queue(world, supervisor, query, expected):
    query = query.format(team_officer=world["team_officer"].id, officer=world["users"]["HN"]["officer"].id)
    page = supervisor.get(f"/visits/review?{query}").get_data(as_text=True)
    assert shown(page) == ids(world, *expected)
    assert "could not be read" not in page
    if not expected:
        assert "No visit matches these filters." in page


def test_the_filters_made_once_show_each_view_its_own_values_messages_and_officers(world, supervisor, app, org):
    """The filters' markup is remembered by what they show: another value, a value
    refused, or an officer joining the area is seen on the next view; the same
    filters again are not made again."""
    def filters(query):
        page = supervisor.get(f"/visits/review?{query}").get_data(as_text=True)
        return page[page.index('id="review-filters"'):page.index('id="review-results"')]

    kept = app.jinja_env.globals["remembered"].kept
    first = filters("employer=Hồng&date_from=2023-06-01")
    assert 'value="Hồng"' in first and 'value="2023-06-01"' in first
    made = dict(kept)
    assert filters("employer=Hồng&date_from=2023-06-01") == first
    assert all(kept[key] is fragment for key, fragment in made.items())
    other = filters("employer=%3Cb%3EX&purpose=guidance")
    assert 'value="&lt;b&gt;X"' in other and 'value="Hồng"' not in other
    assert re.search(r'<option selected value="guidance">|<option value="guidance" selected>', other)
    refused = filters("employer=Hồng&date_from=2023-02-30")
    assert 'class="field has-error"' in refused and 'value="2023-02-30"' in refused
    assert 'has-error' not in filters("employer=Hồng&date_from=2023-06-01")

    factories.user(org["HN-BD-T1"], Role.officer, full_name="Lê Văn Mới Đến")
    db.session.commit()
    assert "Lê Văn Mới Đến" in filters("employer=Hồng&date_from=2023-06-01")


def test_only_the_officers_of_the_area_are_offered(world, supervisor):
    page = supervisor.get("/visits/review").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="officer".*?</select>', page, re.S).group(0)
    assert "Trần Thị Ngọc Hà" in select and world["users"]["HN"]["officer"].full_name in select
    assert world["users"]["HT"]["officer"].full_name not in select


@pytest.mark.parametrize("query, field", [
    ("officer=abc", "Officer"),
    ("officer={ht_officer}", "Officer"),  # another province's officer: not among the choices
    ("officer=99999999999999999999", "Officer"),
    ("date_from=2023-02-30", "From (date)"),
    ("date_from=%3Cscript%3Ealert(1)%3C/script%3E", "From (date)"),
    ("date_to=" + "9" * 5000, "To (date)"),
    ("date_from=2023-06-10&date_to=2023-06-01", "To (date)"),
    ("purpose=bribery", "Purpose"),
    ("state=deleted", "State"),
    ("employer=" + "x" * 500, "Employer (name or code)"),
])
def test_a_filter_that_cannot_be_read_says_so_and_filters_nothing(world, supervisor, query, field):
    query = query.format(ht_officer=world["users"]["HT"]["officer"].id)
    response = supervisor.get(f"/visits/review?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    summary = re.search(r'id="filter-errors">(.*?)</div>', page, re.S).group(1)
    assert field in html.unescape(summary) and "<script>" not in page.split("<main", 1)[-1]
    assert shown(page)  # the list is still there, the bad value left out
    assert 'id="verify-all"' not in page  # no bulk verify of a selection the filters could not say


def test_a_nul_character_in_a_filter_is_not_understood(world, supervisor):
    response = supervisor.get("/visits/review?employer=a%00b")
    assert response.status_code == 400 and "The request could not be understood." in response.get_data(as_text=True)


def test_htmx_gets_the_list_alone(world, supervisor):
    fragment = supervisor.get("/visits/review?purpose=guidance",
                              headers={"HX-Request": "true", "HX-Target": "review-results"}).get_data(as_text=True)
    assert "<html" not in fragment and shown(fragment) == ids(world, "team")
    assert "Verify all 1 visit shown" in fragment


def test_the_pager_keeps_the_filters(world, supervisor, app):
    officer = world["users"]["HN"]["officer"]
    for day in range(1, app.config["PAGE_SIZE"] + 2):
        factories.visit(officer, world["hong_ha"], visit_date=date(2023, 7, day), now=datetime(2023, 7, day, 9))
    db.session.commit()
    page = supervisor.get("/visits/review?employer=hong+ha&date_from=2023-07-01").get_data(as_text=True)
    assert len(shown(page)) == app.config["PAGE_SIZE"]
    assert "employer=hong+ha" in html.unescape(page) and "page=2" in page
    assert f"Verify all {app.config['PAGE_SIZE'] + 1} visits shown" in page


# --- bulk verify ------------------------------------------------------------------------


def picks(world, *names):
    return [f"{world['visits'][name].id}.{world['visits'][name].revision}" for name in names]


def bulk(client, values, confirm=True, which="pick", next_="/visits/review"):
    data = {which: values, "which": "all" if which == "all" else "picked", "next": next_}
    if confirm:
        data["confirm"] = "1"
    return client.post("/visits/review/verify", data=data)


def test_bulk_verify_asks_first_then_verifies_only_the_selection_each_audited(world, supervisor):
    asked = bulk(supervisor, picks(world, "morning", "team"), confirm=False)
    assert asked.status_code == 200
    text = " ".join(html.unescape(asked.get_data(as_text=True)).split())
    assert "Verify these 2 visits?" in text and "Công ty TNHH Hồng Hà" in text and "Công ty Sông Đà" in text
    assert state(world["visits"]["morning"]) == ReviewState.submitted  # asked, not done

    response = bulk(supervisor, picks(world, "morning", "team"))
    assert response.status_code == 302 and response.location == "/visits/review"
    page = supervisor.get("/visits/review").get_data(as_text=True)
    assert "2 visits verified." in flashes(page)
    for name in ("morning", "team"):
        assert state(world["visits"][name]) == ReviewState.verified and verify_events(world["visits"][name]) == 1
    for name in ("afternoon", "song_da", "ht"):
        assert state(world["visits"][name]) == ReviewState.submitted and verify_events(world["visits"][name]) == 0
    assert shown(page) == ids(world, "afternoon", "song_da")


def test_a_bulk_verify_leaves_the_figures_a_rebuild_from_the_history_gives(world, supervisor):
    """One refresh for all the employers of a bulk: the district rows and the departments'
    current figures are those a rebuild of the whole history computes."""
    from fieldops.employers.models import LabourDepartment
    from fieldops.progress import timeline

    def figures():
        rows = {model.__tablename__: sorted(
                    tuple(value for column, value in row._mapping.items() if column != "updated_at")
                    for row in db.session.execute(sa.select(model.__table__)))
                for model in (*timeline.DISTRICT_TABLES, timeline.EmployerTimeline)}
        rows["departments"] = sorted(db.session.execute(sa.select(
            LabourDepartment.id, LabourDepartment.current_registered, LabourDepartment.current_active,
            LabourDepartment.current_visit_id)).all())
        return rows

    bulk(supervisor, picks(world, "morning", "afternoon", "team", "song_da"))
    db.session.expire_all()
    assert all(state(world["visits"][n]) == ReviewState.verified for n in ("morning", "afternoon", "team", "song_da"))
    after_bulk = figures()
    timeline.rebuild_all()
    db.session.commit()
    assert figures() == after_bulk


def test_verify_all_the_filters_select(world, supervisor):
    page = supervisor.get("/visits/review?employer=hong+ha").get_data(as_text=True)
    assert "Verify all 2 visits shown" in page
    values = re.findall(r'name="all" value="([\d.]+)"', page)
    assert sorted(values) == sorted(picks(world, "morning", "afternoon"))
    response = bulk(supervisor, values, which="all", next_="/visits/review?employer=hong+ha")
    assert response.location == "/visits/review?employer=hong+ha"
    assert state(world["visits"]["morning"]) == state(world["visits"]["afternoon"]) == ReviewState.verified
    assert state(world["visits"]["song_da"]) == ReviewState.submitted


def test_visits_changed_meanwhile_are_skipped_and_named(world, supervisor, client_as):
    seen = picks(world, "morning", "team", "song_da")
    # Meanwhile: the officer edits one, another supervisor verifies another.
    morning = world["visits"]["morning"]
    operations.revise_visit(world["users"]["HN"]["officer"], morning, _input_of(morning),
                            base_revision=1, payload_hash="edited")
    factories.user(world["org"]["HN"], Role.supervisor, username="supervisor.hn2", full_name="Lê Văn Hai")
    db.session.commit()
    operations.verify_visit(db.session.scalars(sa.select(type(world["users"]["HN"]["supervisor"]))
                                               .filter_by(username="supervisor.hn2")).one(), world["visits"]["team"])
    db.session.commit()

    bulk(supervisor, seen)
    messages = flashes(supervisor.get("/visits/review").get_data(as_text=True))
    assert "1 visit verified." in messages
    assert ("Not verified: Công ty TNHH Hồng Hà (01/06/2023, Nguyễn Văn officer.hn) — changed since you saw it"
            in messages)
    assert "Not verified: Công ty Sông Đà (05/06/2023, Trần Thị Ngọc Hà) — already reviewed" in messages
    assert state(morning) == ReviewState.submitted and verify_events(morning) == 0
    assert verify_events(world["visits"]["team"]) == 1  # the other supervisor's only
    assert state(world["visits"]["song_da"]) == ReviewState.verified


def _input_of(visit):
    from fieldops.visits.forms import LineInput, VisitInput

    return VisitInput(visit_date=visit.visit_date, purpose=visit.purpose, notes="corrected", latitude=None,
                      longitude=None, obstacles=[], lines=[
                          LineInput(department=line.department, new_name="", insured=line.insured,
                                    registered=line.registered - 1, active=0, newly_registered=0)
                          for line in visit.lines])


def test_the_second_submit_of_a_bulk_verifies_nothing_new(world, supervisor):
    values = picks(world, "morning", "afternoon")
    bulk(supervisor, values)
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    bulk(supervisor, values)
    messages = flashes(supervisor.get("/visits/review").get_data(as_text=True))
    assert "No visit was verified." in messages
    assert sum("already reviewed" in m for m in messages) == 2
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events


@pytest.mark.parametrize("values", [["{ht}.1"], ["{ht}.1", "{morning}.1"], ["999999.1"]])
def test_ids_outside_the_area_answer_404_and_nothing_is_verified(world, supervisor, values):
    raw = values
    values = [v.format(ht=world["visits"]["ht"].id, morning=world["visits"]["morning"].id) for v in values]
    assert bulk(supervisor, values).status_code == 404
    assert state(world["visits"]["ht"]) == state(world["visits"]["morning"]) == ReviewState.submitted
    denied = db.session.scalars(sa.select(AuditEvent.after).where(AuditEvent.action == "access.denied")).all()
    assert [event["target"] for event in denied] == ([f"visit:{world['visits']['ht'].id}"] if "{ht}.1" in raw else [])


@pytest.mark.parametrize("values", [[], ["abc"], ["1"], ["1.x"], ["-3.1"], ["1" * 40 + ".1"], ["\x00.1"]])
def test_nothing_usable_ticked_is_said(world, supervisor, values):
    response = bulk(supervisor, values)
    assert response.status_code == 302
    assert "Tick the visits to verify, or verify all those the filters select." in flashes(
        supervisor.get("/visits/review").get_data(as_text=True))
    assert state(world["visits"]["morning"]) == ReviewState.submitted


def test_a_batch_over_the_cap_is_refused_with_a_message(world, supervisor):
    values = [f"{world['visits']['morning'].id}.1"] + [f"{n}.1" for n in range(1_000_000, 1_000_200)]
    bulk(supervisor, values)
    assert "Verify at most 200 visits at a time: narrow the filters." in flashes(
        supervisor.get("/visits/review").get_data(as_text=True))
    assert state(world["visits"]["morning"]) == ReviewState.submitted


def test_more_waiting_than_the_cap_says_so_and_offers_no_verify_all(world, supervisor, monkeypatch):
    from fieldops.visits import queue

    monkeypatch.setattr(queue, "MAX_BULK", 3)  # 4 wait in Hà Nội
    page = supervisor.get("/visits/review").get_data(as_text=True)
    assert "More than 3 visits wait under these filters" in " ".join(page.split())
    assert 'name="all"' not in page and 'id="verify-all"' not in page and 'id="verify-picked"' in page
    assert "4 visits wait for review" in page  # counted, not taken from the selection read up to the cap
    # Under filters that leave three, "verify all" is offered for them.
    monkeypatch.undo()
    monkeypatch.setattr(queue, "MAX_BULK", 3)
    page = supervisor.get("/visits/review?date_from=2023-06-01&date_to=2023-06-05").get_data(as_text=True)
    assert "Verify all 3 visits shown" in page and page.count('name="all"') == 3


def test_bulk_verify_is_for_supervisors_and_needs_the_csrf_token(world, app, client_as):
    assert bulk(client_as("officer"), picks(world, "team")).status_code == 403
    client = sign_in(app.test_client(), world["users"]["HN"]["supervisor"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert bulk(client, picks(world, "morning")).status_code == 400
        assert state(world["visits"]["morning"]) == ReviewState.submitted
        token = csrf_token_from(client.get("/visits/review").get_data(as_text=True))
        response = client.post("/visits/review/verify", data={
            "pick": picks(world, "morning"), "which": "picked", "confirm": "1", "csrf_token": token})
        assert response.status_code == 302 and state(world["visits"]["morning"]) == ReviewState.verified
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_next_address_elsewhere_is_not_followed(world, supervisor):
    response = bulk(supervisor, picks(world, "morning"), next_="https://evil.example/")
    assert response.location == "/visits/review"


@pytest.mark.parametrize("query", ["", "state=all&employer=hong+ha&date_from=2023-06-01&purpose=registration_drive"])
def test_the_queue_reads_visits_their_lines_and_departments_by_index(world, supervisor, query):
    from tests.test_visit_pages import _full_scans

    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert supervisor.get(f"/visits/review?{query}").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert _full_scans(statements) == []


def test_two_supervisors_verifying_the_same_selection_at_once_verify_each_visit_once(app, world, org):
    """Real concurrent transactions (PostgreSQL): both batches finish, in whatever
    order their visits were ticked (the employers' timelines are locked in one
    order), and each visit is verified and audited once."""
    import threading

    from fieldops.auth.models import User
    from tests.concurrency import run_at_once
    from tests.test_visit_concurrency import _in_thread

    if db.engine.dialect.name == "sqlite":
        pytest.skip("needs concurrent writers: runs on PostgreSQL (FIELDOPS_TEST_DATABASE_URL)")
    second = factories.user(org["HN-BD"], Role.supervisor, username="supervisor.hn2", full_name="Lê Văn Hai")
    db.session.commit()
    chosen = [world["visits"][name].id for name in ("morning", "afternoon", "team", "song_da")]
    barrier, results = threading.Barrier(2), {}

    def batch(supervisor_id, order):
        def work():
            visits = [db.session.get(Visit, visit_id) for visit_id in order]
            operations.verify_many(db.session.get(User, supervisor_id), {visit: visit.revision for visit in visits})
        return work

    first, second = batch(world["users"]["HN"]["supervisor"].id, chosen), batch(second.id, chosen[::-1])
    run_at_once(lambda: _in_thread(app, results, "first", first, before=barrier.wait),
                lambda: _in_thread(app, results, "second", second, before=barrier.wait))
    assert {key: outcome[0] for key, outcome in results.items()} == {"first": "ok", "second": "ok"}, results
    db.session.expire_all()
    for visit_id in chosen:
        assert db.session.get(Visit, visit_id).state == ReviewState.verified
        assert verify_events(db.session.get(Visit, visit_id)) == 1


def test_the_follow_up_queue_opens_on_the_proposals_awaiting_the_supervisors_decision(world, supervisor, client_as):
    page = supervisor.get("/followups/").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="state".*?</select>', page, re.S).group(0)
    assert re.search(r'<option selected value="proposed">|<option value="proposed" selected>', select), select
    assert '<option value="all">' in select  # every state, a filter away
    viewer = client_as("viewer").get("/followups/").get_data(as_text=True)
    assert re.search(r'<option selected value="all">|<option value="all" selected>', viewer)


@pytest.mark.parametrize("query, title", [
    ("", "Review queue"), ("state=verified", "Visits — Verified"), ("state=all", "Visits — all states")])
def test_the_title_follows_the_state_asked_for(world, supervisor, query, title):
    page = supervisor.get(f"/visits/review?{query}").get_data(as_text=True)
    assert f"<title>{title} · FieldOps</title>" in page and f'<h1 id="review-title">{title}</h1>' in page
    fragment = supervisor.get(f"/visits/review?{query}", headers={"HX-Request": "true", "HX-Target": "review-results"})
    fragment = fragment.get_data(as_text=True)
    assert f"<title>{title} · FieldOps</title>" in fragment and 'hx-swap-oob="true">' + title in fragment


def test_all_states_offers_to_verify_the_waiting_among_those_shown(world, supervisor):
    page = supervisor.get("/visits/review?state=all").get_data(as_text=True)
    assert len(shown(page)) == 6
    assert "Verify the 4 waiting visits among those shown" in page and "Verify all" not in page
    assert sorted(re.findall(r'name="all" value="([\d.]+)"', page)) == sorted(
        picks(world, "morning", "afternoon", "team", "song_da"))


@pytest.mark.parametrize("query, offered", [
    ("", True), ("state=all", True), ("state=verified", False), ("state=returned", False),
    ("state=all&date_from=2023-03-01&date_to=2023-03-31", False)])
def test_ticking_is_offered_only_when_a_card_shown_waits(world, supervisor, query, offered):
    """No card waiting on the page (the verified ones, the returned, March's): nothing to tick, no bulk form."""
    for headers in ({}, {"HX-Request": "true", "HX-Target": "review-results"}):
        page = supervisor.get(f"/visits/review?{query}", headers=headers).get_data(as_text=True)
        assert ('id="verify-picked"' in page) is offered
        assert ('id="review-bulk"' in page) is offered


def test_all_states_says_so_in_vietnamese(world, client_as):
    page = client_as("supervisor").get("/visits/review?state=all").get_data(as_text=True)
    assert "Lượt làm việc — mọi trạng thái" in page
    assert "Xác nhận 4 lượt làm việc chờ duyệt trong số đang hiển thị" in page


def test_each_card_names_its_figures_in_the_language_of_its_reader(world, client_as):
    """The figures' names are kept once per language: two readers, two languages, in turn."""
    english, vietnamese = in_english(client_as("supervisor")), client_as("supervisor", "HT")
    for _ in range(2):
        ht = cards(vietnamese.get("/visits/review").get_data(as_text=True))[world["visits"]["ht"].id]
        assert "Toàn đơn vị: tham gia BHXH" in ht and "; đã đăng ký" in ht and "insured" not in ht
        morning = cards(english.get("/visits/review").get_data(as_text=True))[world["visits"]["morning"].id]
        assert "Văn phòng: insured 40 → 42 (+2); registered 10 → 25 (+15); active 5 → 12 (+7)" in morning


@pytest.mark.parametrize("path, hint", [("/visits/review", "Too many to list: filter by employer or dates."),
                                        ("/followups/", "Choose a unit first.")])
def test_both_queues_stop_listing_officers_past_the_one_cap(world, supervisor, monkeypatch, path, hint):
    from fieldops.auth import queries

    assert 'id="officer"' in supervisor.get(path).get_data(as_text=True)
    assert hint not in supervisor.get(path).get_data(as_text=True)
    monkeypatch.setattr(queries, "MAX_OFFICER_CHOICES", 1)  # Hà Nội has two officers
    page = supervisor.get(path).get_data(as_text=True)
    assert hint in page and world["team_officer"].full_name not in page.split('id="officer"')[1].split("</select>")[0]
