"""funnel: targets for people using the app, and "at least" or "more than" a target

Revision ID: 0012_funnel
Revises: 0011_large_districts
Create Date: 2026-12-05 08:20:00

The target metrics gain "people using the app" (employer channel, and all
groups: the campaign's headline figure). A target says whether it is met at
its value ("at least") or only above it ("more than": the seed's "over 35
million"); existing targets are "at least", as they were read until now. In
batch mode, so SQLite (which cannot alter a constraint) copies the table.

The timeline gains the figures over the labour departments reviewed in each
campaign (`progress_reviewed`, and each employer's part of it), filled here from
the history already there (the same computation as fieldops/progress/timeline.py's
`reviewed_steps`, written out so this migration keeps working as the code moves
on). Visits of one department on one date now go by their latest submission;
where a returned visit was resubmitted after another of its date,
`flask --app wsgi progress rebuild` brings the older figures into that order.
"""
from collections import defaultdict
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_funnel'
down_revision = '0011_large_districts'
branch_labels = None
depends_on = None

OLD_METRICS = ('registered_employer', 'coverage_pct', 'employers_full', 'visits', 'registered_all',
               'new_voluntary_pct')
NEW_METRICS = OLD_METRICS + ('active_employer', 'active_all')


def _metric_check(values):
    return "metric IN ({})".format(", ".join(f"'{v}'" for v in values))


REVIEWED = ("departments", "departments_reviewed", "insured", "registered", "active", "employers", "employers_full")
BIG = ("insured", "registered", "active")


