"""retention: the purge's runs, queued tracker deletions, when an obligation ended, cleared messages

Revision ID: 0004
Revises: 0001
Create Date: 2026-12-05 09:00:00
"""

from alembic import op
import sqlalchemy as sa
import api.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('purge_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('started_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purge_run')),
    sa.UniqueConstraint('day', name=op.f('uq_purge_run_day'))
    )
    op.create_table('tracker_erasure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=255), nullable=False),
    sa.Column('requested_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracker_erasure'))
    )
    with op.batch_alter_table('tracker_erasure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracker_erasure_next_attempt_at'), ['next_attempt_at'], unique=False)

    with op.batch_alter_table('inburgeraar', schema=None) as batch_op:
        batch_op.add_column(sa.Column('obligation_ended_on', sa.Date(), nullable=True))

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', api.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('purged_at')

    with op.batch_alter_table('inburgeraar', schema=None) as batch_op:
        batch_op.drop_column('obligation_ended_on')

    with op.batch_alter_table('tracker_erasure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracker_erasure_next_attempt_at'))

    op.drop_table('tracker_erasure')
    op.drop_table('purge_run')
