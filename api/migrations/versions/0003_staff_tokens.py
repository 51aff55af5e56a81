"""staff API tokens carry when they were issued and when they expire

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-05 06:00:00

Tokens that exist at the upgrade count as issued then and get the default lifetime (90 days, the
STAFF_TOKEN_DAYS default, frozen here): nobody is locked out by the upgrade, and no token stays unbounded.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import api.db

revision = "0003"
down_revision = "0002_conversation_identity"
branch_labels = None
depends_on = None

LIFETIME_AT_UPGRADE = timedelta(days=90)


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("api_token_issued_at", api.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("api_token_expires_at", api.db.UTCDateTime(timezone=True), nullable=True))
    staff = sa.table(
        "staff",
        sa.column("api_token_hash", sa.String),
        sa.column("api_token_issued_at", api.db.UTCDateTime(timezone=True)),
        sa.column("api_token_expires_at", api.db.UTCDateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.execute(
        staff.update()
        .where(staff.c.api_token_hash.is_not(None))
        .values(api_token_issued_at=now, api_token_expires_at=now + LIFETIME_AT_UPGRADE)
    )


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("api_token_expires_at")
        batch.drop_column("api_token_issued_at")
