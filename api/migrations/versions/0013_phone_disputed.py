"""phone disputed: whoever has a person's number wrote that it is not theirs

Numbers are recycled; until staff check, nothing about the person goes to the number.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 22:30:00
"""

from alembic import op
import sqlalchemy as sa

import api.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inburgeraar', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_disputed_at', api.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inburgeraar', schema=None) as batch_op:
        batch_op.drop_column('phone_disputed_at')
