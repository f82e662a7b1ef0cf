"""Departments have a life (fieldops/employers/lifecycle.py): split, merged or
retired from a date, after which they count in no figure, while figures
before the date stay as they were; checked over HTTP, at every level of the
timeline, and on random histories against the independent computation."""
import io
import random
import uuid
from dataclasses import replace
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from fieldops.audit.models import AuditEvent
from fieldops.definitions import counts_on
from fieldops.employers import lifecycle
from fieldops.employers.models import DepartmentEnd, LabourDepartment
from fieldops.extensions import db
from fieldops.progress import figures as fig
from fieldops.progress.models import ActivityCount, EmployerTimeline, ObstacleCount, ReviewedStock, StockDelta
from fieldops.progress.timeline import rebuild_all
from fieldops.visits.forms import LineInput, VisitInput
from fieldops.visits.models import VisitPurpose
from fieldops.visits.operations import create_visit
from tests import factories
from tests.test_progress_timeline import World, _rows, check_against_definition
from tests.visit_helpers import in_english

TODAY = date(2024, 3, 1)


def _visit_with_parts(officer, employer, day, lines):
    """A visit whose lines name departments by object or, for new ones, by name."""
    data = VisitInput(visit_date=day, purpose=VisitPurpose.guidance, notes="", latitude=None, longitude=None,
                      obstacles=[], lines=[
                          LineInput(department=d if not isinstance(d, str) else None,
                                    new_name=d if isinstance(d, str) else "", insured=i, registered=r, active=a,
                                    newly_registered=0) for d, (i, r, a) in lines])
    key = str(uuid.uuid4())
    return create_visit(officer, employer, data, idempotency_key=key, content_hash=key[:64],
                        now=datetime.combine(day, datetime.min.time()))


@pytest.fixture
def doubled(org, users):
    """The issue's employer: counted as one "Toàn đơn vị" (65 / 60), then on
    31/12/2023 recorded by its two parts with the old line left as it was."""
    factories.campaign()
    officer = users["HN"]["officer"]
    employer = factories.employer(org["HN-BD"], name="Công ty Hai Khối")
    whole = employer.departments[0]
    _visit_with_parts(officer, employer, date(2023, 6, 1), [(whole, (65, 60, 30))])
    _visit_with_parts(officer, employer, date(2023, 12, 31),
                      [("Khối văn phòng", (25, 25, 20)), ("Khối sản xuất", (40, 35, 10))])
    db.session.commit()
    return employer, whole


def _stock(unit, day):
    got = fig.stock_as_of(unit, [day])[day]
    return got.insured, got.registered


def test_the_split_is_counted_once_at_every_level_after_the_fix(doubled, org, client_as):
    employer, whole = doubled
    client = client_as("officer")
    for unit in (org["HN-BD"], org["HN"], org["VN"]):
        assert _stock(unit, date(2023, 12, 31)) == (130, 120)  # the double count the issue found
    page = client.get(f"/employers/{employer.id}").get_data(as_text=True)
    assert 'id="double-count"' in page and "Khối sản xuất" in page

    fix = client.get(f"/employers/departments/{whole.id}/split?day=2023-12-31&parts=Kh%E1%BB%91i+s%E1%BA%A3n+xu"
                     f"%E1%BA%A5t%0AKh%E1%BB%91i+v%C4%83n+ph%C3%B2ng")
    assert fix.status_code == 200 and "Khối sản xuất" in fix.get_data(as_text=True)
    response = client.post(f"/employers/departments/{whole.id}/split", data={
        "day": "31/12/2023", "reason": "Đơn vị chia thành hai khối", "parts": "Khối văn phòng\nKhối sản xuất"},
        follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="double-count"' not in page and 'id="ended-departments"' in page

    for unit in (org["HN-BD"], org["HN"], org["VN"]):
        assert _stock(unit, date(2023, 12, 31)) == (65, 60), unit.code
        assert _stock(unit, date(2023, 12, 30)) == (65, 60), unit.code  # before the date: unchanged
        assert _stock(unit, date(2023, 6, 1)) == (65, 60), unit.code
    kept = db.session.get(EmployerTimeline, employer.id)
    db.session.refresh(kept)
    assert (kept.insured, kept.registered) == (65, 60)
    db.session.refresh(whole)
    assert (whole.retired_on, whole.ended_how) == (date(2023, 12, 31), DepartmentEnd.split)
    assert whole.current_registered == 60  # its history stays readable
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "labour_department.split")).one()
    assert event.object_id == str(whole.id) and {p["name"] for p in event.after["into"]} == {"Khối văn phòng",
                                                                                       "Khối sản xuất"}
    check_against_definition()


