"""awards: eligibility overrides, revocation, criteria over campaign figures, frozen breakdowns, signers, verify throttle

Revision ID: 0015_awards
Revises: 0012_campaign_setup
Create Date: 2026-12-05 08:00:00

A nomination gets the justification of an override and the revocation of an
award (state "revoked", with its reason and decision); a criterion gets the
campaign figure it is set on (rule "figure_at_least"); a frozen figure gets
the visits behind it as they were at closing; a review period gets its
council meeting. New tables: who signs a unit's documents, and the wrong
verification codes by address. SQLite copies the tables whose CHECK or
unique constraints change (batch mode).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_awards'
down_revision = '0012_campaign_setup'
branch_labels = None
depends_on = None

OLD_STATES = ('proposed', 'endorsed', 'approved', 'rejected', 'withdrawn')
NEW_STATES = OLD_STATES + ('revoked',)
OLD_RULES = ('all_targets_met', 'coverage_at_least', 'registrations_assisted_at_least',
             'followups_on_time_at_least', 'no_returned_visit_uncorrected', 'outreach_verified_at_least')
NEW_RULES = OLD_RULES + ('figure_at_least',)
OLD_THRESHOLD = ("(rule IN ('coverage_at_least', 'followups_on_time_at_least', 'registrations_assisted_at_least', "
                 "'outreach_verified_at_least')) = (threshold IS NOT NULL)")
NEW_THRESHOLD = ("(rule IN ('coverage_at_least', 'followups_on_time_at_least', 'registrations_assisted_at_least', "
                 "'outreach_verified_at_least', 'figure_at_least')) = (threshold IS NOT NULL)")
REVOKED = ("state <> 'revoked' OR (revoked_at IS NOT NULL AND revoke_reason <> '' AND "
           "revoke_decision_number <> '' AND revoke_decision_date IS NOT NULL AND votes_for > votes_against)")
DECISION = ("state NOT IN ('approved', 'rejected') OR (votes_for IS NOT NULL AND votes_against IS NOT NULL AND "
            "votes_abstain IS NOT NULL AND decided_at IS NOT NULL)")


def _in(column, values):
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


def upgrade():
    op.create_table('unit_signer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('recipients', sa.String(length=1000), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_unit_signer_org_unit_id_org_unit')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_unit_signer_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_signer')),
    sa.UniqueConstraint('org_unit_id', name=op.f('uq_unit_signer_org_unit_id'))
    )
    op.create_table('verify_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verify_attempt'))
    )
    op.create_index('ix_verify_attempt_address_at', 'verify_attempt', ['client_address', 'created_at'])
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.add_column(sa.Column('justification', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('justified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('justified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revoke_reason', sa.String(length=1000), server_default='', nullable=False))
        batch_op.add_column(sa.Column('revoke_decision_number', sa.String(length=60), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('revoke_decision_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('revoked_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_nomination_justified_by_id_user'), 'user', ['justified_by_id'], ['id'])
        batch_op.create_foreign_key(op.f('fk_nomination_revoked_by_id_user'), 'user', ['revoked_by_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_nomination_nomination_state'), type_='check')
        batch_op.create_check_constraint(op.f('ck_nomination_nomination_state'), _in('state', NEW_STATES))
        batch_op.create_check_constraint(op.f('ck_nomination_revoked'), REVOKED)
    with op.batch_alter_table('review_criterion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('metric', sa.String(length=30), server_default='', nullable=False))
        batch_op.drop_constraint('uq_review_criterion_period_rule_applies', type_='unique')
        batch_op.create_unique_constraint('uq_review_criterion_period_rule_applies',
                                          ['period_id', 'rule', 'metric', 'applies_to'])
        batch_op.drop_constraint(op.f('ck_review_criterion_criterion_rule'), type_='check')
        batch_op.create_check_constraint(op.f('ck_review_criterion_criterion_rule'), _in('rule', NEW_RULES))
        batch_op.drop_constraint(op.f('ck_review_criterion_needs_threshold'), type_='check')
        batch_op.create_check_constraint(op.f('ck_review_criterion_needs_threshold'), NEW_THRESHOLD)
        batch_op.create_check_constraint(op.f('ck_review_criterion_metric'),
                                         "(rule = 'figure_at_least') = (metric <> '')")
    with op.batch_alter_table('review_figure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('breakdown', sa.JSON(), nullable=True))
    with op.batch_alter_table('review_period', schema=None) as batch_op:
        batch_op.add_column(sa.Column('council_held_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('council_place', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('council_chair', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('council_secretary', sa.String(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('council_attendees', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('review_period', schema=None) as batch_op:
        for column in ('council_attendees', 'council_secretary', 'council_chair', 'council_place',
                       'council_held_at'):
            batch_op.drop_column(column)
    with op.batch_alter_table('review_figure', schema=None) as batch_op:
        batch_op.drop_column('breakdown')
    op.execute(sa.text("DELETE FROM review_criterion WHERE rule = 'figure_at_least'"))
    with op.batch_alter_table('review_criterion', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_review_criterion_metric'), type_='check')
        batch_op.drop_constraint(op.f('ck_review_criterion_needs_threshold'), type_='check')
        batch_op.create_check_constraint(op.f('ck_review_criterion_needs_threshold'), OLD_THRESHOLD)
        batch_op.drop_constraint(op.f('ck_review_criterion_criterion_rule'), type_='check')
        batch_op.create_check_constraint(op.f('ck_review_criterion_criterion_rule'), _in('rule', OLD_RULES))
        batch_op.drop_constraint('uq_review_criterion_period_rule_applies', type_='unique')
        batch_op.create_unique_constraint('uq_review_criterion_period_rule_applies',
                                          ['period_id', 'rule', 'applies_to'])
        batch_op.drop_column('metric')
    # A revoked award goes back to approved: the schema before had no revocation.
    op.execute(sa.text("UPDATE nomination SET state = 'approved' WHERE state = 'revoked'"))
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_nomination_revoked'), type_='check')
        batch_op.drop_constraint(op.f('ck_nomination_nomination_state'), type_='check')
        batch_op.create_check_constraint(op.f('ck_nomination_nomination_state'), _in('state', OLD_STATES))
        batch_op.drop_constraint(op.f('fk_nomination_revoked_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_nomination_justified_by_id_user'), type_='foreignkey')
        for column in ('revoked_by_id', 'revoked_at', 'revoke_decision_date', 'revoke_decision_number',
                       'revoke_reason', 'justified_by_id', 'justified_at', 'justification'):
            batch_op.drop_column(column)
    op.drop_index('ix_verify_attempt_address_at', table_name='verify_attempt')
    op.drop_table('verify_attempt')
    op.drop_table('unit_signer')
