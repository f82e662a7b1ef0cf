"""large districts: employer search, the review queue's count and "furthest from 100%" from their indexes

Revision ID: 0011_large_districts
Revises: 0010_officer_pages
Create Date: 2026-11-27 03:30:00

In the largest district (18,000 employers, 6,000 visits waiting for review) a
name search read 10,000 table pages to filter and count its matches, and the
review queue's count ("not your own visits") read 4,800: over a second each
when those pages were not in memory. The employer index is now in name order
with the searched text beside it, and the visit index carries the officer, so
both are answered from the index. An officer's "furthest from 100%" sorted the
district's 14,000 employers below 100% for eight of them: an index in that
order (coverage, then most unregistered) gives the eight. The visit that
completed a follow-up gets the index its foreign key lacked.

On PostgreSQL the indexes are built CONCURRENTLY, outside the migration's
transaction: the national tables (500,000 employers, 1.7 million visits) take
seconds to index and keep taking visits meanwhile.
"""
from contextlib import nullcontext

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_large_districts'
down_revision = '0010_officer_pages'
branch_labels = None
depends_on = None


def _indexing():
    """(context, options): CONCURRENTLY outside the transaction on PostgreSQL."""
    if op.get_bind().dialect.name == 'postgresql':
        return op.get_context().autocommit_block(), {'postgresql_concurrently': True}
    return nullcontext(), {}


def upgrade():
    block, concurrently = _indexing()
    with block:
        op.create_index('ix_employer_district_name', 'employer', ['district_id', 'name', 'id'],
                        postgresql_include=['search_text'], **concurrently)
        op.drop_index('ix_employer_district_id', table_name='employer', **concurrently)
        op.create_index('ix_visit_district_state_submitted_officer', 'visit',
                        ['district_id', 'state', 'submitted_at'], postgresql_include=['officer_id'], **concurrently)
        op.drop_index('ix_visit_district_state_submitted', table_name='visit', **concurrently)
        op.create_index('ix_follow_up_done_visit', 'follow_up', ['done_visit_id'], **concurrently)
        below_full = sa.text('insured > 0 AND unregistered > 0')
        op.create_index('ix_progress_employer_district_coverage', 'progress_employer', [
            'district_id', sa.text('(CAST(registered AS FLOAT) / CAST(insured AS FLOAT))'),
            sa.text('unregistered DESC'), 'employer_id',
        ], postgresql_include=['insured', 'registered'], postgresql_where=below_full, sqlite_where=below_full,
            **concurrently)


def downgrade():
    block, concurrently = _indexing()
    with block:
        op.drop_index('ix_progress_employer_district_coverage', table_name='progress_employer', **concurrently)
        op.drop_index('ix_follow_up_done_visit', table_name='follow_up', **concurrently)
        op.create_index('ix_visit_district_state_submitted', 'visit', ['district_id', 'state', 'submitted_at'],
                        **concurrently)
        op.drop_index('ix_visit_district_state_submitted_officer', table_name='visit', **concurrently)
        op.create_index('ix_employer_district_id', 'employer', ['district_id'], **concurrently)
        op.drop_index('ix_employer_district_name', table_name='employer', **concurrently)
