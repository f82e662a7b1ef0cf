"""The offline field kit on the server: the manifest and its icons, the service
worker and the release it names, the offline page, and the district's sync (all
of it, then only what changed, within the officer's scope)."""
import enum
import gzip
import io
import json
import re
import time
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from PIL import Image

from fieldops.auth.models import Role
from fieldops.extensions import db
from fieldops.offline import shell
from tests import factories
from tests.statements import recorded


def test_the_manifest_installs_fieldops_in_vietnamese_with_png_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["lang"] == "vi" and "VssID" in manifest["name"] and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        with Image.open(io.BytesIO(image.data)) as png:
            assert png.format == "PNG" and f"{png.width}x{png.height}" == icon["sizes"]
        image.close()


def test_the_service_worker_names_the_release_and_every_file_it_keeps(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"  # a new release is seen at once
    body = response.get_data(as_text=True)
    config = json.loads(re.match(r"self\.FIELDOPS_SHELL = (.*);\n", body).group(1))
    assert config["version"] == shell.version() and re.fullmatch(r"[0-9a-f]{12}", config["version"])
    assert config["page"] == "/offline"
    assert len(config["files"]) == len(shell.SHELL_FILES)
    for url in config["files"]:
        # Each file under this release's name: the cache of one release never mixes in another's.
        assert url.endswith(f"?v={config['version']}")
        kept = client.get(url)
        assert kept.status_code == 200, url
        kept.close()


def test_every_page_asks_for_this_releases_static_files(client_as):
    html = client_as("officer").get("/").get_data(as_text=True)
    assert f"/static/css/app.css?v={shell.version()}" in html
    assert 'rel="manifest"' in html and 'data-worker="/sw.js"' in html
    assert f"/static/js/offline_store.js?v={shell.version()}" in html
    assert 'id="outbox-count"' in html and 'id="logout-form"' in html


def test_a_static_file_under_this_releases_name_is_kept_a_year_and_any_other_is_asked_again(client):
    kept = client.get(f"/static/css/app.css?v={shell.version()}")
    assert kept.status_code == 200 and kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    kept.close()
    for url in ("/static/css/app.css", "/static/css/app.css?v=0123456789ab", "/static/css/app.css?v="):
        asked = client.get(url)
        assert asked.status_code == 200 and "immutable" not in asked.headers.get("Cache-Control", ""), url
        asked.close()
    assert client.get(f"/static/css/missing.css?v={shell.version()}").status_code == 404


def test_the_release_changes_with_any_static_file_not_only_the_offline_kits(tmp_path, monkeypatch):
    # A dashboard's script is kept a year under the release's name too, so it must name the release.
    (tmp_path / "static" / "js").mkdir(parents=True)
    script = tmp_path / "static" / "js" / "progress.js"
    script.write_text("draw();")
    monkeypatch.setattr(shell, "PACKAGE", tmp_path)
    shell.version.cache_clear()
    try:
        before = shell.version()
        script.write_text("draw(); label();")
        shell.version.cache_clear()
        assert shell.version() != before
    finally:
        monkeypatch.undo()
        shell.version.cache_clear()


def test_only_officers_get_the_service_worker_and_the_offline_page(client_as):
    supervisor = client_as("supervisor")
    assert 'data-worker=' not in supervisor.get("/").get_data(as_text=True)
    assert supervisor.get("/offline").status_code == 403
    page = client_as("officer").get("/offline")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Kept by the service worker: it carries no session token.
    assert "csrf" not in html.lower() and 'id="offline-view"' in html and 'id="visit-form"' in html


def sync(client, since="", gzip_ok=False):
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    response = client.get("/offline/sync" + (f"?since={since}" if since else ""), headers=headers)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    raw = gzip.decompress(response.data) if response.headers.get("Content-Encoding") == "gzip" else response.data
    return json.loads(raw)


def test_the_first_sync_brings_the_officers_district_and_nothing_else(client_as, users, org):
    officer = users["HN"]["officer"]
    here = factories.employer(org["HN-BD"], name="Công ty Hồng Hà", departments=("Văn phòng", "Xưởng"))
    elsewhere = factories.employer(org["HT-TP"], name="Công ty Hà Tĩnh")
    factories.visit(officer, here)
    db.session.commit()

    data = sync(client_as("officer"), gzip_ok=True)
    assert data["full"] is True and data["employers_total"] == 1
    employers = [dict(zip(data["employer_fields"], row)) for row in data["employers"]]
    assert [e["name"] for e in employers] == ["Công ty Hồng Hà"]
    assert elsewhere.id not in [e["id"] for e in employers]
    departments = [dict(zip(data["department_fields"], row)) for row in data["departments"]]
    assert sorted((d["name"], d["insured"], d["registered"], d["active"]) for d in departments) == [
        ("Văn phòng", 10, 4, 2), ("Xưởng", 10, 4, 2)]
    visits = [dict(zip(data["visit_fields"], row)) for row in data["visits"]]
    assert [(v["employer_id"], v["visit_date"], v["state"]) for v in visits] == [(here.id, "2023-06-01", "submitted")]
    assert data["rules"]["max_count"] == 1_000_000 and data["rules"]["earliest_date"] is None
    assert data["user"]["id"] == officer.id


def test_each_department_comes_with_its_life(client_as, users, org):
    # The tablet offers the departments counting on its day, as the form online does (visit_rules.js countsOn).
    from fieldops.employers.lifecycle import Part, retire_department, split_department

    admin = users["HN"]["admin"]
    employer = factories.employer(org["HN-BD"], name="Công ty Hồng Hà", departments=("Văn phòng", "Xưởng", "Kho"))
    office, workshop, _store = sorted(employer.departments, key=lambda d: ["Văn phòng", "Xưởng", "Kho"].index(d.name))
    retire_department(admin, office, date(2023, 6, 1), "Giải thể bộ phận")
    split_department(admin, workshop, date(2023, 7, 1), "Tách xưởng", [Part("Xưởng A", 6), Part("Xưởng B", 4)])
    db.session.commit()

    data = sync(client_as("officer"))
    lives = {d["name"]: (d["starts_on"], d["retired_on"])
             for d in (dict(zip(data["department_fields"], row)) for row in data["departments"])}
    assert lives == {"Văn phòng": (None, "2023-06-01"), "Xưởng": (None, "2023-07-01"), "Kho": (None, None),
                     "Xưởng A": ("2023-07-01", None), "Xưởng B": ("2023-07-01", None)}


def test_an_incremental_sync_brings_only_the_employers_changed_since(client_as, users, org, monkeypatch):
    from fieldops.offline import sync as sync_module

    officer = users["HN"]["officer"]
    quiet = factories.employer(org["HN-BD"], name="Công ty Yên Tĩnh")
    busy = factories.employer(org["HN-BD"], name="Công ty Bận Rộn", departments=("Văn phòng", "Xưởng"))
    db.session.commit()
    client = client_as("officer")
    monkeypatch.setattr(sync_module, "OVERLAP", sync_module.OVERLAP * 0)
    first = sync(client)
    assert len(first["employers"]) == 2
    time.sleep(0.01)
    again = sync(client, first["cursor"])
    assert again["full"] is False and again["employers"] == [] and again["departments"] == []
    assert again["employers_total"] == 2

    factories.visit(officer, busy, figures={"Xưởng": (30, 12, 5)})  # new current figures for one department
    db.session.commit()
    changed = sync(client, again["cursor"])
    assert [row[0] for row in changed["employers"]] == [busy.id]
    # The employer comes back whole, with its department that did not change too.
    assert sorted((row[2], row[3], row[4]) for row in changed["departments"]) == [
        ("Văn phòng", 0, 0), ("Xưởng", 30, 12)]
    assert quiet.id not in [row[1] for row in changed["departments"]]
    assert len(changed["visits"]) == 1  # the officer's own visits come whole each time


def _rename(employer, admin):
    from fieldops.employers.operations import rename_department

    rename_department(admin, employer.departments[0], "Phân xưởng đổi tên")


def _add(employer, admin):
    from fieldops.employers.operations import add_department

    add_department(admin, employer, "Kho mới")


def _retire(employer, admin):
    from fieldops.employers.lifecycle import retire_department

    retire_department(admin, employer.departments[1], date(2023, 6, 1), "Giải thể bộ phận")


def _move_here(employer, admin):
    from fieldops.employers.operations import update_employer

    update_employer(admin, employer, district_id=admin.org_unit_id)


def _edit(employer, admin):
    from fieldops.employers.operations import update_employer

    update_employer(admin, employer, address="Số 2 Phố Mới")


def _import_without_one(employer, admin):
    from fieldops.employers.importing import import_employers
    from tests.test_employer_import import csv_bytes

    # The file lists the employer with one of its two departments: the other, without history, is removed.
    office = next(d for d in employer.departments if d.name == "Văn phòng")
    rows = [[employer.unit_code, employer.name, employer.tax_code, "HN-BD", office.name, office.insured_declared]]
    assert import_employers(admin, io.BytesIO(csv_bytes(rows)), "a.csv").ok


@pytest.mark.parametrize("change", [_rename, _add, _retire, _move_here, _edit, _import_without_one])
def test_every_change_of_an_employer_or_its_departments_comes_with_the_next_sync(client_as, users, org, monkeypatch,
                                                                               change):
    from fieldops.offline import sync as sync_module

    monkeypatch.setattr(sync_module, "OVERLAP", sync_module.OVERLAP * 0)
    here = factories.employer(org["HN-BD"], name="Công ty Ở Đây", departments=("Văn phòng", "Xưởng"))
    elsewhere = factories.employer(org["HN-CG"], name="Công ty Nơi Khác", departments=("Văn phòng", "Xưởng"))
    db.session.commit()
    client = client_as("officer")
    admin = factories.user(org["HN-BD"], role=Role.admin)
    cursor = sync(client)["cursor"]
    time.sleep(0.01)
    changed = elsewhere if change is _move_here else here
    change(changed, admin)
    db.session.commit()
    data = sync(client, cursor)
    assert [row[0] for row in data["employers"]] == [changed.id]
    db.session.refresh(changed)
    assert sorted(row[2] for row in data["departments"]) == sorted(d.name for d in changed.departments)


def test_a_verification_changes_nothing_a_tablet_holds_of_the_employer(client_as, users, org, monkeypatch):
    from fieldops.offline import sync as sync_module
    from fieldops.visits.operations import verify_visit

    monkeypatch.setattr(sync_module, "OVERLAP", sync_module.OVERLAP * 0)
    employer = factories.employer(org["HN-BD"], departments=("Văn phòng", "Xưởng"))
    visit = factories.visit(users["HN"]["officer"], employer, figures={"Xưởng": (30, 12, 5)})
    db.session.commit()
    client = client_as("officer")
    cursor = sync(client)["cursor"]
    time.sleep(0.01)
    verify_visit(users["HN"]["supervisor"], visit)
    db.session.commit()
    data = sync(client, cursor)
    # The district's employers are not sent again; the officer's own visits come whole, the new state with them.
    assert data["employers"] == [] and data["departments"] == []
    assert [row[3] for row in data["visits"]] == ["verified"]


def test_changes_in_other_districts_do_not_come_with_a_sync(client_as, users, org, monkeypatch):
    from fieldops.offline import sync as sync_module

    monkeypatch.setattr(sync_module, "OVERLAP", sync_module.OVERLAP * 0)
    elsewhere = factories.employer(org["HN-CG"], departments=("Văn phòng", "Xưởng"))
    db.session.commit()
    client = client_as("officer")
    cursor = sync(client)["cursor"]
    time.sleep(0.01)
    factories.visit(factories.user(org["HN-CG"]), elsewhere, figures={"Xưởng": (30, 12, 5)})
    _rename(elsewhere, factories.user(org["HN-CG"], role=Role.admin))
    db.session.commit()
    data, sent = _statements_of(client, cursor)
    assert data["employers"] == [] and data["departments"] == []
    # The departments' own time is not what is read: the country's changes would be (their index is gone).
    assert not any("labour_department.updated_at" in statement for statement in sent)


def _statements_of(client, since):
    with recorded() as sent:
        data = sync(client, since)
    return data, sent


def test_an_incremental_sync_with_nothing_changed_reads_only_the_changes(client_as, org, monkeypatch):
    from fieldops.offline import sync as sync_module

    monkeypatch.setattr(sync_module, "OVERLAP", sync_module.OVERLAP * 0)
    factories.employer(org["HN-BD"], departments=("Văn phòng", "Xưởng"))
    db.session.commit()
    client = client_as("officer")
    cursor = sync(client)["cursor"]
    time.sleep(0.01)
    small, few = _statements_of(client, cursor)
    for n in range(30):
        factories.employer(org["HN-BD"], name=f"Công ty số {n}", departments=("Văn phòng", "Xưởng"))
    db.session.commit()
    cursor = sync(client)["cursor"]
    time.sleep(0.01)
    large, many = _statements_of(client, cursor)
    for data in (small, large):
        assert data["full"] is False and data["employers"] == [] and data["departments"] == []
    assert large["employers_total"] == 31
    # As many statements for 31 employers as for one, and few: the district is not read row by row.
    assert len(many) == len(few) <= 10
    # What changed is found by the "changed since" columns alone, not by testing each employer of the district.
    assert not any(" OR " in statement.upper() and "updated_at" in statement for statement in many)


HOSTILE = ['Công ty "Hồng Hà" \\ chi nhánh \\"', "Xưởng\nmới\t(2)\r", "Đội 😀 \u2028 </script>",
           "\x01\x1f\x7f ' -- %s", " Phân xưởng Đức Giang "]


def _rows_as_read(stmt):
    """Rows as the sync read them before the database wrote its JSON: SQLAlchemy's values,
    dates as ISO text, states and kinds as their text."""
    return [[value.isoformat() if isinstance(value, date) else str(value) if isinstance(value, enum.Enum) else value
             for value in row] for row in db.session.execute(stmt)]


def test_the_sync_sends_every_value_exactly_as_stored_in_the_order_it_always_had(client_as, users, org):
    from fieldops.employers.lifecycle import retire_department
    from fieldops.employers.models import Employer, LabourDepartment
    from fieldops.followups.models import FollowUp
    from fieldops.visits.models import Visit

    officer = users["HN"]["officer"]
    employers = [factories.employer(org["HN-BD"], departments=("Văn phòng", "Kho", "Ánh Dương")) for _ in range(3)]
    factories.employer(org["HT-TP"], name=HOSTILE[0])
    for n, (employer, name) in enumerate(zip(employers, HOSTILE)):
        # Straight into the rows, past the forms' trimming: an import or an old row may hold anything.
        employer.name, employer.address, employer.tax_code = name, HOSTILE[-1 - n], ""
        for department, other in zip(employer.departments, HOSTILE[n:]):
            department.name = other
    db.session.flush()
    visits = [factories.visit(officer, employers[0], visit_date=date(2023, 6, day)) for day in (3, 1, 3)]
    factories.visit(officer, employers[1], figures={employers[1].departments[0]: (7, 5, 3)})
    followups = [factories.followup(officer, employers[0], visit=visit)
                 for visit in (visits[0], None, visits[2])]
    for n, (followup, note) in enumerate(zip(followups, HOSTILE)):
        followup.note, followup.due_date = note, date(2023, 7, 9 - n)
    retire_department(users["HN"]["admin"], employers[2].departments[1], date(2023, 6, 30), "Giải thể")
    db.session.commit()

    expected = {
        "employers": _rows_as_read(sa.select(Employer.id, Employer.name, Employer.unit_code, Employer.tax_code,
                                             Employer.address).where(Employer.district_id == org["HN-BD"].id)
                                   .order_by(Employer.id)),
        "departments": _rows_as_read(
            sa.select(LabourDepartment.id, LabourDepartment.employer_id, LabourDepartment.name,
                      LabourDepartment.insured, LabourDepartment.current_registered, LabourDepartment.current_active,
                      LabourDepartment.current_visit_date, LabourDepartment.starts_on, LabourDepartment.retired_on)
            .where(LabourDepartment.employer_id.in_([e.id for e in employers]))
            .order_by(LabourDepartment.employer_id, LabourDepartment.name)),
        "visits": _rows_as_read(sa.select(Visit.id, Visit.employer_id, Visit.visit_date, Visit.state, Visit.purpose)
                                .where(Visit.officer_id == officer.id)
                                .order_by(Visit.visit_date.desc(), Visit.id.desc())),
        "followups": _rows_as_read(sa.select(FollowUp.id, FollowUp.employer_id, FollowUp.kind, FollowUp.state,
                                             FollowUp.due_date, FollowUp.visit_id, FollowUp.note)
                                   .where(FollowUp.assignee_id == officer.id)
                                   .order_by(FollowUp.due_date, FollowUp.id)),
    }
    assert sorted(row[1] for row in expected["employers"]) == sorted(HOSTILE[:3])
    assert {row[2] for row in expected["departments"]} == set(HOSTILE)
    assert [row[6] for row in expected["followups"]] == HOSTILE[2::-1]
    assert {row[6] for row in expected["departments"]} == {"2023-06-01", "2023-06-03", None}
    assert {row[8] for row in expected["departments"]} == {"2023-06-30", None}
    client = client_as("officer")
    for gzip_ok in (True, False):
        # json.loads is strict, as the browser's JSON.parse: an unescaped control character fails here.
        data = sync(client, gzip_ok=gzip_ok)
        assert {key: data[key] for key in expected} == json.loads(json.dumps(expected))
        assert list(data) == ["full", "cursor", "read_at", "user", "rules", "employers_total", "employer_fields",
                              "employers", "department_fields", "departments", "visit_fields", "visits",
                              "followup_fields", "followups"]
    changed = sync(client, "2000-01-01T00:00:00")
    assert {key: changed[key] for key in expected} == json.loads(json.dumps(expected))


def test_a_sync_cursor_that_is_not_a_date_gives_everything(client_as, org):
    factories.employer(org["HN-BD"])
    db.session.commit()
    client = client_as("officer")
    for hostile in ("yesterday", "'; DROP TABLE employer; --", "9" * 500, "2023-13-45"):
        assert sync(client, hostile)["full"] is True
    assert datetime.fromisoformat(sync(client)["cursor"])


def test_only_officers_sync(client_as):
    assert client_as("supervisor").get("/offline/sync").status_code == 403
    assert client_as("viewer").get("/outbox").status_code == 403


def test_follow_up_actions_sent_twice_are_done_once(client_as, users, org):
    """A tablet's outbox may send an action again when its answer was lost."""
    import sqlalchemy as sa

    from fieldops.followups.models import FollowUp, FollowUpState

    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    employer = factories.employer(org["HN-BD"])
    visit = factories.visit(officer, employer)
    db.session.commit()
    client = client_as("officer")
    from datetime import timedelta

    from fieldops.timeutil import local_today

    due = (local_today() + timedelta(days=7)).isoformat()
    form = {"kind": "revisit", "obstacle_id": "0", "assignee_id": str(officer.id), "due_date": due,
            "note": "Quay lại đăng ký cho 6 người", "idempotency_key": "3f1c2b4e-0000-4a5b-9c8d-1234567890ab"}
    first = client.post(f"/followups/new?visit={visit.id}", data=form)
    again = client.post(f"/followups/new?visit={visit.id}", data=form)
    made = db.session.scalars(sa.select(FollowUp).where(FollowUp.visit_id == visit.id)).all()
    assert len(made) == 1 and made[0].idempotency_key == form["idempotency_key"]
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == f"/followups/{made[0].id}"
    followed = client.get(again.headers["Location"])
    assert followed.headers["X-Followup-Id"] == str(made[0].id)
    assert "đã được nhận trước đó" in followed.get_data(as_text=True)
    # Someone else's key is not theirs to replay.
    other = client_as("supervisor").post(f"/followups/new?visit={visit.id}", data=form)
    assert other.status_code == 409

    followup = factories.followup(officer, employer, state="approved", decider=supervisor)
    db.session.commit()
    for _ in range(2):
        started = client.post(f"/followups/{followup.id}/start", data={"next": f"/followups/{followup.id}"})
        assert started.status_code == 302
    for _ in range(2):
        done = client.post(f"/followups/{followup.id}/complete",
                           data={"outcome": "Đã đăng ký thêm 6 người", "done_visit_id": "0",
                                 "next": f"/followups/{followup.id}"})
        assert done.status_code == 302 and done.headers["Location"] == f"/followups/{followup.id}"
    db.session.expire_all()
    assert db.session.get(FollowUp, followup.id).state == FollowUpState.done
    assert db.session.get(FollowUp, followup.id).outcome == "Đã đăng ký thêm 6 người"


def test_the_words_the_database_writes_for_the_tablet_are_the_values_it_knows():
    """The sync's JSON is written by the database, which holds an enum column's
    member names; the tablet reads the values (visit_rules.js, offline_pages.js):
    they must stay the same words."""
    from fieldops.followups.models import FollowUpKind, FollowUpState
    from fieldops.visits.models import ReviewState, VisitPurpose

    for enum in (ReviewState, VisitPurpose, FollowUpKind, FollowUpState):
        assert [m.name for m in enum] == [m.value for m in enum], enum


def test_the_migration_gives_each_timeline_its_departments_latest_time(app, org, users):
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade

    from fieldops.employers.models import LabourDepartment
    from fieldops.progress.models import EmployerTimeline

    employers = [factories.employer(org["HN-BD"], departments=("Văn phòng", "Xưởng")) for _ in range(2)]
    factories.visit(users["HN"]["officer"], employers[1], figures={"Xưởng": (30, 12, 5)})
    db.session.commit()
    # The migration alters the tables: no transaction of the session may hold them.
    db.session.close()
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    try:
        downgrade(revision=script.get_revision("0023_sync_by_district").down_revision)
    finally:
        upgrade()
    latest = dict(db.session.execute(sa.select(LabourDepartment.employer_id, sa.func.max(LabourDepartment.updated_at))
                                     .group_by(LabourDepartment.employer_id)).all())
    kept = dict(db.session.execute(sa.select(EmployerTimeline.employer_id, EmployerTimeline.departments_updated_at)).all())
    assert kept == latest and len(kept) == 2
