"""hardening: the browser of each session (the sessions page), the log reference of a failed job, a job's file

Revision ID: 0013_hardening
Revises: 0015_awards
Create Date: 2026-12-05 08:00:00

A user's sessions page names each session's browser, from its User-Agent. A job
that failed on an exception keeps only a reference to the server's log, where
the details are, instead of the exception's text and place. A large import sent
from the web is run by the job worker, from the file kept with its job.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_hardening'
down_revision = '0015_awards'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_session') as batch_op:
        batch_op.add_column(sa.Column('user_agent', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('job') as batch_op:
        batch_op.add_column(sa.Column('error_reference', sa.String(length=20), nullable=True))
    op.create_table(
        'job_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_job_file_job_id_job'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_file')),
        sa.UniqueConstraint('job_id', name=op.f('uq_job_file_job_id')),
    )


def downgrade():
    op.drop_table('job_file')
    with op.batch_alter_table('job') as batch_op:
        batch_op.drop_column('error_reference')
    with op.batch_alter_table('user_session') as batch_op:
        batch_op.drop_column('user_agent')
