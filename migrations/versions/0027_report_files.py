"""files exported from a kept progress report, made once for every app server

Revision ID: 0027_report_files
Revises: 0026_care_queue_indexes
Create Date: 2026-12-06 00:00:00

A file exported from a kept report (a province's XLSX: ~45 ms to make) was made
once per copy in each app server; when the job worker computed a copy again,
every server made it again at once, and the requests behind them waited. The
file is now kept beside the copy, made by the first server that needs it, and
made again by the job worker with the next copy when a reader asked for it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_report_files'
down_revision = '0026_care_queue_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'progress_report_file',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('what', sa.String(length=200), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=4), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('asked_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('xlsx', 'csv', 'zip')", name=op.f('ck_progress_report_file_kind')),
        sa.ForeignKeyConstraint(['key'], ['progress_report_snapshot.key'], ondelete='CASCADE',
                                name=op.f('fk_progress_report_file_key_progress_report_snapshot')),
        sa.PrimaryKeyConstraint('key', 'what', name=op.f('pk_progress_report_file')),
    )


def downgrade():
    op.drop_table('progress_report_file')
