"""broadcast previews: a broadcast is first a preview record (fingerprint), its recipients carry their text

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-08 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))

    with op.batch_alter_table('broadcast_recipient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=True))


def downgrade() -> None:
    # Unconfirmed previews were never broadcasts: they go, rather than turn into sendable ones. Planned
    # rows go too: the code before 0010 resolves a scheduled broadcast's audience when it sends it.
    op.execute("DELETE FROM broadcast_recipient WHERE status IN ('planned', 'cancelled') OR broadcast_id IN "
               "(SELECT id FROM broadcast WHERE status = 'previewed')")
    op.execute("DELETE FROM broadcast WHERE status = 'previewed'")
    with op.batch_alter_table('broadcast_recipient', schema=None) as batch_op:
        batch_op.drop_column('text')

    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')
