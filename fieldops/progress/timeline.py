"""The timeline of figures and the departments' current figures, kept on write.

Every change to an employer's history (a visit created, edited, verified,
returned or resubmitted; an employer added, moved to another district, or its
declared headcounts imported) ends with one call, `employers_changed(ids)`,
or runs inside `history_change(employer_id)` (a visit's, which takes the lock
first). For each of those employers it, with the employer's row of
`EmployerTimeline` locked (so writers of one employer's history take turns),

1. reads its history and sets each department's current figures to its latest
   counting line, writing those that changed (fieldops/visits/figures.py);
2. recomputes from the history, per labour department, the step function of
   its figures over time (fieldops/progress/steps.py): before the first
   counting visit line the declared headcount with nobody registered (from
   SENTINEL on, or from the day a part of a split or merge starts); from each visit date on, the department's
   latest line of that date, by fieldops/definitions.py's `line_order` (visit
   date, then the latest submission of its figures, then id); zero from the
   day it is retired, split or merged (`counts_on`: lines outside its life
   take no part);
3. adds the departments up into the employer's step function (insured,
   registered, active, registered on verified visits), from which follow the
   employer count (1 from SENTINEL on) and "at 100%" (Σ registered = Σ insured
   > 0) on every day; and its visit activity and obstacles per day;
4. for each campaign, the same over the departments *reviewed* in it (visited
   on or after its counting-from date): from each department's first such
   line on, its figures count as reviewed (fieldops/definitions.py;
   fieldops/progress/reviewed.py);
5. keeps the days on which the employer reaches 100% (`EmployerFullDay`), the
   days that changed;
6. compares them with what was stored for the employer last time
   (`EmployerTimeline`), and adds the differences to
   the per-district rows (`StockDelta`, `ActivityCount`, `ObstacleCount`,
   `ReviewedStock`) at
   both grains with an upsert (col = col + excluded.col), so concurrent
   writers for other employers of the same district never overwrite each
   other; rows that come back to all zeros are removed;
7. stores the new state.

Only counting visits (submitted or verified) take part, as in the current
figures: a returned visit leaves the figures, the activity and the obstacles
until it is resubmitted.
"""
from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from functools import cache
from operator import add, neg

import sqlalchemy as sa

from fieldops.core import hooks
from fieldops.core.expressions import insert_on_conflict
from fieldops.core.rows import rows_of
from fieldops.core.writes import write
from fieldops.definitions import brought_to_full, counts_on, is_full, line_order
from fieldops.employers.models import Employer, LabourDepartment
from fieldops.extensions import db
from fieldops.progress.models import (ActivityCount, EmployerFullDay, EmployerTimeline, ObstacleCount, ReviewedStock,
                                      StockDelta)
from fieldops.progress.reviewed import campaign_starts, reviewed_contributions, reviewed_steps
from fieldops.progress.steps import NEVER, changed, department_steps, employer_steps, life_of
from fieldops.timeutil import utcnow
from fieldops.visits import figures
from fieldops.visits.models import COUNTING_STATES, FIGURES_SUBMITTED_AT, Obstacle, ReviewState, Visit, VisitLine

BATCH = 500


# --- from history to an employer's state (plain values) -------------------------------------


def stock_vector(step):
    _day, insured, registered, active, registered_verified = step
    return (insured, registered, active, registered_verified, 1, 1 if is_full(insured, registered) else 0)


def full_days(steps) -> set:
    """The day ordinals of a step function on which it reaches 100% (not at 100% the step before)."""
    days, before = set(), (0, 0)
    for day, insured, registered, *_rest in steps:
        if brought_to_full(before, (insured, registered)):
            days.add(day)
        before = (insured, registered)
    return days


