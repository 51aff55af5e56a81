"""team inbox: staff teams, read marks per staff member and conversation, staff e-mail notifications

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-05 08:00:00

Existing staff get the empty team: a municipality without teams is one team (ADR 0019).
"""

from alembic import op
import sqlalchemy as sa
import api.db


revision = '0009'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox_read_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('last_read_message_id', sa.Integer(), nullable=False),
    sa.Column('read_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_inbox_read_mark_conversation_id_conversation')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_inbox_read_mark_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_read_mark')),
    sa.UniqueConstraint('staff_id', 'conversation_id', name=op.f('uq_inbox_read_mark_staff_id'))
    )
    with op.batch_alter_table('inbox_read_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_read_mark_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('staff_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handed_over_at', api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalation.id'], name=op.f('fk_staff_notification_escalation_id_escalation')),
    sa.ForeignKeyConstraint(['recipient_id'], ['staff.id'], name=op.f('fk_staff_notification_recipient_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notification')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_staff_notification_dedupe_key'))
    )
    with op.batch_alter_table('staff_notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_notification_escalation_id'), ['escalation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_notification_status'), ['status'], unique=False)

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team', sa.String(length=64), server_default='', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('team')

    with op.batch_alter_table('staff_notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_notification_status'))
        batch_op.drop_index(batch_op.f('ix_staff_notification_escalation_id'))

    op.drop_table('staff_notification')
    with op.batch_alter_table('inbox_read_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_read_mark_conversation_id'))

    op.drop_table('inbox_read_mark')
