"""national scale: visits and follow-ups carry their district; indexes for national reads

Revision ID: 0007_national_scale
Revises: 0006_returns
Create Date: 2026-11-26 17:50:00

Visits are scoped by district (a supervisor's review queue, an officer's own
visits) and dashboards count open follow-ups by district and read the
timeline's rows of a range of days for every district: each was a read of
every employer of the area, or of whole tables, at national scale (500,000
employers). A district's page
adds up its officers' registrations assisted from their visits' lines: by
visit with newly_registered in the index, that no longer reads the table.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_national_scale'
down_revision = '0006_returns'
branch_labels = None
depends_on = None

TIMELINE = {
    'progress_stock': (['grain', 'day', 'district_id'],
                       ['insured', 'registered', 'active', 'registered_verified', 'employers', 'employers_full']),
    'progress_activity': (['grain', 'day', 'district_id'],
                          ['visits', 'visits_verified', 'registrations', 'registrations_verified']),
    'progress_obstacle': (['grain', 'day', 'district_id', 'category'], ['obstacles', 'people']),
}


CARRY_DISTRICT = {'visit': ['district_id', 'state', 'submitted_at'], 'follow_up': ['district_id', 'state', 'due_date']}
INDEX = {'visit': 'ix_visit_district_state_submitted', 'follow_up': 'ix_follow_up_district_state_due'}


def upgrade():
    for table, columns in CARRY_DISTRICT.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('district_id', sa.Integer(), nullable=True))
        op.execute(f'UPDATE {table} SET district_id = '
                   f'(SELECT employer.district_id FROM employer WHERE employer.id = {table}.employer_id)')
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('district_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_district_id_org_unit'), 'org_unit', ['district_id'],
                                        ['id'])
            batch_op.create_index(INDEX[table], columns, unique=False)
    for table, (columns, include) in TIMELINE.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f'ix_{table}_grain_day', columns, unique=False, postgresql_include=include)
    with op.batch_alter_table('visit_line', schema=None) as batch_op:
        batch_op.create_index('ix_visit_line_visit_newly', ['visit_id', 'newly_registered'], unique=False)
        batch_op.drop_index('ix_visit_line_visit_id')


def downgrade():
    with op.batch_alter_table('visit_line', schema=None) as batch_op:
        batch_op.create_index('ix_visit_line_visit_id', ['visit_id'], unique=False)
        batch_op.drop_index('ix_visit_line_visit_newly')
    for table in reversed(list(TIMELINE)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_grain_day')
    for table in reversed(list(CARRY_DISTRICT)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(INDEX[table])
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_district_id_org_unit'), type_='foreignkey')
            batch_op.drop_column('district_id')
