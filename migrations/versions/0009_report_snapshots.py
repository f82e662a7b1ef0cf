"""report snapshots: a unit's progress report kept for a short while; the officer's worklist read from one index

Revision ID: 0009_report_snapshots
Revises: 0008_return_targets
Create Date: 2026-11-26 20:40:00

A national dashboard adds up every district of the country and renders 63
provinces' rows (0.4 s): `progress_report_snapshot` keeps each unit's report,
with its figures rendered, for PROGRESS_REPORT_SECONDS, shared by every app
server. The officer's "furthest from 100%" list and a district's worklist
read a district's employer totals in order of unregistered workers: the index
on (district, unregistered) now carries the totals too, so PostgreSQL answers
from the index alone.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_report_snapshots'
down_revision = '0008_return_targets'
branch_labels = None
depends_on = None


def _worklist_index(include):
    with op.batch_alter_table('progress_employer', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_employer_district_unregistered')
        batch_op.create_index('ix_progress_employer_district_unregistered', ['district_id', 'unregistered'],
                              unique=False, postgresql_include=include)


def upgrade():
    op.create_table('progress_report_snapshot',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('downloads', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_progress_report_snapshot'))
    )
    with op.batch_alter_table('progress_report_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_report_snapshot_computed_at'), ['computed_at'], unique=False)
    _worklist_index(['employer_id', 'insured', 'registered'])


def downgrade():
    _worklist_index([])
    with op.batch_alter_table('progress_report_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_report_snapshot_computed_at'))
    op.drop_table('progress_report_snapshot')