def compute_state(departments, visits, lines, obstacles, campaigns=(), lives=None):
    """An employer's state from its history.

    departments: {id: declared}; lives: {id: (starts, retired)} as day ordinals
    (None: no limit) of the departments split, merged or retired; visits: {id: (visit_date, submitted_at, verified)}
    of its counting visits; lines: (visit_id, department_id, insured, registered,
    active, newly); obstacles: (visit_id, category, people); campaigns: (id,
    counting-from ordinal) of every campaign, for the figures over departments
    reviewed in each.
    """
    lives = lives or {}
    per_department = defaultdict(list)
    activity = defaultdict(lambda: [0, 0, 0, 0])
    for visit_id, (day, submitted_at, verified) in visits.items():
        entry = activity[day.toordinal()]
        entry[0] += 1
        entry[1] += 1 if verified else 0
    for visit_id, department_id, insured, registered, active, newly in lines:
        day, submitted_at, verified = visits[visit_id]
        if department_id in departments and counts_on(day.toordinal(), *lives.get(department_id, NEVER)):
            per_department[department_id].append((line_order(day, submitted_at, visit_id), insured, registered,
                                                  active, verified))
        entry = activity[day.toordinal()]
        entry[2] += newly
        entry[3] += newly if verified else 0
    by_category = defaultdict(lambda: [0, 0])
    for visit_id, category, people in obstacles:
        entry = by_category[(visits[visit_id][0].toordinal(), str(category))]
        entry[0] += 1
        entry[1] += people
    by_department = {d: department_steps(declared, per_department.get(d, ()), lives.get(d, NEVER))
                     for d, declared in departments.items()}
    steps = employer_steps(by_department.values())
    line_days = {d: [key[0].toordinal() for key, *_rest in found] for d, found in per_department.items()}
    return {
        "steps": steps,
        "activity": [[day, *values] for day, values in sorted(activity.items())],
        "obstacles": [[day, category, *values] for (day, category), values in sorted(by_category.items())],
        "reviewed": {str(campaign_id): reviewed_steps(by_department, line_days, since, steps, lives)
                     for campaign_id, since in campaigns},
    }


EMPTY = {"steps": [], "activity": [], "obstacles": [], "reviewed": {}}


def contributions(district_id, state, sign=1):
    """What an employer's state adds to its district's rows: {(district, day): vector}
    for stock (as changes) and activity, {(district, day, category): vector} for
    obstacles, {(district, day, campaign): vector} for the reviewed stock (as changes)."""
    stock, previous = {}, (0,) * 6
    for step in state["steps"]:
        vector = stock_vector(step)
        stock[(district_id, step[0])] = changed(previous, vector, sign)
        previous = vector
    signed = tuple if sign == 1 else _negated
    activity = {(district_id, row[0]): signed(row[1:]) for row in state["activity"]}
    obstacles = {(district_id, row[0], row[1]): signed(row[2:]) for row in state["obstacles"]}
    return stock, activity, obstacles, reviewed_contributions(district_id, state.get("reviewed") or {}, sign)


def _negated(values) -> tuple:
    return tuple(map(neg, values))


def _add(total, part):
    for key, vector in part.items():
        current = total.get(key)
        total[key] = vector if current is None else tuple(map(add, current, vector))


def month_of(day: date) -> date:
    return day.replace(day=1)


def by_grain(changes):
    """{(district, ordinal[, category]): vector} → {(district, grain, day[, category]): vector}
    (the tables' primary keys), every change at its day and in its month; zero vectors left out."""
    out = {}
    for key, vector in changes.items():
        district_id, ordinal, *rest = key
        day = date.fromordinal(ordinal)
        _add(out, {(district_id, "day", day, *rest): vector, (district_id, "month", month_of(day), *rest): vector})
    return {key: vector for key, vector in out.items() if any(vector)}


# --- writing ----------------------------------------------------------------------------