@pytest.mark.parametrize("data, message", [
    ({"day": "2030-01-01", "reason": "x", "parts": "A; 1\nB; 2"}, "cannot be in the future"),
    ({"day": "2023-05-01", "reason": "x", "parts": "A; 1\nB; 2"}, "has a visit on 01/06/2023"),
    ({"day": "2023-12-31", "reason": "x", "parts": "Khối văn phòng"}, "at least two parts"),
    ({"day": "2023-12-31", "reason": "x", "parts": ""}, "at least two parts"),
    ({"day": "2023-12-31", "reason": "", "parts": "A; 1\nB; 2"}, "Say why"),
    ({"day": "31-12-2023", "reason": "x", "parts": "A; 1\nB; 2"}, "dd/mm/yyyy"),
    ({"day": "2023-12-31", "reason": "x", "parts": "A; 1\nA; 2"}, "named twice"),
    ({"day": "2023-12-31", "reason": "x", "parts": "A; -4\nB; 2"}, "whole numbers"),
    ({"day": "2023-12-31", "reason": "x", "parts": "Toàn đơn vị\nB; 2"}, "does not count on that date"),
    ({"day": "2023-12-31", "reason": "x" * 501, "parts": "A; 1\nB; 2"}, "500"),
])
def test_a_refused_split_says_why_and_changes_nothing(doubled, client_as, data, message):
    employer, whole = doubled
    before = {d.id for d in db.session.scalars(sa.select(LabourDepartment))}
    response = in_english(client_as("officer")).post(f"/employers/departments/{whole.id}/split", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert {d.id for d in db.session.scalars(sa.select(LabourDepartment))} == before
    assert db.session.get(LabourDepartment, whole.id).retired_on is None
    assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("labour_department.s%"))).all()


