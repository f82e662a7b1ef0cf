"""Kept progress reports (fieldops/progress/snapshots.py): within
PROGRESS_REPORT_SECONDS a unit's dashboard and its export are served from one
computation, shared through the database and saying when it was made; after
it, or for another period, ranking or language, the figures are computed
afresh. The printed report is always computed afresh."""
import io
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from markupsafe import Markup

from fieldops.extensions import db
from fieldops.jobs import worker
from fieldops.progress import exports, kept_files, snapshots
from fieldops.progress.models import ReportFile, ReportSnapshot
from fieldops.visits import operations
from tests import factories
from tests.export_files import csv_rows
from tests.progress_helpers import build_world
from tests.visit_helpers import in_english


@pytest.fixture
def world(org, users):
    return build_world(org, users)


@pytest.fixture
def kept(app, monkeypatch):
    monkeypatch.setitem(app.config, "PROGRESS_REPORT_SECONDS", 60)


def registered(page):
    return re.search(r'data-figure="registered">([^<]*)<', page).group(1)


def a_new_registration(world):
    """Sông Hồng's 20 workers all registered (verified): Hà Nội's registered goes 55 → 70."""
    officer, supervisor = world["users"]["HN"]["officer"], world["users"]["HN"]["supervisor"]
    made = factories.visit(officer, world["b"], visit_date=date(2023, 10, 2), figures={"Toàn đơn vị": (20, 20, 10, 12)},
                           now=datetime(2023, 10, 2))
    operations.verify_visit(supervisor, made)
    db.session.commit()


def age_every_copy(seconds):
    for copy in db.session.scalars(sa.select(ReportSnapshot)):
        copy.computed_at -= timedelta(seconds=seconds)
    db.session.commit()


def view(client, url):
    """The page as its reader gets it; what the server does once the answer is sent (closed) done too."""
    return client.get(url, buffered=True).get_data(as_text=True)


def the_worker_works(app) -> int:
    """The job worker's round between jobs: the copies its readers found aged, computed again."""
    return worker.do_chores(app)


def wanted():
    return db.session.scalars(sa.select(ReportSnapshot.key).where(ReportSnapshot.wanted_at.is_not(None))).all()


def test_a_kept_report_serves_the_same_figures_until_it_is_older_than_the_setting(world, app, client_as, kept):
    client = in_english(client_as("viewer"))
    url = f"/progress/units/{world['org']['HN'].id}?period=campaign"
    first = view(client, url)
    assert registered(first) == "55"
    assert "Computed at" in first and "older than 60 seconds are computed again" in first
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)) == 1

    a_new_registration(world)
    assert registered(view(client, url)) == "55"  # the kept copy, 0 s old
    assert the_worker_works(app) == 0 and not wanted()
    age_every_copy(61)
    # Its reader waits for no computation: served the aged copy, which the job worker computes again.
    assert registered(view(client, url)) == "55"
    assert registered(view(client, url)) == "55"
    assert the_worker_works(app) == 1
    assert registered(view(client, url)) == "70"
    assert not wanted() and the_worker_works(app) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)) == 1  # replaced, not added


def worklist(page):
    section = re.search(r'<section id="progress-worklist">(.*?)</section>', page, re.S)
    return re.findall(r"<strong>([^<]*)</strong>\s*<span class=\"hint\">[^<]*· ([^<]*)</span>", section.group(1)) \
        if section else []


def test_a_districts_worklist_is_kept_with_its_figures(world, app, client_as, kept):
    """The district's employers furthest from 100% are read once per copy, as of the
    copy's time like the figures beside them: a view of a kept copy reads none."""
    from tests.statements import recorded

    client = in_english(client_as("viewer"))
    url = f"/progress/units/{world['org']['HN-CG'].id}?period=campaign"
    first = view(client, url)
    assert worklist(first) == [("Công ty Sông Hồng", "15 unregistered of 20 insured")]
    a_new_registration(world)
    with recorded() as statements:
        assert worklist(view(client, url)) == [("Công ty Sông Hồng", "15 unregistered of 20 insured")]
    assert not [s for s in statements if "progress_employer" in s]
    age_every_copy(61)
    view(client, url)
    assert the_worker_works(app) == 1
    page = view(client, url)
    assert worklist(page) == [] and 'id="progress-worklist"' not in page  # at 100% now: nobody left to list


