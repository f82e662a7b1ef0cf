"""Factories for domain objects; they flush, the caller commits."""
import itertools
import uuid
from datetime import date

from fieldops.auth.models import Role, User
from fieldops.auth.passwords import hash_password
from fieldops.campaigns.models import Campaign
from fieldops.employers.models import Employer
from fieldops.employers.operations import create_employer
from fieldops.extensions import db
from fieldops.org.models import UnitLevel
from fieldops.org.operations import create_org_unit
from fieldops.visits.forms import LineInput, ObstacleInput, VisitInput
from fieldops.visits.models import ObstacleCategory, Visit, VisitPurpose
from fieldops.visits.operations import create_visit

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def org_tree():
    vn = create_org_unit(None, code="VN", name="Bảo hiểm xã hội Việt Nam", parent=None, level=UnitLevel.national)
    hn = create_org_unit(None, code="HN", name="BHXH Hà Nội", parent=vn)
    hn_bd = create_org_unit(None, code="HN-BD", name="BHXH quận Ba Đình", parent=hn)
    hn_cg = create_org_unit(None, code="HN-CG", name="BHXH quận Cầu Giấy", parent=hn)
    hn_bd_t1 = create_org_unit(None, code="HN-BD-T1", name="Tổ Ba Đình 1", parent=hn_bd)
    ht = create_org_unit(None, code="HT", name="BHXH Hà Tĩnh", parent=vn)
    ht_tp = create_org_unit(None, code="HT-TP", name="BHXH thành phố Hà Tĩnh", parent=ht)
    ht_tp_t1 = create_org_unit(None, code="HT-TP-T1", name="Tổ TP Hà Tĩnh 1", parent=ht_tp)
    return {u.code: u for u in (vn, hn, hn_bd, hn_cg, hn_bd_t1, ht, ht_tp, ht_tp_t1)}


def user(unit, role=Role.officer, username=None, password=PASSWORD, active=True, full_name=None):
    username = username or f"{role}.{next(_seq)}"
    made = User(
        username=username,
        full_name=full_name or f"Nguyễn Văn {username}",
        role=role,
        org_unit=unit,
        password_hash=hash_password(password),
        active=active,
    )
    db.session.add(made)
    db.session.flush()
    return made




def users_per_role(org):
    made = {}
    for province, district in (("HN", "HN-BD"), ("HT", "HT-TP")):
        made[province] = {}
        for role in Role:
            unit = org[district] if role in (Role.officer, Role.supervisor) else org[province]
            made[province][str(role)] = user(unit, role, username=f"{role}.{province.lower()}")
    return made


def employer(district, name=None, departments=("Toàn đơn vị",), **fields):
    n = next(_seq)
    return create_employer(
        None,
        unit_code=fields.pop("unit_code", f"TA{n:05d}"),
        tax_code=fields.pop("tax_code", f"0101{n:06d}"),
        name=name or f"Công ty TNHH Số {n}",
        address=fields.pop("address", "Số 1, Kim Mã, Ba Đình, Hà Nội"),
        sector=fields.pop("sector", "Thương mại"),
        district_id=district.id,
        departments=list(departments),
        **fields,
    )


def campaign(counts_from=date(2023, 1, 1), starts_on=date(2023, 5, 5), ends_on=date(2023, 12, 31)) -> Campaign:
    made = Campaign(name=f"Phong trào thi đua {counts_from.year}", starts_on=starts_on, ends_on=ends_on,
                    counts_from=counts_from)
    db.session.add(made)
    db.session.flush()
    return made


