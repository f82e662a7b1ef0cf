"""notifications: a visit verified or returned, a follow-up due tomorrow, a month's returns not filed

Revision ID: 0021_notifications
Revises: 0018_records
Create Date: 2026-12-05 10:50:00

`follow_up_notice` may now be about a visit or a district's month of returns
instead of a follow-up (exactly one subject); the daily commands' notices carry a
key unique per user, so a second run adds none. In batch mode, so SQLite copies
the table.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_notifications'
down_revision = '0018_records'
branch_labels = None
depends_on = None

EVENTS = ('assigned', 'approved', 'rejected', 'cancelled', 'unassigned', 'care_answered')
NEW_EVENTS = ('due_tomorrow', 'visit_returned', 'visit_verified', 'return_missing')
SUBJECT = (
    "(follow_up_id IS NOT NULL AND visit_id IS NULL AND district_id IS NULL)"
    " OR (follow_up_id IS NULL AND visit_id IS NOT NULL AND district_id IS NULL)"
    " OR (follow_up_id IS NULL AND visit_id IS NULL AND district_id IS NOT NULL AND month IS NOT NULL)"
)


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table('follow_up_notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('district_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('month', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('key', sa.String(length=80), nullable=True))
        batch_op.alter_column('follow_up_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_follow_up_notice_visit_id'), ['visit_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_follow_up_notice_user_key'), ['user_id', 'key'])
        batch_op.create_foreign_key(batch_op.f('fk_follow_up_notice_visit_id_visit'), 'visit', ['visit_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_follow_up_notice_district_id_org_unit'), 'org_unit',
                                    ['district_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_follow_up_notice_subject'), SUBJECT)
        batch_op.drop_constraint(op.f('ck_follow_up_notice_notice_event'), type_='check')
        batch_op.create_check_constraint(op.f('ck_follow_up_notice_notice_event'), _in('event', EVENTS + NEW_EVENTS))


def downgrade():
    # What the older schema cannot hold: notices about anything but a follow-up, and the daily reminders.
    op.execute(sa.text("DELETE FROM follow_up_notice WHERE follow_up_id IS NULL OR event = 'due_tomorrow'"))
    with op.batch_alter_table('follow_up_notice', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_follow_up_notice_notice_event'), type_='check')
        batch_op.create_check_constraint(op.f('ck_follow_up_notice_notice_event'), _in('event', EVENTS))
        batch_op.drop_constraint(op.f('ck_follow_up_notice_subject'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_follow_up_notice_district_id_org_unit'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_follow_up_notice_visit_id_visit'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_follow_up_notice_user_key'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_follow_up_notice_visit_id'))
        batch_op.alter_column('follow_up_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('key')
        batch_op.drop_column('note')
        batch_op.drop_column('month')
        batch_op.drop_column('district_id')
        batch_op.drop_column('visit_id')