@cache
def _upsert(model, dialect_name):
    """INSERT … ON CONFLICT DO UPDATE adding to the model's counters, returning
    the rows as they now are; and the DELETE of rows come back to zero. Built
    once per table."""
    table = model.__table__
    keys = [c.name for c in table.primary_key.columns]
    stmt = insert_on_conflict(table, dialect_name)
    stmt = stmt.on_conflict_do_update(index_elements=keys,
                                      set_={f: table.c[f] + stmt.excluded[f] for f in model.FIELDS})
    upsert = stmt.returning(*(table.c[k] for k in keys), *(table.c[f] for f in model.FIELDS))
    match = sa.and_(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys))
    zero = sa.and_(*(table.c[f] == 0 for f in model.FIELDS))
    return keys, upsert, sa.delete(table).where(match, zero)


def apply_changes(model, changes) -> None:
    """Add `changes` ({primary key tuple: vector}) to the model's rows."""
    if not changes:
        return
    keys, upsert, delete_empty = _upsert(model, db.session.get_bind().dialect.name)
    rows = [dict(zip(keys, key)) | dict(zip(model.FIELDS, vector)) for key, vector in sorted(changes.items())]
    # Batched into multi-row statements ("insert many values"); what comes back
    # says which rows are now empty.
    empty = [row[:len(keys)] for row in write(upsert, rows) if not any(row[len(keys):])]
    if empty:
        write(delete_empty, [{f"k_{k}": value for k, value in zip(keys, row)} for row in empty])


_ids = sa.bindparam("ids", expanding=True)
_counting = sa.and_(Visit.employer_id.in_(_ids), Visit.state.in_(COUNTING_STATES))
# Built once: a submit refreshes one employer, and building these cost it ~1 ms.
_EMPLOYERS = (sa.select(Employer.id, Employer.district_id, LabourDepartment.id, LabourDepartment.insured_declared,
                        LabourDepartment.starts_on, LabourDepartment.retired_on, LabourDepartment.updated_at,
                        *(getattr(LabourDepartment, name) for name in figures.FIELDS))
              .outerjoin(LabourDepartment, LabourDepartment.employer_id == Employer.id).where(Employer.id.in_(_ids)))
# The counting visits with their lines, then with their obstacles, in one statement: a line's row carries no
# obstacle category, an obstacle's no department (a submit's history read in two statements, not three).
_VISIT = (Visit.id, Visit.employer_id, Visit.visit_date, FIGURES_SUBMITTED_AT, Visit.state)
_NO_LINE = tuple(sa.cast(sa.null(), sa.Integer) for _ in range(5))
_HISTORY = sa.union_all(
    sa.select(*_VISIT, VisitLine.labour_department_id, VisitLine.insured, VisitLine.registered, VisitLine.active,
              VisitLine.newly_registered, sa.cast(sa.null(), Obstacle.category.type), sa.cast(sa.null(), sa.Integer))
    .outerjoin(VisitLine, VisitLine.visit_id == Visit.id).where(_counting),
    sa.select(*_VISIT, *_NO_LINE, Obstacle.category, Obstacle.people_affected)
    .join(Obstacle, Obstacle.visit_id == Visit.id).where(_counting))
_table = EmployerTimeline.__table__
_LOCK_STORED = (sa.select(_table.c.employer_id, _table.c.district_id, _table.c.steps, _table.c.activity,
                          _table.c.obstacles, _table.c.reviewed)
                .where(_table.c.employer_id.in_(_ids)).order_by(_table.c.employer_id).with_for_update())
_LOCK_IDS = (sa.select(_table.c.employer_id).where(_table.c.employer_id.in_(_ids)).order_by(_table.c.employer_id)
             .with_for_update())
_INSERT_STORED = sa.insert(_table)
_UPDATE_STORED = sa.update(_table).where(_table.c.employer_id == sa.bindparam("k_employer_id"))
_full = EmployerFullDay.__table__
_INSERT_FULL_DAY = sa.insert(_full)
_DELETE_FULL_DAY = sa.delete(_full).where(_full.c.employer_id == sa.bindparam("k_employer_id"),
                                          _full.c.day == sa.bindparam("k_day"))


