"""What officers and supervisors read: the employer page, the officer's "Today",
the supervisor's home; and that these pages and a submission use indexes."""
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from fieldops.extensions import db
from fieldops.visits import operations
from tests import factories
from tests.visit_helpers import department, in_english


@pytest.fixture
def world(org, users):
    factories.campaign()
    employer = factories.employer(org["HN-BD"], name="Công ty TNHH Hồng Hà",
                                  departments=[("Văn phòng", 40), ("Phân xưởng", 120)])
    db.session.commit()
    return {"employer": employer, "users": users, "org": org}


def cells(page, row_id):
    row = re.search(rf'<tr[^>]*{row_id}[^>]*>(.*?)</tr>', page, re.S).group(1)
    return [c.strip() for c in re.findall(r'<td class="num">([^<]*)</td>', row)]


def test_employer_page_shows_current_figures_totals_and_history(world, client_as):
    employer, users = world["employer"], world["users"]
    office, workshop = department(employer, "Văn phòng"), department(employer, "Phân xưởng")
    first = factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 3, 1),
                            figures={office: (40, 10, 5), workshop: (120, 30, 10)}, now=datetime(2023, 3, 1, 9))
    second = factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 4, 1),
                             figures={office: (42, 25, 12)}, now=datetime(2023, 4, 1, 9))
    operations.verify_visit(users["HN"]["supervisor"], first)
    db.session.commit()

    page = in_english(client_as("viewer")).get(f"/employers/{employer.id}").get_data(as_text=True)
    assert cells(page, f'data-department="{office.id}"') == ["42", "25", "12", "17"]
    assert cells(page, f'data-department="{workshop.id}"') == ["120", "30", "10", "90"]
    assert cells(page, 'id="employer-totals"') == ["162", "55", "22", "107"]
    assert "59%" in page and "25%" in page and "33%" in page  # 25/42, 30/120, 55/162

    history = page[page.index('id="visit-history"'):]
    assert history.index("01/04/2023") < history.index("01/03/2023")  # newest first
    assert "Nguyễn Văn officer.hn" in history and "Verified" in history and "Waiting for review" in history
    # What the 1 April visit changed at Văn phòng: 40 → 42 insured, 10 → 25 registered.
    item = history[:history.index("01/03/2023")]
    assert "insured 40 → 42" in item and "(+2)" in item and "registered 10 → 25" in item and "(+15)" in item
    assert f'href="/visits/{second.id}"' in item


def test_a_department_without_visits_shows_its_declared_headcount(world, client_as):
    employer = world["employer"]
    page = in_english(client_as("officer")).get(f"/employers/{employer.id}").get_data(as_text=True)
    assert cells(page, f'data-department="{department(employer, "Phân xưởng").id}"') == ["120", "0", "0", "120"]
    assert "declared; no visit yet" in page and "0%" in page
    assert 'id="record-visit"' in page


def test_history_pages_are_htmx_fragments(world, client_as, app):
    employer, officer = world["employer"], world["users"]["HN"]["officer"]
    for day in range(1, app.config["PAGE_SIZE"] + 3):
        factories.visit(officer, employer, visit_date=date(2023, 5, day), now=datetime(2023, 5, day, 9))
    db.session.commit()
    client = in_english(client_as("officer"))
    fragment = client.get(f"/employers/{employer.id}?page=2",
                          headers={"HX-Request": "true", "HX-Target": "visit-history"}).get_data(as_text=True)
    assert "<html" not in fragment and "02/05/2023" in fragment and "22/05/2023" not in fragment
    full = client.get(f"/employers/{employer.id}?page=2").get_data(as_text=True)
    assert "<html" in full and "02/05/2023" in full


@pytest.mark.parametrize("visits, page, shown, pages", [
    (0, 1, 0, 0), (3, 1, 3, 1), (20, 1, 20, 1), (22, 1, 20, 2), (22, 2, 2, 2), (40, 2, 20, 2), (22, 3, 0, 2),
])
def test_a_page_of_visits_knows_how_many_pages_there_are(world, app, visits, page, shown, pages):
    """A page that is not full is the last: its total needs no count of all items;
    a full page or one past the end counts them."""
    from fieldops.visits.queries import employer_history_page

    employer, officer = world["employer"], world["users"]["HN"]["officer"]
    for n in range(visits):
        factories.visit(officer, employer, visit_date=date(2023, 5, 1 + n % 28), now=datetime(2023, 5, 1, 9))
    db.session.commit()
    with app.test_request_context(f"/?page={page}"):
        listed = employer_history_page(employer)
        assert (len(listed.items), listed.total, listed.pages) == (shown, visits, pages)


@pytest.mark.parametrize("asked, page", [("0", 1), ("-1", 1), ("abc", 1), ("", 1), ("9999999", 1), ("2", 2),
                                          ("999999", 999999)])