def test_a_reader_of_an_aged_copy_computes_nothing_and_asks_once(world, app, client_as, kept, monkeypatch):
    """Many leaders open the national dashboard as its copy ages: none of their
    requests computes it; the first marks it wanted, the others write nothing."""
    from fieldops.progress import dashboard
    from tests.statements import recorded

    client = in_english(client_as("viewer"))
    url = f"/progress/units/{world['org']['HN'].id}?period=campaign"
    assert registered(view(client, url)) == "55"
    a_new_registration(world)
    age_every_copy(61)

    def computes(*args, **kwargs):
        raise AssertionError("a web request computed an aged copy")

    computing = dashboard.unit_report
    monkeypatch.setattr(dashboard, "unit_report", computes)
    with recorded() as first:
        assert registered(view(client, url)) == "55"
    with recorded() as later:
        for _ in range(3):
            assert registered(view(client, url)) == "55"
    assert len([s for s in first if s.startswith("UPDATE progress_report_snapshot")]) == 1
    assert not [s for s in later if not s.startswith("SELECT")]
    assert len(wanted()) == 1
    monkeypatch.setattr(dashboard, "unit_report", computing)
    assert the_worker_works(app) == 1
    assert registered(view(client, url)) == "70"


def test_a_copy_too_old_to_show_is_computed_for_its_reader(world, client_as, kept):
    client = in_english(client_as("viewer"))
    url = f"/progress/units/{world['org']['HN'].id}?period=campaign"
    assert registered(view(client, url)) == "55"
    a_new_registration(world)
    age_every_copy(11 * 60)
    assert registered(view(client, url)) == "70"
    assert not wanted()


def test_a_failed_computation_by_the_worker_is_logged_and_tried_again(world, app, client_as, kept, monkeypatch,
                                                                      caplog):
    from fieldops.progress import dashboard

    client = in_english(client_as("viewer"))
    url = f"/progress/units/{world['org']['HN'].id}?period=campaign"
    assert registered(view(client, url)) == "55"
    a_new_registration(world)
    age_every_copy(61)
    computes = dashboard.unit_report

    def fails(*args, **kwargs):
        raise RuntimeError("the database went away")

    assert registered(view(client, url)) == "55"
    monkeypatch.setattr(dashboard, "unit_report", fails)
    assert the_worker_works(app) == 0
    assert "computing the progress report" in caplog.text and "the database went away" in caplog.text
    monkeypatch.setattr(dashboard, "unit_report", computes)
    assert registered(view(client, url)) == "55"  # still the aged copy, wanted again by this reader
    assert the_worker_works(app) == 1
    assert registered(view(client, url)) == "70"


def test_two_workers_never_compute_the_same_copy(world, app, client_as, kept, monkeypatch):
    """A second worker that read the same wish before the first claimed it finds it taken."""
    client = in_english(client_as("viewer"))
    url = f"/progress/units/{world['org']['HN'].id}?period=campaign"
    view(client, url)
    a_new_registration(world)
    age_every_copy(61)
    view(client, url)
    wish = db.session.execute(sa.select(ReportSnapshot.key, ReportSnapshot.wanted_at)).one()
    computed = []
    refresh = snapshots._refresh
    monkeypatch.setattr(snapshots, "_refresh", lambda app_, key: computed.append(key) or refresh(app_, key))
    assert snapshots.refresh_wanted(app) == 1
    # The other worker's claim of what it read: the wish is gone, nothing is claimed.
    table = ReportSnapshot.__table__
    with db.engine.begin() as conn:
        assert conn.execute(sa.update(table).where(table.c.key == wish.key, table.c.wanted_at == wish.wanted_at)
                            .values(wanted_at=None)).rowcount == 0
    assert snapshots.refresh_wanted(app) == 0
    assert computed == [wish.key]


def test_the_worker_rests_as_long_as_each_computation_took(world, app, client_as, kept, monkeypatch):
    """Its database's work competes with the web servers': a burst of aged copies is spread out."""
    rests = []
    monkeypatch.setattr(snapshots.time, "sleep", rests.append)
    client = client_as("viewer")
    urls = [f"/progress/units/{world['org'][code].id}?period=campaign" for code in ("HN", "HN-BD")]
    for url in urls:
        view(client, url)
    age_every_copy(61)
    for url in urls:
        view(client, url)
    assert the_worker_works(app) == 2
    assert len(rests) == 2 and all(0 < rest < 5 for rest in rests)


def test_the_worker_computes_a_copy_in_its_readers_language(world, app, client_as, kept):
    client = client_as("viewer")
    url = f"/progress/units/{world['org']['HN'].id}?period=campaign"

    def in_turn():
        """The page in English, then in Vietnamese (the reader switches)."""
        in_en = view(in_english(client), url)
        assert client.post("/language", data={"lang": "vi", "next": "/"}).status_code == 302
        return in_en, view(client, url)

    in_turn()
    a_new_registration(world)
    age_every_copy(61)
    in_turn()
    assert len(wanted()) == 2
    assert the_worker_works(app) == 2
    in_en, in_vi = in_turn()
    assert registered(in_en) == registered(in_vi) == "70"
    assert "Registered" in in_en and "Đã đăng ký" not in in_en
    assert "Đã đăng ký" in in_vi