def _load_history(ids):
    """{employer id: (district, departments, visits, lines, obstacles, lives)}, the
    departments' stored current figures and {employer id: its departments' latest
    `updated_at`} from the database: two reads
    (employers with their departments, visits with their lines and obstacles),
    whether for one employer after a visit or 500 in a rebuild."""
    found, stored_figures, updated = {}, {}, {}
    for employer_id, district_id, department_id, declared, starts, retired, updated_at, *kept in rows_of(
            _EMPLOYERS, {"ids": ids}):
        departments = found.setdefault(employer_id, (district_id, {}, {}, [], [], {}))[1]
        if department_id is not None:
            departments[department_id] = declared
            updated[employer_id] = max(updated_at, updated.get(employer_id, updated_at))
            stored_figures[department_id] = tuple(kept)
            if starts is not None or retired is not None:
                found[employer_id][5][department_id] = life_of(starts, retired)
    for visit_id, employer_id, day, submitted_at, state, department_id, *line, category, people in (
            rows_of(_HISTORY, {"ids": ids})):
        _district, _departments, visits, lines, obstacles, _lives = found[employer_id]
        visits[visit_id] = (day, submitted_at, state == ReviewState.verified)
        if category is not None:
            obstacles.append((visit_id, category, people))
        elif department_id is not None:
            lines.append((visit_id, department_id, *line))
    return found, stored_figures, updated


def _lock_stored(ids) -> dict:
    """Lock these employers' rows of the timeline (in id order) and read what they hold."""
    return {employer_id: (district_id, {"steps": steps or [], "activity": activity or [], "obstacles": obstacles or [],
                                        "reviewed": reviewed or {}})
            for employer_id, district_id, steps, activity, obstacles, reviewed
            in rows_of(_LOCK_STORED, {"ids": ids})}


def _refresh_batch(ids, stored, pending=None):
    """Recompute these employers (their rows locked, `stored` read with the
    lock): their departments' current figures at once, their timeline changes
    to the district rows at once or into `pending` (four dicts) to be applied
    later, many batches together."""
    history, stored_figures, departments_updated = _load_history(ids)
    campaigns = campaign_starts()
    totals = pending if pending is not None else ({}, {}, {}, {})
    inserts, updates, gone, latest, rows = [], [], [], {}, {}
    full_added, full_removed = [], []
    now = utcnow()
    for employer_id in ids:
        before = full_days(stored[employer_id][1]["steps"]) if employer_id in stored else set()
        if employer_id in stored:
            for total, part in zip(totals, contributions(*stored[employer_id], sign=-1)):
                _add(total, part)
        if employer_id not in history:
            if employer_id in stored:
                gone.append(employer_id)
            continue
        district_id, departments, visits, lines, obstacle_rows, lives = history[employer_id]
        latest.update(figures.latest_lines(visits, lines))
        state = compute_state(departments, visits, lines, obstacle_rows, campaigns, lives)
        for total, part in zip(totals, contributions(district_id, state)):
            _add(total, part)
        after = full_days(state["steps"])
        full_added += [{"employer_id": employer_id, "day": date.fromordinal(d)} for d in sorted(after - before)]
        full_removed += [{"k_employer_id": employer_id, "k_day": date.fromordinal(d)} for d in sorted(before - after)]
        last = state["steps"][-1]
        rows[employer_id] = {"district_id": district_id, "insured": last[1], "registered": last[2],
                             "unregistered": last[1] - last[2],
                             "departments_updated_at": departments_updated.get(employer_id), **state}
    written = figures.keep_current_figures(stored_figures, latest, now)
    for employer_id, row in rows.items():
        if not written.isdisjoint(history[employer_id][1]):  # new current figures: the departments' time is now
            row["departments_updated_at"] = now
        if employer_id in stored:
            updates.append(row | {"k_employer_id": employer_id})
        else:
            inserts.append(row | {"employer_id": employer_id})
    if pending is None:
        _apply_all(totals)
    if inserts:
        write(_INSERT_STORED, inserts)
    if updates:
        write(_UPDATE_STORED, updates)
    if gone:
        connection = db.session.connection()
        connection.execute(sa.delete(_table).where(_table.c.employer_id.in_(gone)))
        connection.execute(sa.delete(_full).where(_full.c.employer_id.in_(gone)))
    if full_removed:
        write(_DELETE_FULL_DAY, full_removed)
    if full_added:
        write(_INSERT_FULL_DAY, full_added)


