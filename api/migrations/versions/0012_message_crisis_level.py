"""message crisis level: the crisis net's verdict on an inbound message, made once

A message that waits for Rasa is routed again on every replay; the net's answer (the alarm or the gentle
line) must go out once, and the bot turn must know whether it did.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-05 17:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crisis_level', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('crisis_level')
