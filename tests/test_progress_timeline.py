"""The timeline kept on write (fieldops/progress/timeline.py) against the plain
definition computed from the whole history (tests/progress_helpers.py): on
random histories with back-dated visits, edits that move visits in time,
returns, resubmissions, verifications, new employers, moves between districts
and imported headcounts — for every unit and several as-of dates and windows."""
import io
import random
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from fieldops.campaigns.models import Campaign
from fieldops.employers.importing import import_employers
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.employers.operations import add_department, update_employer
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.progress import figures as fig
from fieldops.progress.figures import windows
from fieldops.progress.models import (ActivityCount, EmployerFullDay, EmployerTimeline, ObstacleCount, ReviewedStock,
                                      StockDelta)
from fieldops.progress.timeline import rebuild_all
from fieldops.visits import operations
from fieldops.visits.forms import LineInput, ObstacleInput, VisitInput
from fieldops.visits.models import ObstacleCategory, ReviewState, Visit, VisitPurpose
from tests import factories
from tests.progress_helpers import Naive, as_dict

AS_OF = [date(2022, 12, 31), date(2023, 1, 1), date(2023, 2, 28), date(2023, 3, 15), date(2023, 6, 30),
         date(2023, 7, 1), date(2023, 9, 17), date(2023, 12, 31), date(2024, 1, 10)]
SPANS = [(date(2023, 1, 1), date(2023, 12, 31)), (date(2023, 3, 10), date(2023, 8, 20)),
         (date(2023, 6, 1), date(2023, 6, 30)), (date(2023, 2, 15), date(2023, 2, 20)),
         (date(2022, 12, 1), date(2023, 1, 31)), (date(2023, 4, 30), date(2023, 5, 1))]
DATES = [date(2023, 1, 1), date(2023, 2, 28), date(2023, 3, 1), date(2023, 3, 15), date(2023, 6, 30),
         date(2023, 7, 1), date(2023, 9, 17), date(2023, 12, 31)]


