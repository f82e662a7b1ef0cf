"""return targets: the target metrics "people registered, all groups" and "new voluntary participants registered (%)"

Revision ID: 0008_return_targets
Revises: 0007_national_scale
Create Date: 2026-11-26 18:50:00.000000

Only the target table's CHECK constraints change: the metric's list of values,
and the metrics given in percent (at most 100). In batch mode, so SQLite
(which cannot alter a constraint) copies the table.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_return_targets'
down_revision = '0007_national_scale'
branch_labels = None
depends_on = None

OLD_METRICS = ('registered_employer', 'coverage_pct', 'employers_full', 'visits')
NEW_METRICS = OLD_METRICS + ('registered_all', 'new_voluntary_pct')
OLD_PERCENT = "metric NOT IN ('coverage_pct') OR value <= 100"
NEW_PERCENT = "metric NOT IN ('coverage_pct', 'new_voluntary_pct') OR value <= 100"


def _metric_check(values):
    return "metric IN ({})".format(", ".join(f"'{v}'" for v in values))


def _change(metrics, percent):
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_target_metric'), type_='check')
        batch_op.drop_constraint(op.f('ck_target_percent'), type_='check')
        batch_op.create_check_constraint(op.f('ck_target_metric'), _metric_check(metrics))
        batch_op.create_check_constraint(op.f('ck_target_percent'), percent)


def upgrade():
    _change(NEW_METRICS, NEW_PERCENT)


def downgrade():
    op.execute(sa.text("DELETE FROM target WHERE metric IN ('registered_all', 'new_voluntary_pct')"))
    _change(OLD_METRICS, OLD_PERCENT)
