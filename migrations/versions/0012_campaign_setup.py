"""campaign setup: a campaign's code, the decision it implements, and draft or active

Revision ID: 0012_campaign_setup
Revises: 0016_outreach
Create Date: 2026-12-05 07:40:00.000000

Campaigns set up before this were in force: they become "active". In batch
mode, so SQLite (which cannot add a constraint to a table) copies the table.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_campaign_setup'
down_revision = '0016_outreach'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('decision_number', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('decision_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column(
            'state', sa.Enum('draft', 'active', name='campaign_state', native_enum=False, create_constraint=True,
                             length=10), server_default='active', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_campaign_code'), ['code'])


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_campaign_code'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_campaign_campaign_state'), type_='check')
        batch_op.drop_column('state')
        batch_op.drop_column('decision_date')
        batch_op.drop_column('decision_number')
        batch_op.drop_column('code')
