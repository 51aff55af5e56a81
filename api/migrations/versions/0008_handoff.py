"""handoff: the Dutch line of a message (machine translation, ADR 0018), internal notes on a conversation,
how an escalation was closed and what the person was doing when it opened

Revision ID: 0008
Revises: 0011
Create Date: 2026-12-05 08:00:00
"""

from alembic import op
import sqlalchemy as sa
import api.db


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inburgeraar_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inburgeraar_id'], ['inburgeraar.id'], name=op.f('fk_conversation_note_inburgeraar_id_inburgeraar')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_conversation_note_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_note'))
    )
    with op.batch_alter_table('conversation_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_note_inburgeraar_id'), ['inburgeraar_id'], unique=False)

    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replied_at', api.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolution', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('interrupted_form', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('form_slots', sa.JSON(), nullable=True))

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dutch', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('translated_by', sa.String(length=32), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('translated_by')
        batch_op.drop_column('dutch')

    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.drop_column('form_slots')
        batch_op.drop_column('interrupted_form')
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('resolution')
        batch_op.drop_column('replied_at')

    with op.batch_alter_table('conversation_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_note_inburgeraar_id'))

    op.drop_table('conversation_note')