def test_the_worker_leaves_a_copy_computed_meanwhile(world, app, client_as, kept):
    """Computed again by a reader's own request (it had grown too old) after it was wanted."""
    client = in_english(client_as("viewer"))
    url = f"/progress/units/{world['org']['HN'].id}?period=campaign"
    view(client, url)
    age_every_copy(61)
    view(client, url)
    assert len(wanted()) == 1
    age_every_copy(10 * 60)
    view(client, url)  # too old to show: computed for this reader, no longer wanted
    assert not wanted() and the_worker_works(app) == 0


def test_a_copys_html_is_fetched_once_per_copy_then_only_its_time(world, app, client_as, kept):
    from tests.statements import recorded

    client = in_english(client_as("viewer"))
    url = f"/progress/units/{world['org']['HN'].id}?period=campaign"
    first = client.get(url).get_data(as_text=True)
    with recorded() as sent:
        again = client.get(url).get_data(as_text=True)
    assert again == first
    assert not [s for s in sent if "report_snapshot.figures" in s]
    age_every_copy(61)
    a_new_registration(world)
    assert registered(view(client, url)) == "55"  # wanted again
    assert the_worker_works(app) == 1
    assert registered(client.get(url).get_data(as_text=True)) == "70"
    with recorded() as sent:
        assert registered(client.get(url).get_data(as_text=True)) == "70"
    assert not [s for s in sent if "report_snapshot.figures" in s]
    age_every_copy(-1)  # computed again by another server: fetched with its own time
    assert registered(client.get(url).get_data(as_text=True)) == "70"


def test_without_keeping_every_view_is_computed(world, client_as):
    client = client_as("viewer")
    url = f"/progress/units/{world['org']['HN'].id}?period=campaign"
    assert registered(client.get(url).get_data(as_text=True)) == "55"
    a_new_registration(world)
    assert registered(client.get(url).get_data(as_text=True)) == "70"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)) == 0


def test_each_period_ranking_and_language_has_its_own_copy(world, client_as, kept):
    client = client_as("viewer")
    unit = world["org"]["HN"].id
    vietnamese = client.get(f"/progress/units/{unit}?period=campaign").get_data(as_text=True)
    assert "Chỉ tiêu" in vietnamese
    english = in_english(client).get(f"/progress/units/{unit}?period=campaign").get_data(as_text=True)
    assert 'id="progress-targets"' in english and "Campaign targets against" in english
    client.get(f"/progress/units/{unit}?period=2023-06")
    client.get(f"/progress/units/{unit}?period=campaign&rank=visits")
    keys = db.session.scalars(sa.select(ReportSnapshot.key)).all()
    assert len(keys) == 4 and len({k.rsplit("|", 1)[1] for k in keys}) == 2


def test_the_export_reads_the_copy_the_page_shows(world, client_as, kept):
    client = in_english(client_as("viewer"))
    unit = world["org"]["HN"].id
    client.get(f"/progress/units/{unit}?period=campaign")
    a_new_registration(world)
    body = client.get(f"/progress/units/{unit}/export?period=campaign&format=csv&table=summary").get_data(as_text=True)
    rows = csv_rows(body, "en")
    assert dict((row[0], row[1]) for row in rows)["Registered"] == "55"


@pytest.fixture
def made(monkeypatch):
    """The files made from reports, as (format, tables), whoever made them."""
    from fieldops.progress import exports

    made = []
    real = exports.report_file
    monkeypatch.setattr(exports, "report_file", lambda *args: made.append(args[1:]) or real(*args))
    return made


def another_server():
    """What a request finds in another app server: nothing of this process's own."""
    kept_files._made.made.clear()
    snapshots._html.made.clear()


def summary_registered(body):
    return dict((row[0], row[1]) for row in csv_rows(body, "en"))["Registered"]


def test_an_export_of_a_copy_is_made_once_for_every_server(world, client_as, kept, made):
    client = in_english(client_as("viewer"))
    url = f"/progress/units/{world['org']['HN'].id}/export?period=campaign&format="
    first = client.get(url + "xlsx").data
    assert client.get(url + "xlsx").data == first and len(made) == 1  # the second one is sent as made
    another_server()
    assert client.get(url + "xlsx").data == first and len(made) == 1  # fetched from beside the copy
    assert client.get(url + "csv&table=summary").status_code == 200 and len(made) == 2  # another file
    files = db.session.execute(sa.select(ReportFile.what, ReportFile.kind)).all()
    assert sorted(files) == [("csv:summary", "csv"), ("xlsx:" + "+".join(exports.TABLES), "xlsx")]