DISTRICT_TABLES = (StockDelta, ActivityCount, ObstacleCount, ReviewedStock)


def _apply_all(changes):
    for model, part in zip(DISTRICT_TABLES, changes):
        apply_changes(model, by_grain(part))


# The lock order of every writer: an employer's row of the timeline first, then
# its departments and visits. Two writers taking them in opposite orders would
# each wait for the other (a deadlock: PostgreSQL fails one of them).


def employers_changed(employer_ids) -> None:
    """The hook every write path calls once, after changing these employers' history."""
    ids = sorted({i for i in employer_ids if i is not None})
    if not ids:
        return
    db.session.flush()
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        _refresh_batch(batch, _lock_stored(batch))


@contextmanager
def history_change(employer_ids):
    """Around a change of one employer's history (a visit created, edited or
    reviewed), or of several at once (a bulk review; a list of ids): their
    timeline rows locked before anything else, in id order, then their figures
    refreshed together, from the state read with the lock. An error inside leaves them.

    Inside another one for the same employers (a visit that names a new department,
    added by the department's own operation) it adds nothing: the outer one refreshes
    them once, from the state it read (refreshed twice, the second would add the
    same difference to the district rows again)."""
    held = db.session.info.setdefault("history_change", set())
    ids = sorted(set([employer_ids] if isinstance(employer_ids, int) else employer_ids) - held)
    if not ids:
        yield
        return
    stored = _lock_stored(ids)
    held.update(ids)
    try:
        yield
    finally:
        held.difference_update(ids)
    db.session.flush()
    _refresh_batch(ids, stored)


def campaign_changed(since: date) -> None:
    """A campaign created, or its counting-from date moved (from or to `since`):
    the figures over departments reviewed in it, for the employers with counting
    visits on or after that day. A campaign that counts from the future has none."""
    ids = db.session.scalars(sa.select(Visit.employer_id).where(Visit.visit_date >= since).distinct()).all()
    employers_changed(ids)


def lock_timelines(employer_ids) -> None:
    """The timeline rows of employers whose departments are about to change (the
    employer import), taken first as the lock order says."""
    ids = sorted(set(employer_ids))
    connection = db.session.connection()
    for start in range(0, len(ids), BATCH):
        connection.execute(_LOCK_IDS, {"ids": ids[start:start + BATCH]}).all()


def register_hooks() -> None:
    """The write paths below progress (employers, visits) call these by name."""
    hooks.register("employers_changed", employers_changed)
    hooks.register("history_change", history_change)
    hooks.register("lock_timelines", lock_timelines)


def rebuild_all(progress=None, every=20_000) -> int:
    """Throw the timeline away and compute it again from the whole history (a
    repair, or a database filled by other means). Returns the employers done.
    Changes are gathered over `every` employers before they are written."""
    db.session.flush()
    for model in (*DISTRICT_TABLES, EmployerFullDay, EmployerTimeline):
        db.session.execute(sa.delete(model.__table__))
    done, last, pending = 0, 0, ({}, {}, {}, {})
    while True:
        ids = list(db.session.scalars(
            sa.select(Employer.id).where(Employer.id > last).order_by(Employer.id).limit(BATCH)))
        if ids:
            _refresh_batch(ids, {}, pending=pending)
            done += len(ids)
            last = ids[-1]
        if not ids or done % every < BATCH:
            _apply_all(pending)
            pending = ({}, {}, {}, {})
            if progress and ids:
                progress(done)
        if not ids:
            return done