def upgrade():
    op.create_table(
        'progress_reviewed',
        sa.Column('district_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('grain', sa.String(length=5), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, sa.BigInteger() if name in BIG else sa.Integer(), nullable=False) for name in REVIEWED),
        sa.CheckConstraint("grain IN ('day', 'month')", name=op.f('ck_progress_reviewed_grain')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'],
                                name=op.f('fk_progress_reviewed_campaign_id_campaign')),
        sa.ForeignKeyConstraint(['district_id'], ['org_unit.id'],
                                name=op.f('fk_progress_reviewed_district_id_org_unit')),
        sa.PrimaryKeyConstraint('district_id', 'grain', 'day', 'campaign_id', name=op.f('pk_progress_reviewed')),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table('progress_reviewed', schema=None) as batch_op:
        batch_op.create_index('ix_progress_reviewed_campaign_grain_day', ['campaign_id', 'grain', 'day', 'district_id'],
                              unique=False, postgresql_include=list(REVIEWED))
    with op.batch_alter_table('progress_employer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed', sa.JSON(), nullable=True))
    _backfill(op.get_bind())
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comparison', sa.String(length=20), server_default='at_least', nullable=False))
        batch_op.create_check_constraint(op.f('ck_target_comparison'), "comparison IN ('at_least', 'more_than')")
        batch_op.drop_constraint(op.f('ck_target_metric'), type_='check')
        batch_op.create_check_constraint(op.f('ck_target_metric'), _metric_check(NEW_METRICS))


def downgrade():
    with op.batch_alter_table('progress_employer', schema=None) as batch_op:
        batch_op.drop_column('reviewed')
    op.drop_table('progress_reviewed')
    op.execute(sa.text("DELETE FROM target WHERE metric IN ('active_employer', 'active_all')"))
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_target_metric'), type_='check')
        batch_op.create_check_constraint(op.f('ck_target_metric'), _metric_check(OLD_METRICS))
        batch_op.drop_constraint(op.f('ck_target_comparison'), type_='check')
        batch_op.drop_column('comparison')


# --- the backfill: the figures over departments reviewed, from the history ------------------

S0 = date(1970, 1, 1).toordinal()
BATCH = 500
timeline_t = sa.table("progress_employer", sa.column("employer_id", sa.Integer), sa.column("reviewed", sa.JSON))
reviewed_t = sa.table("progress_reviewed", *(sa.column(c) for c in ("district_id", "grain", "day", "campaign_id")),
                      *(sa.column(c, sa.BigInteger) for c in REVIEWED))


def _steps_sum(parts):
    deltas = defaultdict(lambda: [0, 0, 0, 0])
    deltas[S0]
    for steps in parts:
        before = (0, 0, 0, 0)
        for day, values in steps:
            for i in range(4):
                deltas[day][i] += values[i] - before[i]
            before = values
    out, running = [], [0, 0, 0, 0]
    for day in sorted(deltas):
        running = [a + b for a, b in zip(running, deltas[day])]
        if not out or out[-1][1:] != running:
            out.append([day, *running])
    return out


def _at(steps, day):
    found = None
    for step in steps:
        if step[0] > day:
            break
        found = step[1:]
    return found


def _reviewed(departments, lines, since):
    """[[day, *REVIEWED]] of one employer: departments {id: declared}; lines
    {department: [(key, insured, registered, active)]} in the visit lines' order."""
    own, parts, first = {}, [], {}
    for department_id, declared in departments.items():
        steps = {S0: (declared, 0, 0)}
        for key, insured, registered, active in sorted(lines.get(department_id, ())):
            steps[key[0]] = (insured, registered, active)
            if key[0] >= since:
                first.setdefault(department_id, key[0])
        own[department_id] = sorted(steps.items())
    total = _steps_sum([[(d, (*v, 0)) for d, v in steps] for steps in own.values()])
    for department_id, steps in own.items():
        if department_id in first:
            parts.append([(S0, (0, 0, 0, 0))] + [(d, (1, *v)) for d, v in steps if d >= first[department_id]])
    seen = _steps_sum(parts)
    out = []
    for day in sorted({r[0] for r in seen} | {r[0] for r in total}):
        count, insured, registered, active = _at(seen, day)
        everyone = _at(total, day)
        full = 1 if count and everyone[0] > 0 and everyone[1] == everyone[0] else 0
        vector = [len(departments), count, insured, registered, active, 1 if count else 0, full]
        if not out or out[-1][1:] != vector:
            out.append([day, *vector])
    return out


def _day(value) -> date:
    # SQLite answers a raw query's dates as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _backfill(conn):
    campaigns = [(cid, _day(since).toordinal()) for cid, since in
                 conn.execute(sa.text("SELECT id, counts_from FROM campaign ORDER BY id"))]
    if not campaigns:
        conn.execute(timeline_t.update().values(reviewed={}))
        return
    ids = [row[0] for row in conn.execute(sa.text("SELECT employer_id FROM progress_employer ORDER BY employer_id"))]
    changes = defaultdict(lambda: [0] * len(REVIEWED))
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        bound = sa.bindparam("ids", expanding=True)
        district, departments = {}, defaultdict(dict)
        for employer_id, district_id, department_id, declared in conn.execute(sa.text(
                "SELECT e.id, e.district_id, d.id, d.insured_declared FROM employer e "
                "LEFT JOIN labour_department d ON d.employer_id = e.id WHERE e.id IN :ids").bindparams(bound),
                {"ids": batch}):
            district[employer_id] = district_id
            if department_id is not None:
                departments[employer_id][department_id] = declared
        lines = defaultdict(lambda: defaultdict(list))
        for employer_id, visit_id, day, submitted, department_id, insured, registered, active in conn.execute(sa.text(
                "SELECT v.employer_id, v.id, v.visit_date, COALESCE(v.resubmitted_at, v.submitted_at), "
                "l.labour_department_id, l.insured, l.registered, l.active FROM visit v "
                "JOIN visit_line l ON l.visit_id = v.id "
                "WHERE v.state IN ('submitted', 'verified') AND v.employer_id IN :ids").bindparams(bound),
                {"ids": batch}):
            lines[employer_id][department_id].append(((_day(day).toordinal(), str(submitted), visit_id), insured,
                                                      registered, active))
        for employer_id in batch:
            if employer_id not in district:
                continue
            state = {}
            for campaign_id, since in campaigns:
                steps = _reviewed(departments[employer_id], lines[employer_id], since)
                state[str(campaign_id)] = steps
                previous = [0] * len(REVIEWED)
                for day, *vector in steps:
                    when = date.fromordinal(day)
                    for key in ((district[employer_id], "day", when, campaign_id),
                                (district[employer_id], "month", when.replace(day=1), campaign_id)):
                        for i, value in enumerate(vector):
                            changes[key][i] += value - previous[i]
                    previous = vector
            conn.execute(timeline_t.update().where(timeline_t.c.employer_id == employer_id).values(reviewed=state))
    rows = [dict(zip(("district_id", "grain", "day", "campaign_id"), key)) | dict(zip(REVIEWED, vector))
            for key, vector in sorted(changes.items()) if any(vector)]
    if rows:
        conn.execute(reviewed_t.insert(), rows)
