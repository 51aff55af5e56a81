"""hardening: failed logins counted per account and per client address (api/throttling.py)

Revision ID: 0005
Revises: 0001
Create Date: 2026-12-05 06:00:00
"""

from alembic import op
import sqlalchemy as sa
import api.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auth_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('failed_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_failure'))
    )
    with op.batch_alter_table('auth_failure', schema=None) as batch_op:
        batch_op.create_index('ix_auth_failure_key_at', ['key', 'failed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_failure_failed_at'), ['failed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('auth_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_failure_failed_at'))
        batch_op.drop_index('ix_auth_failure_key_at')
    op.drop_table('auth_failure')