def visit(officer, employer, visit_date=date(2023, 6, 1), figures=None, purpose=VisitPurpose.registration_drive,
          obstacles=(), notes="", key=None, now=None):
    """A visit through the real operation. `figures` maps a department (object or
    name) to (insured, registered, active[, newly]); by default every department
    of the employer is counted at 10 insured, 4 registered, 2 active, 1 new."""
    departments = {d.name: d for d in employer.departments}
    if figures is None:
        figures = {d: (10, 4, 2, 1) for d in employer.departments}
    lines = []
    for department, counts in figures.items():
        if isinstance(department, str):
            department = departments[department]
        insured, registered, active, *newly = counts
        lines.append(LineInput(department=department, new_name="", insured=insured, registered=registered,
                               active=active, newly_registered=newly[0] if newly else 0))
    data = VisitInput(
        visit_date=visit_date, purpose=purpose, notes=notes, latitude=None, longitude=None, lines=lines,
        obstacles=[ObstacleInput(category=ObstacleCategory(c), people_affected=n, note=note)
                   for c, n, note in obstacles],
    )
    key = key or str(uuid.uuid4())
    visit_id = create_visit(officer, employer, data, idempotency_key=key, content_hash=f"factory-{key}"[:64], now=now)
    return db.session.get(Visit, visit_id)


def get_employer(unit_code) -> Employer:
    return db.session.query(Employer).filter_by(unit_code=unit_code).one()


def visit_form(employer=None, key=None, visit_date="2023-06-01", purpose="registration_drive", lines=None,
               obstacles=(), notes="", latitude="", longitude="", base_revision=""):
    """Form data as the visit form posts it. `lines` is a list of dicts with
    `department` (an object; None with `new_name` for a department added on the
    form), `insured`, `registered`, `active`, `newly`, `counted` (default True);
    by default every department of `employer`, 50 insured, 20 registered, 10
    active, 5 new. `obstacles` are (category, people, note) triples."""
    if lines is None:
        lines = [{"department": d} for d in employer.departments]
    data = {
        "idempotency_key": key or str(uuid.uuid4()),
        "base_revision": base_revision,
        "visit_date": visit_date,
        "purpose": purpose,
        "notes": notes,
        "latitude": latitude,
        "longitude": longitude,
    }
    for i, line in enumerate(lines):
        department = line.get("department")
        data[f"lines-{i}-department_id"] = str(department.id) if department is not None else ""
        data[f"lines-{i}-new_name"] = line.get("new_name", "")
        if line.get("counted", True):
            data[f"lines-{i}-counted"] = "y"
        for name, default in (("insured", 50), ("registered", 20), ("active", 10), ("newly", 5)):
            field = "newly_registered" if name == "newly" else name
            data[f"lines-{i}-{field}"] = str(line.get(name, default))
    for i, (category, people, note) in enumerate(obstacles):
        data[f"obstacles-{i}-category"] = category
        data[f"obstacles-{i}-people_affected"] = str(people)
        data[f"obstacles-{i}-note"] = note
    return data


# --- follow-ups (fieldops/followups) ---------------------------------------------


def followup(proposer, employer, *, kind="revisit", assignee=None, due_date=None, note="", visit=None,
             obstacle=None, state="proposed", decider=None, now=None, today=None):
    """A follow-up proposed through the real operation, then moved to `state`
    through the real operations too (`decider`: the supervisor who decides,
    cancels or rejects; the assignee starts and completes)."""
    from datetime import timedelta

    from fieldops.followups import operations as ops
    from fieldops.timeutil import local_today

    today = today or local_today()
    made = ops.propose_followup(proposer, kind=kind, employer=employer, assignee=assignee or proposer,
                                due_date=due_date or today + timedelta(days=7), note=note, visit=visit,
                                obstacle=obstacle, now=now, today=today)
    worker = made.assignee
    if state == "proposed":
        return made
    if state == "rejected":
        ops.reject_followup(decider, made, "Không cần thiết", now=now)
        return made
    ops.approve_followup(decider, made, now=now)
    if state in ("in_progress", "done") or state == "cancelled_in_progress":
        ops.start_followup(worker, made, now=now)
    if state == "done":
        ops.complete_followup(worker, made, "Đã hướng dẫn đăng ký cho người lao động còn lại", now=now)
    if state in ("cancelled", "cancelled_in_progress"):
        ops.cancel_followup(decider, made, "Đơn vị đã giải thể", now=now)
    return made


