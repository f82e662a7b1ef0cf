"""an officer's follow-ups due read one exact range: assignee, district, state and due date indexed together

Revision ID: 0029_assignee_due_index
Revises: 0028_same_day_index
Create Date: 2026-12-06 02:20:00

The officer's home lists their follow-ups due within a week, scoped by their
district. With (assignee, state) and (district, state, due date) indexed apart,
the planner took the assignee and the district as independent, expected two
rows, and intersected the assignee's entries with all of the district's
follow-ups due. One index over the four reads only the officer's own.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0029_assignee_due_index'
down_revision = '0028_same_day_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_follow_up_assignee_district_state_due', 'follow_up',
                    ['assignee_id', 'district_id', 'state', 'due_date'], unique=False)
    op.drop_index('ix_follow_up_assignee_state', table_name='follow_up')


def downgrade():
    op.create_index('ix_follow_up_assignee_state', 'follow_up', ['assignee_id', 'state'], unique=False)
    op.drop_index('ix_follow_up_assignee_district_state_due', table_name='follow_up')