def test_a_page_number_that_makes_no_sense_shows_a_sensible_page(world, app, asked, page):
    from fieldops.visits.queries import employer_history_page

    employer, officer = world["employer"], world["users"]["HN"]["officer"]
    for n in range(25):
        factories.visit(officer, employer, visit_date=date(2023, 5, 1 + n % 28), now=datetime(2023, 5, 1, 9))
    db.session.commit()
    with app.test_request_context("/", query_string={"page": asked}):
        listed = employer_history_page(employer)
        assert (listed.page, listed.total, listed.pages) == (page, 25, 2)
        assert len(listed.items) == {1: 20, 2: 5}.get(page, 0)


def test_officer_home_today(world, client_as):
    employer, users, org = world["employer"], world["users"], world["org"]
    full = factories.employer(org["HN-BD"], name="Công ty Đủ 100", departments=[("Toàn đơn vị", 10)])
    half = factories.employer(org["HN-BD"], name="Công ty Một Nửa", departments=[("Toàn đơn vị", 10)])
    factories.employer(org["HN-BD"], name="Công ty Không Người", departments=[("Toàn đơn vị", 0)])
    factories.visit(users["HN"]["officer"], full, figures={"Toàn đơn vị": (10, 10, 10)},
                    now=datetime(2023, 6, 1, 8))
    factories.visit(users["HN"]["officer"], half, figures={"Toàn đơn vị": (10, 5, 1)}, now=datetime(2023, 6, 1, 9))
    returned = factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 5, 1),
                               now=datetime(2023, 5, 1, 9))
    operations.return_visit(users["HN"]["supervisor"], returned, "Thiếu số liệu Phân xưởng")
    db.session.commit()

    page = in_english(client_as("officer")).get("/").get_data(as_text=True)
    assert "Today" in page
    mine = page[page.index('id="home-my-visits"'):page.index('id="home-furthest"')]
    # Returned first, with its reason, though it is the oldest.
    assert mine.index("Công ty TNHH Hồng Hà") < mine.index("Công ty Một Nửa")
    assert "Thiếu số liệu Phân xưởng" in mine
    furthest = page[page.index('id="home-furthest"'):]
    # Hồng Hà counts nothing (its visit was returned): 0%, then Một Nửa at 50%;
    # the one at 100% and the one with nobody insured are not listed.
    assert furthest.index("Công ty TNHH Hồng Hà") < furthest.index("Công ty Một Nửa")
    assert "Công ty Đủ 100" not in furthest and "Không Người" not in furthest


def test_pages_shown_again_show_what_changed_since_for_whoever_looks(world, client_as, app):
    """The home's lists, the search's results and the employer page's rows are remembered
    by what they show (core/templating.py's `remembered`): a change shows on the next
    view, and what one role may do never shows to another."""
    from fieldops.employers.operations import rename_department, update_employer

    employer, users = world["employer"], world["users"]
    office = department(employer, "Văn phòng")
    officer = in_english(client_as("officer"))
    admin = in_english(client_as("admin"))
    visit = factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 5, 1),
                            figures={office: (40, 10, 5)}, now=datetime(2023, 5, 1, 9))
    db.session.commit()
    kept = app.jinja_env.globals["remembered"].kept
    for path in ("/", "/employers/?q=hong", f"/employers/{employer.id}"):
        kept.clear()
        first = officer.get(path).get_data(as_text=True)
        made = dict(kept)
        assert made and officer.get(path).get_data(as_text=True) == first
        assert all(kept[key] is fragment for key, fragment in made.items()), path  # made once
    row = f'data-department="{office.id}"'
    assert "Rename" in re.search(rf"<tr {row}>(.*?)</tr>", admin.get(f"/employers/{employer.id}")
                                 .get_data(as_text=True), re.S).group(1)

    operations.return_visit(users["HN"]["supervisor"], visit, "Thiếu chữ ký")
    update_employer(users["HN"]["admin"], employer, name="Công ty TNHH Hồng Hà Mới")
    rename_department(users["HN"]["admin"], office, "Khối văn phòng")
    db.session.commit()
    home = officer.get("/").get_data(as_text=True)
    mine = home[home.index('id="home-my-visits"'):home.index('id="home-furthest"')]
    assert "Công ty TNHH Hồng Hà Mới" in mine and "Returned: Thiếu chữ ký" in mine
    assert "Hồng Hà Mới" in home[home.index('id="home-furthest"'):]
    assert "Công ty TNHH Hồng Hà Mới" in officer.get("/employers/?q=hong").get_data(as_text=True)
    page = officer.get(f"/employers/{employer.id}").get_data(as_text=True)
    department_row = re.search(rf"<tr {row}>(.*?)</tr>", page, re.S).group(1)
    assert "Khối văn phòng" in department_row and "Rename" not in department_row
    history = page[page.index('id="visit-history"'):]
    assert "not counted until resubmitted" in history and "Khối văn phòng" in history


