"""The plain definitions of DESIGN.md "Meaning of the numbers", computed naively
from the whole visit history, independently of fieldops/progress: what the
fast path must agree with."""
from collections import Counter

import sqlalchemy as sa

from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.visits.models import Obstacle, Visit, VisitLine

COUNTING = ("submitted", "verified")


def _history():
    units = {u.id: u.path for u in db.session.scalars(sa.select(OrgUnit))}
    employers = {e.id: e.district_id for e in db.session.scalars(sa.select(Employer))}
    departments = {d.id: (d.employer_id, d.insured_declared) for d in db.session.scalars(sa.select(LabourDepartment))}
    lives = {d.id: (d.starts_on, d.retired_on) for d in db.session.scalars(sa.select(LabourDepartment))}
    visits = {v.id: v for v in db.session.scalars(sa.select(Visit))}
    lines = db.session.scalars(sa.select(VisitLine)).all()
    obstacles = db.session.scalars(sa.select(Obstacle)).all()
    return units, employers, departments, visits, lines, obstacles, lives


def _order(visit):
    """DESIGN.md: by visit date, then the latest submission of the figures shown, then id."""
    return (visit.visit_date, visit.resubmitted_at or visit.submitted_at, visit.id)


class Naive:
    """Everything loaded once; figures computed by brute force."""

    def __init__(self):
        (self.units, self.employers, self.departments, self.visits, self.lines, self.obstacle_rows,
         self.lives) = _history()

    def _in(self, employer_id, root):
        return self.units[self.employers[employer_id]].startswith(root.path)

    def _alive(self, department_id, day):
        """DESIGN.md: a department counts from its start to the day before it is retired, split or merged."""
        starts, retired = self.lives[department_id]
        return (starts is None or starts <= day) and (retired is None or day < retired)

    def _candidates(self, department_id, day):
        """The department's counting lines dated by `day`, within its life."""
        return [
            (self.visits[line.visit_id], line) for line in self.lines
            if line.labour_department_id == department_id
            and self.visits[line.visit_id].state in COUNTING
            and self.visits[line.visit_id].visit_date <= day
            and self._alive(department_id, self.visits[line.visit_id].visit_date)
        ]

    def stock(self, root, day):
        per_employer = {}
        for department_id, (employer_id, declared) in self.departments.items():
            if not self._in(employer_id, root) or not self._alive(department_id, day):
                continue
            candidates = self._candidates(department_id, day)
            if candidates:
                visit, line = max(candidates, key=lambda c: _order(c[0]))
                figures = (line.insured, line.registered, line.active,
                           line.registered if visit.state == "verified" else 0)
            else:
                figures = (declared, 0, 0, 0)
            totals = per_employer.setdefault(employer_id, [0, 0, 0, 0])
            for i in range(4):
                totals[i] += figures[i]
        employers = [e for e in self.employers if self._in(e, root)]
        insured = sum(per_employer.get(e, [0])[0] for e in employers)
        registered = sum(per_employer.get(e, [0, 0])[1] for e in employers)
        active = sum(per_employer.get(e, [0, 0, 0])[2] for e in employers)
        verified = sum(per_employer.get(e, [0, 0, 0, 0])[3] for e in employers)
        full = sum(1 for e in employers
                   if per_employer.get(e) and per_employer[e][0] > 0 and per_employer[e][1] == per_employer[e][0])
        return {"insured": insured, "registered": registered, "active": active, "registered_verified": verified,
                "employers": len(employers), "employers_full": full}

    def reviewed(self, root, since, day):
        """Over the departments with a counting line dated in [since, day]: the
        seed's coverage at departments reviewed, and employers reviewed at 100%."""
        out = dict.fromkeys(("departments", "departments_reviewed", "insured", "registered", "active", "employers",
                             "employers_full"), 0)
        per_employer = {}
        for department_id, (employer_id, declared) in self.departments.items():
            if not self._in(employer_id, root) or not self._alive(department_id, day):
                continue
            out["departments"] += 1
            candidates = self._candidates(department_id, day)
            latest = max(candidates, key=lambda c: _order(c[0])) if candidates else None
            figures = (latest[1].insured, latest[1].registered) if latest else (declared, 0)
            totals = per_employer.setdefault(employer_id, [0, 0, False])
            totals[0] += figures[0]
            totals[1] += figures[1]
            if any(v.visit_date >= since for v, _line in candidates):
                out["departments_reviewed"] += 1
                out["insured"] += latest[1].insured
                out["registered"] += latest[1].registered
                out["active"] += latest[1].active
                totals[2] = True
        for insured, registered, seen in per_employer.values():
            out["employers"] += 1 if seen else 0
            out["employers_full"] += 1 if seen and insured > 0 and registered == insured else 0
        return out

    def flows(self, root, start, end):
        chosen = [v for v in self.visits.values()
                  if v.state in COUNTING and start <= v.visit_date <= end and self._in(v.employer_id, root)]
        ids = {v.id for v in chosen}
        verified = {v.id for v in chosen if v.state == "verified"}
        newly = [(line.visit_id, line.newly_registered) for line in self.lines if line.visit_id in ids]
        return {"visits": len(chosen), "visits_verified": len(verified),
                "registrations": sum(n for _v, n in newly),
                "registrations_verified": sum(n for v, n in newly if v in verified)}

    def obstacles(self, root, start, end):
        ids = {v.id for v in self.visits.values()
               if v.state in COUNTING and start <= v.visit_date <= end and self._in(v.employer_id, root)}
        counts, people = Counter(), Counter()
        for o in self.obstacle_rows:
            if o.visit_id in ids:
                counts[str(o.category)] += 1
                people[str(o.category)] += o.people_affected
        return {c: (counts[c], people[c]) for c in counts}