# --- progress (fieldops/progress) -------------------------------------------------------


def target(campaign, unit, metric="registered_employer", value=100):
    from decimal import Decimal

    from fieldops.progress.operations import create_target

    return create_target(None, campaign, unit, metric, Decimal(value))


# --- reviews (fieldops/reviews) ---------------------------------------------------------


def award_titles():
    """The standard national titles, by name."""
    import sqlalchemy as sa

    from fieldops.reviews.models import AwardTitle
    from fieldops.reviews.titles import seed_award_titles

    seed_award_titles()
    return {t.name: t for t in db.session.scalars(sa.select(AwardTitle).where(AwardTitle.org_unit_id.is_(None)))}


def review_period(hr, campaign, unit, kind="interim", cut_off=date(2023, 6, 30), criteria=()):
    """A review through the real operations; criteria are (rule, applies_to, threshold)."""
    from fieldops.reviews import operations

    period = operations.create_period(hr, campaign, unit, kind, cut_off)
    for rule, applies_to, threshold in criteria:
        operations.add_criterion(hr, period, rule, applies_to, threshold)
    return period


def nomination(hr, period, subject, title, narrative="Báo cáo thành tích.", kind=None):
    from fieldops.auth.models import User
    from fieldops.reviews import nomination_operations

    kind = kind or ("individual" if isinstance(subject, User) else "collective")
    return nomination_operations.nominate(hr, period, kind, subject, title, narrative)


def dossier_row(hr, period, unit, pdf=b"%PDF-1.4\n% not rendered\n"):
    """A dossier with its real snapshot but without rendering a PDF (fast)."""
    from fieldops.reviews.dossier import build_snapshot, new_code, sha256_of
    from fieldops.reviews.models import Dossier

    import sqlalchemy as sa

    snapshot = build_snapshot(period, unit)
    version = (db.session.scalar(sa.select(sa.func.max(Dossier.version)).where(
        Dossier.period_id == period.id, Dossier.org_unit_id == unit.id)) or 0) + 1
    made = Dossier(period_id=period.id, org_unit_id=unit.id, version=version, snapshot=snapshot,
                   snapshot_sha256=sha256_of(snapshot), verification_code=new_code(),
                   nominees=len(snapshot["nominees"]), pages=1, size=len(pdf), pdf=pdf, generated_by_id=hr.id)
    db.session.add(made)
    db.session.flush()
    return made


def review_world(hr, campaign, org, officer):
    """For the route walk: a Hà Nội review with a criterion, a Hà Nội title, a nomination,
    a dossier and a background job of Ba Đình."""
    from fieldops.jobs.operations import enqueue
    from fieldops.reviews import titles

    period = review_period(hr, campaign, org["HN"], criteria=[("registrations_assisted_at_least", "individual", 1)])
    title = titles.add_title(hr, "Giấy khen của Giám đốc Bảo hiểm xã hội Hà Nội", "both", org["HN"])
    made = nomination(hr, period, officer, title)
    return {"period": period, "criterion": period.criteria[0], "title": title, "nomination": made,
            "dossier": dossier_row(hr, period, org["HN-BD"]), "job": enqueue(hr, "test.noop", {}, org["HN-BD"].id)}



# --- group returns (fieldops/returns) ------------------------------------------------------


def group_return(filer, district, group="voluntary", month=date(2023, 6, 1), figures=(100, 40, 10, 8),
                 locked_by=None, now=None):
    """A return filed through the real operation (figures: participants, registered, new
    participants, new registered), locked by `locked_by` if given. A campaign must exist."""
    from fieldops.campaigns.models import ParticipantGroup
    from fieldops.returns import operations

    made = operations.file_return(filer, district, ParticipantGroup(group), month, operations.Figures(*figures),
                                  now=now)
    if locked_by is not None:
        operations.lock_return(locked_by, made, made.version, now=now)
    return made
