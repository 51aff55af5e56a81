"""staff sign in through the municipality's OpenID Connect provider (ADR 0015)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-05 08:00:00

Staff accounts are linked to the provider by its issuer and the subject it gives the person (unique
together; both empty until the first single sign-on). A single sign-on session keeps the provider's ID
token for its logout. Sign-ins sent to the provider and not yet back live in oidc_login, minutes at most.
"""

from alembic import op
import sqlalchemy as sa
import api.db


revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oidc_login',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('browser_hash', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('code_verifier', sa.String(length=128), nullable=False),
    sa.Column('next_path', sa.String(length=500), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('expires_at', api.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_login')),
    sa.UniqueConstraint('browser_hash', name=op.f('uq_oidc_login_browser_hash'))
    )
    with op.batch_alter_table('oidc_login', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_login_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_oidc_issuer'), ['oidc_issuer', 'oidc_subject'])

    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_token', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.drop_column('id_token')

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_oidc_issuer'), type_='unique')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')

    with op.batch_alter_table('oidc_login', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_login_expires_at'))

    op.drop_table('oidc_login')