def test_a_split_whose_parts_do_not_add_up_is_warned_not_refused(doubled, client_as):
    employer, whole = doubled
    response = in_english(client_as("admin")).post(f"/employers/departments/{whole.id}/split", data={
        "day": "2023-12-31", "reason": "Tái cơ cấu", "parts": "Khối A; 30\nKhối B; 30"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "the split is a new count" in page
    parts = db.session.scalars(sa.select(LabourDepartment).where(LabourDepartment.name.like("Khối _"))).all()
    assert {(d.name, d.insured_declared, d.starts_on) for d in parts} == {
        ("Khối A", 30, date(2023, 12, 31)), ("Khối B", 30, date(2023, 12, 31))}


def test_retire_and_merge_with_their_bad_input(doubled, org, users, client_as):
    employer, whole = doubled
    client = in_english(client_as("officer"))
    other = factories.employer(org["HN-BD"], departments=[("Kho", 5)])
    db.session.commit()
    parts = [d for d in employer.departments if d.name.startswith("Khối")]
    merge = f"/employers/{employer.id}/departments/merge"
    response = client.post(merge, data={"departments": [parts[0].id], "day": "2023-12-31", "reason": "x",
                                        "name": "Khối chung"})
    assert response.status_code == 422 and "at least two departments" in response.get_data(as_text=True)
    # A department of another employer is not among the choices: refused beside the field.
    response = client.post(merge, data={"departments": [parts[0].id, other.departments[0].id],
                                        "day": "2023-12-31", "reason": "x", "name": "Khối chung"})
    assert response.status_code == 422
    with pytest.raises(lifecycle.LifeError, match="one employer"):
        lifecycle.merge_departments(None, [parts[0], other.departments[0]], date(2023, 12, 31), "x", "Chung")
    response = client.post(merge, data={"departments": [p.id for p in parts], "day": "2024-01-15",
                                        "reason": "Gộp hai khối", "name": "Khối chung"}, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    merged = db.session.scalars(sa.select(LabourDepartment).where(LabourDepartment.name == "Khối chung")).one()
    assert (merged.starts_on, merged.insured_declared) == (date(2024, 1, 15), 65)
    # The whole (65 / 60), the parts (65 / 60), another employer's store (5 / 0); from the 15th the
    # merged department counts its declared 65 insured, nobody registered until a visit counts them.
    assert _stock(org["HN-BD"], date(2024, 1, 14)) == (135, 120)
    assert _stock(org["HN-BD"], date(2024, 1, 15)) == (135, 60)

    retire = f"/employers/departments/{whole.id}/retire"
    assert client.post(retire, data={"day": "2023-05-31", "reason": "x"}).status_code == 422
    response = client.post(retire, data={"day": "2024-01-15", "reason": "Không còn tồn tại"}, follow_redirects=True)
    assert response.status_code == 200
    assert _stock(org["HN-BD"], date(2024, 1, 15)) == (70, 0)
    assert _stock(org["HN-BD"], date(2024, 1, 14)) == (135, 120)
    assert client.post(retire, data={"day": "2024-01-20", "reason": "x"}).status_code == 422  # already retired
    assert client_as("officer", "HT").post(retire, data={"day": "2024-01-20", "reason": "x"}).status_code == 404
    check_against_definition()


class LifeWorld(World):
    """The timeline's random world, with splits, merges and retirements among its steps."""

    def step(self, employers):
        rng = self.rng
        action = rng.choice(["life"] * 2 + ["other"] * 5)
        if action != "life":
            return super().step(employers)
        employer = rng.choice(employers)
        alive = lifecycle.counting_now(employer, TODAY)
        if not alive:
            return None
        day = rng.choice([date(2023, 3, 1), date(2023, 7, 1), date(2023, 9, 17), date(2023, 12, 31)])
        kind = rng.choice(["retire", "split", "merge"])
        try:
            if kind == "retire":
                lifecycle.retire_department(None, rng.choice(alive), day, "r", today=TODAY)
            elif kind == "split":
                n = next(self.names)
                lifecycle.split_department(None, rng.choice(alive), day, "s",
                                           [lifecycle.Part(f"Phần {n}a", rng.randint(0, 30)),
                                            lifecycle.Part(f"Phần {n}b", rng.randint(0, 30))], today=TODAY)
            elif len(alive) > 1:
                lifecycle.merge_departments(None, rng.sample(alive, 2), day, "m", f"Gộp {next(self.names)}",
                                            today=TODAY)
        except lifecycle.LifeError:
            db.session.rollback()  # a date before a visit: refused whole
        return None

    def data(self, employer, day=None):
        """Visits only to departments counting on their date (the visit form refuses
        any other); a new department named on the visit when none does."""
        data = super().data(employer, day)
        lines = [line for line in data.lines if line.department is None
                 or counts_on(data.visit_date, line.department.starts_on, line.department.retired_on)]
        if not lines:
            lines = [LineInput(None, f"Mới {next(self.names)}", 10, 5, 1, 0)]
        return replace(data, lines=lines)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_splits_merges_and_retirements_agree_with_the_definition(org, users, seed):
    factories.campaign()
    factories.campaign(counts_from=date(2023, 7, 1), starts_on=date(2023, 7, 1), ends_on=date(2024, 6, 30))
    world = LifeWorld(random.Random(seed), org, users)
    world.names = iter(range(10_000))
    employers = [world.new_employer() for _ in range(4)]
    db.session.commit()
    for _round in range(4):
        for _ in range(14):
            world.step(employers)
            db.session.commit()
        check_against_definition()
    assert db.session.scalar(sa.select(sa.func.count()).where(LabourDepartment.retired_on.is_not(None))) > 0
    kept = {m: _rows(m) for m in (StockDelta, ActivityCount, ObstacleCount, ReviewedStock)}
    rebuild_all()
    db.session.flush()
    assert {m: _rows(m) for m in kept} == kept


# --- the employer import ---------------------------------------------------------------------


def _import(admin, rows, **options):
    from tests.test_employer_import import VI, csv_bytes

    from flask_babel import force_locale

    from fieldops.employers.importing import import_employers

    with force_locale("en"):
        return import_employers(admin, io.BytesIO(csv_bytes(rows, header=VI)), "don-vi.csv", **options)


def test_an_import_listing_departments_asks_what_becomes_of_the_old_whole(doubled, org, users):
    employer, whole = doubled
    admin = users["HN"]["admin"]
    rows = [[employer.unit_code, employer.name, employer.tax_code, "HN-BD", "Khối văn phòng", "25"],
            [employer.unit_code, employer.name, employer.tax_code, "HN-BD", "Khối sản xuất", "40"]]
    dry = _import(admin, rows, dry_run=True)
    assert dry.ok and dry.wholes_replaced == [employer.unit_code]
    db.session.rollback()

    asked = _import(admin, rows)
    assert not asked.ok and employer.unit_code in asked.errors[0].message
    db.session.rollback()
    assert db.session.get(LabourDepartment, whole.id).retired_on is None

    kept = _import(admin, rows, whole_employer="keep")
    assert kept.ok
    db.session.rollback()

    done = _import(admin, rows, whole_employer="split")
    assert done.ok, done.errors
    db.session.commit()
    db.session.expire_all()
    retired = db.session.get(LabourDepartment, whole.id)
    assert retired.ended_how == DepartmentEnd.split and retired.retired_on is not None
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "labour_department.split",
                                                          AuditEvent.object_id == str(whole.id))).one()
    kept_row = db.session.get(EmployerTimeline, employer.id)
    assert (kept_row.insured, kept_row.registered) == (65, 60)  # the parts only
    check_against_definition()