def test_officer_home_leaves_out_other_areas(world, client_as):
    factories.employer(world["org"]["HT-TP"], name="Công ty Hà Tĩnh Xa", departments=[("Toàn đơn vị", 50)])
    db.session.commit()
    assert "Công ty Hà Tĩnh Xa" not in in_english(client_as("officer")).get("/").get_data(as_text=True)


def test_supervisor_home_counts_visits_waiting(world, client_as):
    factories.visit(world["users"]["HN"]["officer"], world["employer"])
    db.session.commit()
    page = in_english(client_as("supervisor")).get("/").get_data(as_text=True)
    assert "1 visit waits for review" in page and 'href="/visits/review"' in page


def test_navigation_per_role(world, client_as):
    assert 'href="/visits/new"' in client_as("officer").get("/").get_data(as_text=True)
    assert 'href="/visits/"' in client_as("officer").get("/").get_data(as_text=True)
    supervisor = client_as("supervisor").get("/").get_data(as_text=True)
    assert 'href="/visits/review"' in supervisor and 'href="/visits/new"' not in supervisor


# --- indexes ---------------------------------------------------------------------


def _full_scans(statements):
    """Statements that read a whole visit table instead of using an index."""
    found = []
    with db.engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql("SET enable_seqscan = off")  # an index, if there is one, wins
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT") or "visit" not in statement:
                continue
            if postgres:
                plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
                bad = [p for p in plan if re.search(r"Seq Scan on (visit|visit_line|labour_department)\b", p)]
            else:
                plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
                bad = [p for p in plan if re.match(r"SCAN (visit|visit_line|labour_department)\b", p)]
            if bad:
                found.append((statement, bad))
    return found


@pytest.fixture
def recorded_statements():
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    sa.event.remove(db.engine, "before_cursor_execute", record)


def test_employer_page_and_visit_submission_use_indexes(world, client_as, recorded_statements):
    employer, users = world["employer"], world["users"]
    other = factories.employer(world["org"]["HN-BD"], departments=[("Toàn đơn vị", 5)])
    for n in range(3):
        factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 6, n + 1))
        factories.visit(users["HN"]["officer"], other, visit_date=date(2023, 6, n + 1))
    db.session.commit()
    client = client_as("officer")
    recorded_statements.clear()
    assert client.get(f"/employers/{employer.id}").status_code == 200
    assert client.post(f"/visits/new/{employer.id}", data=factories.visit_form(employer)).status_code == 302
    assert client.get("/").status_code == 200
    assert recorded_statements
    assert _full_scans(recorded_statements) == []


def _plan(statement, parameters, disabled=(), vacuum=None) -> str:
    """The statement's plan; on PostgreSQL with `disabled` plan types switched off,
    so that the index wins wherever it can serve (the test tables are tiny), and
    `vacuum` reindexed and vacuumed first: an index-only scan needs its pages marked
    all-visible, and the suite empties tables with DELETE, which leaves an index the
    pages of every earlier test (a bloated index costs more than it should)."""
    if vacuum:
        db.session.commit()  # the test's own reads hold locks a reindex would wait for
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            if vacuum:
                autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
                autocommit.exec_driver_sql(f"REINDEX TABLE {vacuum}")
                autocommit.exec_driver_sql(f"VACUUM ANALYZE {vacuum}")
            for setting in disabled:
                connection.exec_driver_sql(f"SET {setting} = off")
            return "\n".join(connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
        return "\n".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                       parameters))


def _is_postgresql():
    return db.engine.dialect.name == "postgresql"


