"""progress report copies wanted again: a reader who finds a copy aged marks it, and the job worker computes it again

Revision ID: 0025_snapshot_wanted
Revises: 0024_visit_registrations
Create Date: 2026-12-05 21:10:00

The request that found a kept dashboard aged computed it again once its answer
was sent, keeping its web server from the next requests for as long (a
national report: a third of a second). It now marks the copy wanted, and the
job worker computes it again between jobs, at its lower CPU priority.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_snapshot_wanted'
down_revision = '0024_visit_registrations'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('progress_report_snapshot', sa.Column('wanted_at', sa.DateTime(), nullable=True))
    op.create_index('ix_progress_report_snapshot_wanted', 'progress_report_snapshot', ['wanted_at'], unique=False,
                    postgresql_where=sa.text('wanted_at IS NOT NULL'), sqlite_where=sa.text('wanted_at IS NOT NULL'))


def downgrade():
    op.drop_index('ix_progress_report_snapshot_wanted', table_name='progress_report_snapshot',
                  postgresql_where=sa.text('wanted_at IS NOT NULL'), sqlite_where=sa.text('wanted_at IS NOT NULL'))
    op.drop_column('progress_report_snapshot', 'wanted_at')