def as_dict(figures):
    from dataclasses import asdict

    return asdict(figures)


def build_world(org, users):
    """Two employers of Hà Nội with a year of visits (verified, waiting, returned):
    Ánh Dương (HN-BD) reaches 100% on 20/09/2023; Sông Hồng (HN-CG) stays at 5 of 20."""
    from datetime import date, datetime

    from fieldops.visits import operations
    from tests import factories

    campaign = factories.campaign()
    officer, supervisor = users["HN"]["officer"], users["HN"]["supervisor"]
    a = factories.employer(org["HN-BD"], name="Công ty Ánh Dương", departments=[("Văn phòng", 40), ("Kho", 10)])
    b = factories.employer(org["HN-CG"], name="Công ty Sông Hồng", departments=[("Toàn đơn vị", 20)])

    def visit(employer, day, figures, state="verified", obstacles=()):
        made = factories.visit(officer, employer, visit_date=day, figures=figures, obstacles=obstacles,
                               now=datetime.combine(day, datetime.min.time()))
        if state == "verified":
            operations.verify_visit(supervisor, made)
        elif state == "returned":
            operations.return_visit(supervisor, made, "Kiểm tra lại")
        return made

    visit(a, date(2023, 3, 10), {"Văn phòng": (40, 10, 5, 10), "Kho": (10, 2, 1, 2)})
    visit(a, date(2023, 6, 15), {"Văn phòng": (40, 30, 20, 20)}, state="submitted")
    visit(a, date(2023, 9, 20), {"Văn phòng": (40, 40, 30, 10), "Kho": (10, 10, 5, 8)},
          obstacles=[("no_smartphone", 2, "")])
    visit(b, date(2023, 5, 5), {"Toàn đơn vị": (20, 5, 2, 5)}, obstacles=[("otp_not_received", 3, "")])
    visit(b, date(2023, 7, 7), {"Toàn đơn vị": (20, 8, 4, 3)}, state="returned")
    db.session.commit()
    return {"campaign": campaign, "org": org, "users": users, "a": a, "b": b}
