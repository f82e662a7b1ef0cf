"""funnel: targets for people using the app, and "at least" or "more than" a target

Revision ID: 0012_funnel
Revises: 0011_large_districts
Create Date: 2026-12-05 08:20:00

The target metrics gain "people using the app" (employer channel, and all
groups: the campaign's headline figure). A target says whether it is met at
its value ("at least") or only above it ("more than": the seed's "over 35
million"); existing targets are "at least", as they were read until now. In
batch mode, so SQLite (which cannot alter a constraint) copies the table.

The timeline gains the figures over the labour departments reviewed in each
campaign (`progress_reviewed`, and each employer's part of it). A database with
visits already fills them with `flask --app wsgi progress rebuild`.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_funnel'
down_revision = '0011_large_districts'
branch_labels = None
depends_on = None

OLD_METRICS = ('registered_employer', 'coverage_pct', 'employers_full', 'visits', 'registered_all',
               'new_voluntary_pct')
NEW_METRICS = OLD_METRICS + ('active_employer', 'active_all')


def _metric_check(values):
    return "metric IN ({})".format(", ".join(f"'{v}'" for v in values))


REVIEWED = ("departments", "departments_reviewed", "insured", "registered", "active", "employers", "employers_full")
BIG = ("insured", "registered", "active")


def upgrade():
    op.create_table(
        'progress_reviewed',
        sa.Column('district_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('grain', sa.String(length=5), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, sa.BigInteger() if name in BIG else sa.Integer(), nullable=False) for name in REVIEWED),
        sa.CheckConstraint("grain IN ('day', 'month')", name=op.f('ck_progress_reviewed_grain')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'],
                                name=op.f('fk_progress_reviewed_campaign_id_campaign')),
        sa.ForeignKeyConstraint(['district_id'], ['org_unit.id'],
                                name=op.f('fk_progress_reviewed_district_id_org_unit')),
        sa.PrimaryKeyConstraint('district_id', 'grain', 'day', 'campaign_id', name=op.f('pk_progress_reviewed')),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table('progress_reviewed', schema=None) as batch_op:
        batch_op.create_index('ix_progress_reviewed_campaign_grain_day', ['campaign_id', 'grain', 'day', 'district_id'],
                              unique=False, postgresql_include=list(REVIEWED))
    with op.batch_alter_table('progress_employer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed', sa.JSON(), nullable=True))
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comparison', sa.String(length=20), server_default='at_least', nullable=False))
        batch_op.create_check_constraint(op.f('ck_target_comparison'), "comparison IN ('at_least', 'more_than')")
        batch_op.drop_constraint(op.f('ck_target_metric'), type_='check')
        batch_op.create_check_constraint(op.f('ck_target_metric'), _metric_check(NEW_METRICS))


def downgrade():
    with op.batch_alter_table('progress_employer', schema=None) as batch_op:
        batch_op.drop_column('reviewed')
    op.drop_table('progress_reviewed')
    op.execute(sa.text("DELETE FROM target WHERE metric IN ('active_employer', 'active_all')"))
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_target_metric'), type_='check')
        batch_op.create_check_constraint(op.f('ck_target_metric'), _metric_check(OLD_METRICS))
        batch_op.drop_constraint(op.f('ck_target_comparison'), type_='check')
        batch_op.drop_column('comparison')
