"""klantinteracties export: contacts and tasks queued for the register, the person's Partij (ADR 0016)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 08:07:15
"""

from alembic import op
import sqlalchemy as sa
import api.db


revision = '0006'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('klantinteracties_partij',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inburgeraar_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('address_number', sa.Integer(), nullable=False),
    sa.Column('phone_digest', sa.String(length=64), nullable=False),
    sa.Column('partij_uuid', sa.String(length=36), nullable=True),
    sa.Column('digitaal_adres_uuid', sa.String(length=36), nullable=True),
    sa.Column('created_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inburgeraar_id'], ['inburgeraar.id'], name=op.f('fk_klantinteracties_partij_inburgeraar_id_inburgeraar')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_klantinteracties_partij')),
    sa.UniqueConstraint('inburgeraar_id', name=op.f('uq_klantinteracties_partij_inburgeraar_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_klantinteracties_partij_reference'))
    )
    op.create_table('klantinteracties_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('inburgeraar_id', sa.Integer(), nullable=False),
    sa.Column('attendance_id', sa.Integer(), nullable=True),
    sa.Column('escalation_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('cause_id', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('occurred_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('klantcontact_uuid', sa.String(length=36), nullable=True),
    sa.Column('betrokkene_uuid', sa.String(length=36), nullable=True),
    sa.Column('internetaak_uuid', sa.String(length=36), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', api.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error_code', sa.String(length=16), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', api.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['attendance_id'], ['attendance.id'], name=op.f('fk_klantinteracties_export_attendance_id_attendance'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cause_id'], ['klantinteracties_export.id'], name=op.f('fk_klantinteracties_export_cause_id_klantinteracties_export'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalation.id'], name=op.f('fk_klantinteracties_export_escalation_id_escalation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inburgeraar_id'], ['inburgeraar.id'], name=op.f('fk_klantinteracties_export_inburgeraar_id_inburgeraar')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_klantinteracties_export_task_id_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_klantinteracties_export')),
    sa.UniqueConstraint('reference', name=op.f('uq_klantinteracties_export_reference'))
    )
    with op.batch_alter_table('klantinteracties_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_klantinteracties_export_attendance_id'), ['attendance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_klantinteracties_export_cause_id'), ['cause_id'], unique=False)
        batch_op.create_index('ix_klantinteracties_export_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_klantinteracties_export_escalation_id'), ['escalation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_klantinteracties_export_inburgeraar_id'), ['inburgeraar_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_klantinteracties_export_task_id'), ['task_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('klantinteracties_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_klantinteracties_export_task_id'))
        batch_op.drop_index(batch_op.f('ix_klantinteracties_export_inburgeraar_id'))
        batch_op.drop_index(batch_op.f('ix_klantinteracties_export_escalation_id'))
        batch_op.drop_index('ix_klantinteracties_export_due')
        batch_op.drop_index(batch_op.f('ix_klantinteracties_export_cause_id'))
        batch_op.drop_index(batch_op.f('ix_klantinteracties_export_attendance_id'))

    op.drop_table('klantinteracties_export')
    op.drop_table('klantinteracties_partij')
