"""records: departments split, merged or retired from a date; the Customer Care Center's role, contacts and answers

Revision ID: 0018_records
Revises: 0014_offline
Create Date: 2026-12-05 08:00:00

In batch mode, so SQLite (which cannot alter a constraint) copies the tables.
The enum checks of `user.role` and `follow_up_notice.event` are rebuilt with
their new values.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_records'
down_revision = '0014_offline'
branch_labels = None
depends_on = None

ROLES = ('officer', 'supervisor', 'hr', 'admin', 'viewer')
EVENTS = ('assigned', 'approved', 'rejected', 'cancelled', 'unassigned')


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table('labour_department', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ended_how', sa.Enum('retired', 'split', 'merged', name='department_end', native_enum=False, create_constraint=True, length=10), nullable=True))
        batch_op.add_column(sa.Column('ended_reason', sa.String(length=500), server_default='', nullable=False))
        batch_op.create_check_constraint(op.f('ck_labour_department_life'), 'retired_on IS NULL OR starts_on IS NULL OR retired_on >= starts_on')
        batch_op.create_check_constraint(op.f('ck_labour_department_ended_how'), '(retired_on IS NULL) = (ended_how IS NULL)')
    with op.batch_alter_table('employer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=20), server_default='', nullable=False))
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.add_column(sa.Column('care_answer', sa.Enum('resolved', 'needs_officer', 'not_ours', name='care_answer', native_enum=False, create_constraint=True, length=20), nullable=True))
        batch_op.add_column(sa.Column('care_note', sa.String(length=2000), server_default='', nullable=False))
        batch_op.add_column(sa.Column('care_answered_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('care_answered_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_follow_up_care_answered_by_id_user'), 'user', ['care_answered_by_id'], ['id'])
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_role'), _in('role', ROLES + ('care',)))
    with op.batch_alter_table('follow_up_notice', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_follow_up_notice_notice_event'), type_='check')
        batch_op.create_check_constraint(op.f('ck_follow_up_notice_notice_event'), _in('event', EVENTS + ('care_answered',)))


def _drop_enum_check(batch_op, table, name):
    """The CHECK an Enum column brought: SQLite's copy of the table keeps it (and would
    refer to the dropped column); PostgreSQL may not have made one."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS {name}'))
    else:
        batch_op.drop_constraint(op.f(name), type_='check')


def downgrade():
    # What the older schema cannot hold: the Center's notices, and its staff become read-only viewers.
    op.execute(sa.text("DELETE FROM follow_up_notice WHERE event = 'care_answered'"))
    op.execute(sa.text("UPDATE \"user\" SET role = 'viewer' WHERE role = 'care'"))
    with op.batch_alter_table('follow_up_notice', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_follow_up_notice_notice_event'), type_='check')
        batch_op.create_check_constraint(op.f('ck_follow_up_notice_notice_event'), _in('event', EVENTS))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_role'), _in('role', ROLES))
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        _drop_enum_check(batch_op, 'follow_up', 'ck_follow_up_care_answer')
        batch_op.drop_constraint(op.f('fk_follow_up_care_answered_by_id_user'), type_='foreignkey')
        batch_op.drop_column('care_answered_by_id')
        batch_op.drop_column('care_answered_at')
        batch_op.drop_column('care_note')
        batch_op.drop_column('care_answer')
    with op.batch_alter_table('employer', schema=None) as batch_op:
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_name')
    with op.batch_alter_table('labour_department', schema=None) as batch_op:
        _drop_enum_check(batch_op, 'labour_department', 'ck_labour_department_department_end')
        batch_op.drop_constraint(op.f('ck_labour_department_ended_how'), type_='check')
        batch_op.drop_constraint(op.f('ck_labour_department_life'), type_='check')
        batch_op.drop_column('ended_reason')
        batch_op.drop_column('ended_how')
        batch_op.drop_column('retired_on')
        batch_op.drop_column('starts_on')
