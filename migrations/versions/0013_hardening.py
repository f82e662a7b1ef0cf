"""hardening: the browser of each session (the sessions page), and the log reference of a failed job

Revision ID: 0013_hardening
Revises: 0011_large_districts
Create Date: 2026-12-05 08:00:00

A user's sessions page names each session's browser, from its User-Agent. A job
that failed on an exception keeps only a reference to the server's log, where
the details are, instead of the exception's text and place.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_hardening'
down_revision = '0011_large_districts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_session') as batch_op:
        batch_op.add_column(sa.Column('user_agent', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('job') as batch_op:
        batch_op.add_column(sa.Column('error_reference', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('job') as batch_op:
        batch_op.drop_column('error_reference')
    with op.batch_alter_table('user_session') as batch_op:
        batch_op.drop_column('user_agent')