def test_the_worker_makes_again_the_files_asked_for_with_the_next_copy(world, app, client_as, kept, made):
    client = in_english(client_as("viewer"))
    url = f"/progress/units/{world['org']['HN'].id}/export?period=campaign&format="
    assert summary_registered(view(client, url + "csv&table=summary")) == "55"
    client.get(url + "xlsx")
    assert len(made) == 2
    a_new_registration(world)
    age_every_copy(61)
    assert client.get(url + "xlsx").status_code == 200  # the aged copy's file: its reader marks the copy wanted
    assert the_worker_works(app) == 1
    assert len(made) == 5  # the aged copy's XLSX again (a copy of another time), then both files by the worker
    made.clear()
    for _ in range(2):
        another_server()
        assert summary_registered(client.get(url + "csv&table=summary").get_data(as_text=True)) == "70"
        assert client.get(url + "xlsx").status_code == 200
    assert made == []  # no server made a file: the worker had

    # A file the worker made that nobody asked for is not made with the copy after.
    db.session.execute(sa.delete(ReportFile).where(ReportFile.what != "csv:summary"))
    db.session.execute(sa.update(ReportFile).values(asked_at=None))
    db.session.commit()
    age_every_copy(61)
    view(client, f"/progress/units/{world['org']['HN'].id}?period=campaign")
    assert the_worker_works(app) == 1 and made == []
    assert db.session.scalars(sa.select(ReportFile.what)).all() == []


def test_a_file_of_an_older_copy_never_replaces_one_of_a_newer_copy(world, client_as, kept, made):
    client = in_english(client_as("viewer"))
    url = f"/progress/units/{world['org']['HN'].id}/export?period=campaign&format=csv&table=summary"
    client.get(url)
    newer = db.session.scalar(sa.select(ReportFile.computed_at))
    key = db.session.scalar(sa.select(ReportFile.key))
    kept_files._store(key, "csv:summary", newer - timedelta(minutes=1), (b"older", "csv"), asked=True)
    db.session.expire_all()
    assert db.session.execute(sa.select(ReportFile.computed_at, ReportFile.body)).one() != (
        newer - timedelta(minutes=1), b"older")
    assert db.session.scalar(sa.select(ReportFile.computed_at)) == newer


def test_a_kept_file_goes_with_its_copy(world, client_as, kept):
    client = client_as("viewer")
    client.get(f"/progress/units/{world['org']['HN'].id}/export?period=campaign&format=xlsx")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportFile)) == 1
    db.session.execute(sa.delete(ReportSnapshot))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportFile)) == 0


def test_the_printed_report_is_computed_afresh(world, app, client_as, kept):
    from pypdf import PdfReader

    client = client_as("viewer")
    unit = world["org"]["HN"].id
    client.get(f"/progress/units/{unit}?period=campaign")
    a_new_registration(world)
    pdf = client.get(f"/progress/units/{unit}/report?period=campaign").data
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "70" in text


def test_copies_older_than_a_day_go_when_a_new_one_is_kept(world, client_as, kept):
    client = client_as("viewer")
    unit = world["org"]["HN"].id
    client.get(f"/progress/units/{unit}?period=2023-06")
    age_every_copy(2 * 24 * 3600)
    client.get(f"/progress/units/{unit}?period=campaign")
    keys = db.session.scalars(sa.select(ReportSnapshot.key)).all()
    assert len(keys) == 1 and "|campaign|" in keys[0]


def test_a_copy_keeps_dates_times_and_charts():
    report = {"period": {"start": date(2023, 1, 1)}, "computed_at": datetime(2026, 11, 26, 13, 5),
              "charts": {"coverage": Markup("<svg><title>a &amp; b</title></svg>")}, "rows": [(1, "x")],
              "label": "<script>"}
    back = snapshots.loads(snapshots.dumps(report))
    assert back["period"]["start"] == date(2023, 1, 1) and back["computed_at"] == datetime(2026, 11, 26, 13, 5)
    assert isinstance(back["charts"]["coverage"], Markup) and back["rows"] == [[1, "x"]]
    assert not isinstance(back["label"], Markup)  # plain text stays text to escape
    with pytest.raises(TypeError):
        snapshots.dumps({"when": object()})


@pytest.mark.parametrize("role, shown", [("hr", True), ("admin", True), ("viewer", False), ("supervisor", False)])
def test_manage_targets_is_offered_to_those_who_set_them(world, app, client_as, role, shown):
    from fieldops.auth.models import Role
    from tests.conftest import sign_in

    user = factories.user(world["org"]["VN"], Role(role)) if role in ("hr", "admin") else None
    db.session.commit()
    client = sign_in(app.test_client(), user) if user else client_as(role)
    unit = world["org"]["HN"].id
    page = client.get(f"/progress/units/{unit}").get_data(as_text=True)
    assert ('href="/progress/targets"' in page) is shown
