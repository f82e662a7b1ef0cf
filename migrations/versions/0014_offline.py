"""offline: when each department last changed, for the tablets' incremental sync; follow-ups' keys

Revision ID: 0014_offline
Revises: 0013_hardening
Create Date: 2026-12-05 07:30:00

A tablet keeps its officer's district and asks only for what changed since its
last sync: the employers changed since (`employer.updated_at`, now indexed) and
those whose departments changed (`labour_department.updated_at`, new, set to each
department's creation time). A follow-up proposed on a tablet carries its form's
key (`follow_up.idempotency_key`, unique): the outbox may send it twice, it is
recorded once. On PostgreSQL the indexes are built CONCURRENTLY, outside the
migration's transaction.
"""
from contextlib import nullcontext

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_offline'
down_revision = '0013_hardening'
branch_labels = None
depends_on = None


def _indexing():
    """(context, options): CONCURRENTLY outside the transaction on PostgreSQL."""
    if op.get_bind().dialect.name == 'postgresql':
        return op.get_context().autocommit_block(), {'postgresql_concurrently': True}
    return nullcontext(), {}


def upgrade():
    op.add_column('labour_department', sa.Column('updated_at', sa.DateTime(), nullable=True))
    op.execute('UPDATE labour_department SET updated_at = created_at')
    with op.batch_alter_table('labour_department') as batch:
        batch.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False)
    with op.batch_alter_table('follow_up') as batch:
        batch.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_follow_up_idempotency_key', ['idempotency_key'])
    block, concurrently = _indexing()
    with block:
        op.create_index('ix_labour_department_updated_at', 'labour_department', ['updated_at'], **concurrently)
        op.create_index('ix_employer_updated_at', 'employer', ['updated_at'], **concurrently)


def downgrade():
    block, concurrently = _indexing()
    with block:
        op.drop_index('ix_employer_updated_at', table_name='employer', **concurrently)
        op.drop_index('ix_labour_department_updated_at', table_name='labour_department', **concurrently)
    with op.batch_alter_table('labour_department') as batch:
        batch.drop_column('updated_at')
    with op.batch_alter_table('follow_up') as batch:
        batch.drop_constraint('uq_follow_up_idempotency_key', type_='unique')
        batch.drop_column('idempotency_key')