def test_windows_cover_every_day_once():
    for start, end in SPANS + [(date(1970, 1, 1), date(2023, 9, 17)), (date(2023, 5, 5), date(2023, 5, 5))]:
        covered = []
        for grain, lo, hi in windows(start, end):
            if grain == "month":
                assert lo.day == 1 and hi.day == 1
                day = lo
                while day <= fig.month_end(hi):
                    covered.append(day)
                    day += timedelta(days=1)
            else:
                covered += [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
        assert sorted(covered) == [start + timedelta(days=i) for i in range((end - start).days + 1)]


def check_against_definition():
    db.session.flush()
    naive = Naive()
    units = db.session.scalars(sa.select(OrgUnit).order_by(OrgUnit.path)).all()
    for root in units:
        got = fig.stock_as_of(root, AS_OF)
        for day in AS_OF:
            assert as_dict(got[day]) == naive.stock(root, day), (root.code, day)
            assert as_dict(fig.stock_by_child(root, day)[0]) == naive.stock(root, day), (root.code, day)
        got = fig.flows(root, dict(enumerate(SPANS)))
        for i, (start, end) in enumerate(SPANS):
            assert as_dict(got[i][0]) == naive.flows(root, start, end), (root.code, start, end)
        start, end = SPANS[1]
        assert fig.obstacles(root, start, end) == naive.obstacles(root, start, end), root.code
        for campaign in db.session.scalars(sa.select(Campaign)):
            for day in AS_OF:
                assert as_dict(fig.reviewed_by_child(root, campaign.id, day)[0]) == naive.reviewed(
                    root, campaign.counts_from, day), (root.code, campaign.counts_from, day)
    # Children add up to their parent (the rollup of one query).
    vn = units[0]
    children = [u for u in units if u.parent_id == vn.id]
    total, per_child = fig.stock_by_child(vn, date(2023, 9, 17), children)
    for child in children:
        assert as_dict(per_child[child.id]) == naive.stock(child, date(2023, 9, 17)), child.code
    # The current totals kept per employer are the current figures of the departments that count
    # today (the worklist reads them).
    for employer in db.session.scalars(sa.select(Employer)):
        kept = db.session.get(EmployerTimeline, employer.id)
        db.session.refresh(kept)
        departments = db.session.scalars(sa.select(LabourDepartment).where(LabourDepartment.employer_id == employer.id))
        insured = registered = 0
        for d in departments:
            if not d.counts_now:
                continue
            insured += d.insured
            registered += d.current_registered
        assert (kept.insured, kept.registered, kept.unregistered, kept.district_id) == (
            insured, registered, insured - registered, employer.district_id), employer.unit_code


def _rows(model):
    table = model.__table__
    return sorted(tuple(r) for r in db.session.execute(sa.select(table)))


class World:
    def __init__(self, rng, org, users):
        self.rng, self.org, self.users = rng, org, users
        self.officer = users["HN"]["officer"]
        self.supervisor = users["HN"]["supervisor"]
        self.districts = [org["HN-BD"], org["HN-CG"], org["HT-TP"]]
        self.tick = datetime(2023, 12, 1, 8)

    def now(self):
        # Submission times jump about, so a later submission is sometimes an earlier visit.
        self.tick += timedelta(minutes=self.rng.choice([1, 7, 60]))
        return self.tick - timedelta(days=self.rng.randint(0, 200))

    def new_employer(self):
        n = self.rng.randint(1, 3)
        names = [(f"Bộ phận {i}", self.rng.randint(0, 60)) for i in range(n)]
        return factories.employer(self.rng.choice(self.districts), departments=names)

    def data(self, employer, day=None):
        rng = self.rng
        departments = list(employer.departments)
        chosen = rng.sample(departments, rng.randint(1, len(departments)))
        lines = []
        for department in chosen:
            insured = rng.choice([0, 5, 10, 10, 20])
            registered = rng.choice([0, insured, insured, insured // 2])
            active = rng.randint(0, registered)
            lines.append(LineInput(department, "", insured, registered, active, rng.randint(0, registered)))
        if rng.random() < 0.15:  # a department the officer finds on the visit, added with it
            lines.append(LineInput(None, f"Bộ phận mới {rng.randrange(10**9)}", 10, 5, 2, 1))
        obstacles = [ObstacleInput(rng.choice(list(ObstacleCategory)), rng.randint(0, 5), "")
                     for _ in range(rng.choice([0, 0, 1, 2]))]
        return VisitInput(visit_date=day or rng.choice(DATES), purpose=VisitPurpose.guidance, notes="",
                          latitude=None, longitude=None, lines=lines, obstacles=obstacles)

    def step(self, employers):
        rng = self.rng
        action = rng.choice(["visit"] * 5 + ["edit", "return", "verify", "resubmit", "move", "employer", "department"])
        employer = rng.choice(employers)
        visits = db.session.scalars(sa.select(Visit).where(Visit.employer_id == employer.id)).all()
        if action == "employer":
            employers.append(self.new_employer())
        elif action == "department":
            add_department(None, employer, f"Bộ phận thêm {rng.randrange(10**9)}")
        elif action == "move":
            others = [d for d in self.districts if d.id != employer.district_id]
            update_employer(None, employer, district_id=rng.choice(others).id)
        elif action == "visit" or not visits:
            data = self.data(employer)
            operations.create_visit(self.officer, employer, data, idempotency_key=f"k{rng.random()}",
                                    content_hash="h", now=self.now())
        else:
            visit = rng.choice(visits)
            if action in ("edit", "resubmit") and visit.state != ReviewState.verified:
                operations.revise_visit(self.officer, visit, self.data(employer), base_revision=visit.revision,
                                        payload_hash=f"p{rng.random()}")
            elif action == "return" and visit.state == ReviewState.submitted:
                operations.return_visit(self.supervisor, visit, "Sai số liệu")
            elif action == "verify" and visit.state == ReviewState.submitted:
                operations.verify_visit(self.supervisor, visit)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_timeline_equals_the_definition_on_random_histories(org, users, seed):
    factories.campaign()
    # A second campaign counting from the middle of the history: fewer departments reviewed in it.
    factories.campaign(counts_from=date(2023, 7, 1), starts_on=date(2023, 7, 1), ends_on=date(2024, 6, 30))
    world = World(random.Random(seed), org, users)
    employers = [world.new_employer() for _ in range(4)]
    db.session.commit()
    for round_ in range(4):
        for _ in range(12):
            world.step(employers)
        check_against_definition()
    db.session.commit()
    # Computing everything again from scratch gives the very rows kept on write, the days employers reach 100% too.
    kept = {m: _rows(m) for m in (StockDelta, ActivityCount, ObstacleCount, ReviewedStock, EmployerFullDay)}
    assert kept[EmployerFullDay]  # the histories take some employers to 100%
    rebuild_all()
    db.session.flush()
    assert {m: _rows(m) for m in kept} == kept


def test_imported_headcounts_move_the_figures_from_the_start(org, users):
    factories.campaign()
    admin = users["HN"]["admin"]
    csv = ("Mã đơn vị,Tên đơn vị,Mã số thuế,Mã cơ quan BHXH,Bộ phận,Số lao động tham gia\n"
           "TB0001,Công ty Ánh Dương,0101000001,HN-BD,Văn phòng,40\n"
           "TB0001,Công ty Ánh Dương,0101000001,HN-BD,Kho,10\n"
           "TB0002,Công ty Sông Hồng,0101000002,HN-CG,,25\n")
    assert import_employers(admin, io.BytesIO(csv.encode()), "a.csv").ok
    db.session.flush()
    check_against_definition()
    employer = db.session.scalars(sa.select(Employer).where(Employer.unit_code == "TB0001")).one()
    factories.visit(users["HN"]["officer"], employer, visit_date=date(2023, 6, 1),
                    figures={"Văn phòng": (40, 40, 10, 5)})
    again = csv.replace("Văn phòng,40", "Văn phòng,44").replace("Kho,10", "Kho,0").replace("HN-CG,,25", "HN-BD,,25")
    assert import_employers(admin, io.BytesIO(again.encode()), "b.csv").ok
    db.session.flush()
    check_against_definition()
    vn = org["VN"]
    both = fig.stock_as_of(vn, [date(2023, 5, 31), date(2023, 6, 1)])
    before, after = both[date(2023, 5, 31)], both[date(2023, 6, 1)]
    # Before the visit: declared 44 + 0 + 25; from it on the visit's 40 for Văn phòng: TB0001 is at 100%.
    assert (before.insured, before.registered, before.employers, before.employers_full) == (69, 0, 2, 0)
    assert (after.insured, after.registered, after.employers, after.employers_full) == (65, 40, 2, 1)