def test_my_visits_are_read_in_list_order_from_their_index(world, client_as, recorded_statements):
    """Returned first, then the newest: the index holds the visits in that order,
    so a page is read, not sorted out of the officer's whole year."""
    officer = world["users"]["HN"]["officer"]
    for n in range(3):
        factories.visit(officer, world["employer"], visit_date=date(2023, 6, n + 1))
    db.session.commit()
    recorded_statements.clear()
    assert client_as("officer").get("/visits/").status_code == 200
    [(statement, parameters)] = [s for s in recorded_statements if "ORDER BY CASE WHEN" in s[0]]
    plan = _plan(statement, parameters,
                 ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"))
    assert "ix_visit_officer_returned_first" in plan, plan
    assert ("Sort" if _is_postgresql() else "TEMP B-TREE") not in plan, plan


def test_the_review_queue_count_is_read_from_its_index(world, client_as, recorded_statements):
    """A large district has thousands of visits waiting: their count ("not your
    own") comes from the index, which carries the officer, not from the table."""
    for n in range(3):
        factories.visit(world["users"]["HN"]["officer"], world["employer"], visit_date=date(2023, 6, n + 1))
    db.session.commit()
    recorded_statements.clear()
    assert "3 visits wait for review" in in_english(client_as("supervisor")).get("/").get_data(as_text=True)
    [(statement, parameters)] = [s for s in recorded_statements if "count(*)" in s[0] and "FROM visit" in s[0]]
    plan = _plan(statement, parameters, ("enable_seqscan", "enable_bitmapscan"), vacuum="visit")
    assert "ix_visit_district_state_submitted_officer" in plan, plan
    if _is_postgresql():
        assert "Index Only Scan" in plan, plan


def test_a_name_search_is_read_in_name_order_and_counted_from_its_index(world, client_as, recorded_statements):
    """The district's employers in name order with their searched text beside
    them: a page of matches stops when it is full, and their count reads no table rows."""
    for n in range(25):
        factories.employer(world["org"]["HN-BD"], name=f"Công ty Thương mại Số {n:02d}")
    db.session.commit()
    recorded_statements.clear()
    page = client_as("officer").get("/employers/?q=thuong+mai").get_data(as_text=True)
    assert "Công ty Thương mại Số 00" in page and "Công ty Thương mại Số 19" in page
    assert "Công ty Thương mại Số 20" not in page
    assert page.count("· HN-BD</span>") >= 20  # each row with the district's code, known without reading the units
    searches = [s for s in recorded_statements if "search_text LIKE" in s[0]]
    [listing] = [s for s in searches if "count(" not in s[0]]
    [counting] = [s for s in searches if "count(" in s[0]]
    plan = _plan(*listing, ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"))
    assert "ix_employer_district_name" in plan, plan
    assert ("Sort" if _is_postgresql() else "TEMP B-TREE") not in plan, plan
    plan = _plan(*counting, ("enable_seqscan", "enable_bitmapscan"), vacuum="employer")
    assert "ix_employer_district_name" in plan, plan
    if _is_postgresql():
        assert "Index Only Scan" in plan, plan


def test_furthest_from_full_is_read_in_its_order_from_an_index(world, client_as, recorded_statements):
    """The officer's "furthest from 100%": the district's employers below 100% are
    kept in an index in that order (coverage, then most unregistered), so the
    first eight are read, not sorted out of the district's thousands."""
    recorded_statements.clear()
    page = client_as("officer").get("/").get_data(as_text=True)
    assert "Công ty TNHH Hồng Hà" in page
    [(statement, parameters)] = [s for s in recorded_statements if "FROM progress_employer" in s[0]]
    assert "progress_employer.insured > 0 AND progress_employer.unregistered > 0" in statement  # as the index's condition
    if _is_postgresql():  # SQLite's planner, without statistics, takes either index for a table this small
        plan = _plan(statement, parameters,
                     ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"))
        # The limit reads the index's first rows; only the chosen eight are put in order again,
        # once joined to their employers.
        assert re.search(r"Limit .*\n\s*->  Index (Only )?Scan using ix_progress_employer_district_coverage", plan), plan


def test_a_full_review_queue_page_counts_every_waiting_visit_of_the_area(world, client_as):
    """22 waiting in the district, one in another province: 20 on the first page,
    2 on the second, and the total (from the queue's own count) on both."""
    users = world["users"]
    for n in range(22):
        factories.visit(users["HN"]["officer"], world["employer"], visit_date=date(2023, 6, 1 + n % 28),
                        now=datetime(2023, 6, 1, 9, n))
    factories.visit(users["HT"]["officer"], factories.employer(world["org"]["HT-TP"]))
    db.session.commit()
    client = in_english(client_as("supervisor"))
    first = client.get("/visits/review").get_data(as_text=True)
    assert "22 visits wait for review" in first
    assert first.count('class="card-link"') == 20
    assert "Công ty TNHH Hồng Hà" in first and users["HN"]["officer"].full_name in first
    second = client.get("/visits/review?page=2").get_data(as_text=True)
    assert second.count('class="card-link"') == 2 and "22 visits wait for review" in second


def test_a_full_search_page_counts_every_match_and_shows_each_district(world, client_as):
    """A province's viewer: 22 matches in two districts, one in another province."""
    for n in range(22):
        factories.employer(world["org"]["HN-CG" if n % 2 else "HN-BD"], name=f"Công ty Thương mại Số {n:02d}")
    factories.employer(world["org"]["HT-TP"], name="Công ty Thương mại Hà Tĩnh")
    db.session.commit()
    page = in_english(client_as("viewer")).get("/employers/?q=thuong+mai").get_data(as_text=True)
    assert "22 employers" in page
    assert page.count('class="card-link"') == 20 and "Hà Tĩnh" not in page
    assert "· HN-BD</span>" in page and "· HN-CG</span>" in page
