"""visit registrations: each visit keeps Σ newly registered over its lines, read with an officer's visits from their index

Revision ID: 0024_visit_registrations
Revises: 0023_sync_by_district
Create Date: 2026-12-05 19:20:00

An officer's registrations assisted in a period were summed over the lines of
their visits: for the largest district's year, 58,000 visits and one index
probe into the lines for each (185 ms of PostgreSQL for each computation of its
report). Each visit now keeps the sum, written with its lines, and the
PostgreSQL index of an officer's visits by date carries it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_visit_registrations'
down_revision = '0023_sync_by_district'
branch_labels = None
depends_on = None


def _officer_date_index(include):
    op.drop_index('ix_visit_officer_date', table_name='visit')
    op.create_index('ix_visit_officer_date', 'visit', ['officer_id', 'visit_date'], unique=False,
                    postgresql_include=include)


# Not in batch mode: on SQLite it copies the table, and the copy loses its expression index
# (ix_visit_officer_returned_first). SQLite takes the check with the column it adds.
def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.add_column('visit', sa.Column('newly_registered', sa.Integer(), server_default='0', nullable=False))
        op.create_check_constraint(op.f('ck_visit_newly_registered'), 'visit', 'newly_registered >= 0')
        op.execute('UPDATE visit SET newly_registered = lines.total FROM '
                   '(SELECT visit_id, sum(newly_registered) AS total FROM visit_line GROUP BY visit_id) AS lines '
                   'WHERE visit.id = lines.visit_id AND lines.total <> 0')
        _officer_date_index(['state', 'employer_id', 'newly_registered'])
    else:
        op.execute("ALTER TABLE visit ADD COLUMN newly_registered INTEGER DEFAULT '0' NOT NULL "
                   "CONSTRAINT ck_visit_newly_registered CHECK (newly_registered >= 0)")
        op.execute('UPDATE visit SET newly_registered = coalesce('
                   '(SELECT sum(newly_registered) FROM visit_line WHERE visit_line.visit_id = visit.id), 0)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        _officer_date_index(['state', 'employer_id'])
        op.drop_constraint(op.f('ck_visit_newly_registered'), 'visit', type_='check')
    op.drop_column('visit', 'newly_registered')
