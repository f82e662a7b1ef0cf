"""returns using: group returns say how many of the participants registered at month end use the app

Revision ID: 0012_returns_using
Revises: 0012_funnel
Create Date: 2026-12-05 07:40:00

The returns filed before this change never said it: their `using` (and a
correction's before/after) is NULL, "unknown", never 0. In batch mode, so
SQLite (which cannot add a constraint to a table) copies the tables. The column
is quoted in the checks: USING is a reserved word.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_returns_using'
down_revision = '0012_funnel'
branch_labels = None
depends_on = None


def _using_check(prefix=''):
    return f'"{prefix}using" IS NULL OR ("{prefix}using" >= 0 AND "{prefix}using" <= {prefix}registered)'


def upgrade():
    with op.batch_alter_table('group_return', schema=None) as batch_op:
        batch_op.add_column(sa.Column('using', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_group_return_using'), _using_check())
    with op.batch_alter_table('return_correction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('before_using', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('after_using', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_return_correction_before_using'), _using_check('before_'))
        batch_op.create_check_constraint(op.f('ck_return_correction_after_using'), _using_check('after_'))


def downgrade():
    with op.batch_alter_table('return_correction', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_return_correction_after_using'), type_='check')
        batch_op.drop_constraint(op.f('ck_return_correction_before_using'), type_='check')
        batch_op.drop_column('after_using')
        batch_op.drop_column('before_using')
    with op.batch_alter_table('group_return', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_group_return_using'), type_='check')
        batch_op.drop_column('using')
