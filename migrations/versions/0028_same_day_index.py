"""the review queue's "same day" count reads one exact range: the visit's employer, date and officer indexed together

Revision ID: 0028_same_day_index
Revises: 0027_report_files
Create Date: 2026-12-06 00:10:00

Each card of the review queue counts the officer's other visits to the same
employer on the same date. With (employer, date) indexed and (officer, date)
too, the planner took either, and with an officer's day of many visits it
read all of that day's visits for each card. With the officer in the
employer's index the count is one exact range.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028_same_day_index'
down_revision = '0027_report_files'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_visit_employer_date_officer', 'visit', ['employer_id', 'visit_date', 'officer_id'],
                    unique=False)
    op.drop_index('ix_visit_employer_date', table_name='visit')


def downgrade():
    op.create_index('ix_visit_employer_date', 'visit', ['employer_id', 'visit_date'], unique=False)
    op.drop_index('ix_visit_employer_date_officer', table_name='visit')
