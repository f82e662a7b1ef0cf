"""a tablet's incremental sync reads its district's changes: the latest time of each employer's departments, kept on its timeline and read by (district, time)

Revision ID: 0023_sync_by_district
Revises: 0022_officers_work
Create Date: 2026-12-05 18:40:00

The sync found the departments changed by their time alone, then kept its
district's: on the national data an hour's changes in the country, 11,842
departments, read twice per sync. The employer's timeline, which every change
of a department goes through, now keeps its departments' latest time, read by
district and time; the departments' time is no longer read by index. Its own
time of computation (`updated_at`) was read by nothing and goes: a verification
recomputes an employer's timeline without changing anything a tablet holds.
"""
from contextlib import nullcontext

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_sync_by_district'
down_revision = '0022_officers_work'
branch_labels = None
depends_on = None


def _indexing():
    """(context, options): CONCURRENTLY outside the transaction on PostgreSQL (the tables are the country's)."""
    if op.get_bind().dialect.name == 'postgresql':
        return op.get_context().autocommit_block(), {'postgresql_concurrently': True}
    return nullcontext(), {}


# Not in batch mode: on SQLite it copies the table, and the copy loses its expression index
# (ix_progress_employer_district_coverage). SQLite adds and drops these columns in place.
def upgrade():
    op.add_column('progress_employer', sa.Column('departments_updated_at', sa.DateTime(), nullable=True))
    op.drop_column('progress_employer', 'updated_at')
    op.execute('UPDATE progress_employer SET departments_updated_at = ('
               'SELECT max(d.updated_at) FROM labour_department d WHERE d.employer_id = progress_employer.employer_id)')
    block, concurrently = _indexing()
    with block:
        op.create_index('ix_progress_employer_district_departments_updated_at', 'progress_employer',
                        ['district_id', 'departments_updated_at'], **concurrently)
        op.drop_index('ix_labour_department_updated_at', table_name='labour_department', **concurrently)


def downgrade():
    block, concurrently = _indexing()
    with block:
        op.create_index('ix_labour_department_updated_at', 'labour_department', ['updated_at'], **concurrently)
        op.drop_index('ix_progress_employer_district_departments_updated_at', table_name='progress_employer',
                      **concurrently)
    # SQLite adds a NOT NULL column only with a constant default.
    op.add_column('progress_employer', sa.Column('updated_at', sa.DateTime(), nullable=False,
                                                 server_default='1970-01-01 00:00:00'))
    op.execute('UPDATE progress_employer SET updated_at = CURRENT_TIMESTAMP')
    op.drop_column('progress_employer', 'departments_updated_at')
