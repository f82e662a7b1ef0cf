"""officer pages: an officer's visits read in the order their lists show them

Revision ID: 0010_officer_pages
Revises: 0009_report_snapshots
Create Date: 2026-11-27 00:10:00

"My visits" shows returned visits first, then the newest: an index in that
order gives the first page without sorting the officer's year of visits. The
statistics tell PostgreSQL that an officer's visits are all in one district
(officer → district); without them it multiplies the two filters' shares,
expects a handful of rows and sorts them all instead of reading eight.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_officer_pages'
down_revision = '0009_report_snapshots'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_visit_officer_returned_first', 'visit', [
        'officer_id', sa.text("(CASE WHEN (state = 'returned') THEN 0 ELSE 1 END)"),
        sa.text('submitted_at DESC'), sa.text('id DESC'),
    ], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE STATISTICS st_visit_officer_district (dependencies) ON officer_id, district_id FROM visit')
        op.execute('ANALYZE visit')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP STATISTICS st_visit_officer_district')
    op.drop_index('ix_visit_officer_returned_first', table_name='visit')
