"""officers' work: the days on which each employer reaches 100%, kept beside its step function; an officer's visits by date read from their index

Revision ID: 0022_officers_work
Revises: 0021_notifications
Create Date: 2026-12-05 17:40:00

Who brought employers to 100% over a period was found by reading the step
function of every employer the officers visited (a large district: 16,500 of
them, a third of a second of CPU for each computation of its report); the days
are now kept on write and read by index. Filled here from the stored step
functions, with the rule of fieldops/definitions.py (`is_full`: someone insured,
all of them registered) written out: a migration does not follow later code.

On PostgreSQL the index of an officer's visits by date carries their state and
employer, so counting them and finding those days read the index alone.
"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_officers_work'
down_revision = '0021_notifications'
branch_labels = None
depends_on = None

BATCH = 5_000


def _full_days(steps):
    days, was_full = [], False
    for day, insured, registered, *_rest in steps or []:
        full = insured > 0 and registered == insured
        if full and not was_full:
            days.append(day)
        was_full = full
    return days


def _officer_date_index(include):
    op.drop_index('ix_visit_officer_date', table_name='visit')
    op.create_index('ix_visit_officer_date', 'visit', ['officer_id', 'visit_date'], unique=False,
                    postgresql_include=include)


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        _officer_date_index(['state', 'employer_id'])
    full_day = op.create_table(
        'progress_employer_full_day',
        sa.Column('employer_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['employer_id'], ['employer.id'],
                                name=op.f('fk_progress_employer_full_day_employer_id_employer')),
        sa.PrimaryKeyConstraint('employer_id', 'day', name=op.f('pk_progress_employer_full_day')),
        sqlite_with_rowid=False,
    )
    timeline = sa.table('progress_employer', sa.column('employer_id', sa.Integer), sa.column('steps', sa.JSON))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(sa.select(timeline.c.employer_id, timeline.c.steps)
                                  .where(timeline.c.employer_id > last)
                                  .order_by(timeline.c.employer_id).limit(BATCH)).all()
        if not rows:
            break
        found = [{'employer_id': employer_id, 'day': date.fromordinal(day)}
                 for employer_id, steps in rows for day in _full_days(steps)]
        if found:
            connection.execute(full_day.insert(), found)
        last = rows[-1][0]


def downgrade():
    op.drop_table('progress_employer_full_day')
    if op.get_bind().dialect.name == 'postgresql':
        _officer_date_index([])
