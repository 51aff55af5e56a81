"""conversation identity: a conversation belongs to a person and a number

Revision ID: 0002_conversation_identity
Revises: 0001
Create Date: 2026-12-05 09:00:00

Adds the random sender id Rasa and the bot endpoints know a conversation by, and closing (`closed_at`,
`closed_reason`). The unique number and unique person give way to partial unique indexes: one OPEN
conversation per number and per person, any number of closed ones in the history.

Existing rows are put right the way the new rules would have left them:

1. every conversation gets its own random sender id;
2. a conversation adopted by a person (linked to someone registered after it started: under the old rules
   only the number matching could do that) is split: what was said before the person was registered goes
   back to an unlinked, closed conversation, the rest to a new conversation of the person;
3. a person's conversation on a number they no longer have is closed (`number_changed`);
4. an unknown number's conversation on a number that now belongs to a person is closed
   (`number_reassigned`).

Rasa's trackers stay under the old "inb-<person id>" ids; the bot starts a fresh tracker per conversation
(`api.messaging.rasa.sender_ids_of` still lists the old id, so the retention purge finds it).

Downgrade drops the new columns and restores the unique number and person, which fails while any number
or person has more than one conversation; the split of step 2 is not undone.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import api.db

revision = "0002_conversation_identity"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN = sa.text("closed_at IS NULL")

conversation = sa.table(
    "conversation",
    sa.column("id", sa.Integer),
    sa.column("inburgeraar_id", sa.Integer),
    sa.column("phone", sa.String),
    sa.column("sender_id", sa.String),
    sa.column("closed_at", api.db.UTCDateTime(timezone=True)),
    sa.column("closed_reason", sa.String),
    sa.column("last_channel", sa.String),
    sa.column("language", sa.String),
    sa.column("last_inbound_at", api.db.UTCDateTime(timezone=True)),
    sa.column("last_whatsapp_inbound_at", api.db.UTCDateTime(timezone=True)),
    sa.column("created_at", api.db.UTCDateTime(timezone=True)),
)
inburgeraar = sa.table(
    "inburgeraar",
    sa.column("id", sa.Integer),
    sa.column("phone", sa.String),
    sa.column("created_at", api.db.UTCDateTime(timezone=True)),
)
message = sa.table(
    "message",
    sa.column("id", sa.Integer),
    sa.column("conversation_id", sa.Integer),
    sa.column("created_at", api.db.UTCDateTime(timezone=True)),
)
escalation = sa.table(
    "escalation",
    sa.column("conversation_id", sa.Integer),
    sa.column("inburgeraar_id", sa.Integer),
)


def new_sender_id() -> str:
    # A copy of api.messaging.models.new_sender_id: a migration must not change when the models do.
    return "c_" + secrets.token_urlsafe(18)


def upgrade() -> None:
    with op.batch_alter_table("conversation") as batch:
        batch.add_column(sa.Column("sender_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("closed_at", api.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_reason", sa.String(length=32), nullable=True))
        batch.drop_constraint("uq_conversation_phone", type_="unique")
        batch.drop_constraint("uq_conversation_inburgeraar_id", type_="unique")
    db = op.get_bind()
    now = datetime.now(UTC)
    _give_sender_ids(db)
    _split_adopted(db, now)
    _close_where_the_number_moved_on(db, now)
    with op.batch_alter_table("conversation") as batch:
        batch.alter_column("sender_id", existing_type=sa.String(length=40), nullable=False)
        batch.create_unique_constraint("uq_conversation_sender_id", ["sender_id"])
        batch.create_index("ix_conversation_inburgeraar_id", ["inburgeraar_id"], unique=False)
    for name, column in (
        ("uq_conversation_open_phone", "phone"),
        ("uq_conversation_open_inburgeraar_id", "inburgeraar_id"),
    ):
        op.create_index(
            name, "conversation", [column], unique=True, sqlite_where=OPEN, postgresql_where=OPEN
        )


def _give_sender_ids(db: sa.Connection) -> None:
    for (conversation_id,) in db.execute(sa.select(conversation.c.id)).all():
        db.execute(
            conversation.update()
            .where(conversation.c.id == conversation_id)
            .values(sender_id=new_sender_id())
        )


def _split_adopted(db: sa.Connection, now: datetime) -> None:
    """A conversation older than its person was adopted by number: give back what came before them."""
    adopted = db.execute(
        sa.select(conversation, inburgeraar.c.created_at.label("registered_at"))
        .join(inburgeraar, inburgeraar.c.id == conversation.c.inburgeraar_id)
        .where(conversation.c.created_at < inburgeraar.c.created_at)
    ).all()
    for row in adopted:
        new_id = db.execute(
            conversation.insert()
            .values(
                inburgeraar_id=row.inburgeraar_id,
                phone=row.phone,
                sender_id=new_sender_id(),
                last_channel=row.last_channel,
                language=row.language,
                last_inbound_at=row.last_inbound_at,
                last_whatsapp_inbound_at=row.last_whatsapp_inbound_at,
                created_at=row.registered_at,
            )
            .returning(conversation.c.id)
        ).scalar_one()
        db.execute(
            message.update()
            .where(message.c.conversation_id == row.id, message.c.created_at >= row.registered_at)
            .values(conversation_id=new_id)
        )
        db.execute(
            escalation.update()
            .where(
                escalation.c.conversation_id == row.id,
                escalation.c.inburgeraar_id == row.inburgeraar_id,
            )
            .values(conversation_id=new_id)
        )
        db.execute(
            conversation.update()
            .where(conversation.c.id == row.id)
            .values(inburgeraar_id=None, closed_at=now, closed_reason="number_reassigned")
        )


def _close_where_the_number_moved_on(db: sa.Connection, now: datetime) -> None:
    holder_phone = (
        sa.select(inburgeraar.c.phone)
        .where(inburgeraar.c.id == conversation.c.inburgeraar_id)
        .scalar_subquery()
    )
    db.execute(
        conversation.update()
        .where(
            conversation.c.closed_at.is_(None),
            conversation.c.inburgeraar_id.is_not(None),
            conversation.c.phone != holder_phone,
        )
        .values(closed_at=now, closed_reason="number_changed")
    )
    db.execute(
        conversation.update()
        .where(
            conversation.c.closed_at.is_(None),
            conversation.c.inburgeraar_id.is_(None),
            conversation.c.phone.in_(sa.select(inburgeraar.c.phone)),
        )
        .values(closed_at=now, closed_reason="number_reassigned")
    )


def downgrade() -> None:
    op.drop_index("uq_conversation_open_inburgeraar_id", table_name="conversation")
    op.drop_index("uq_conversation_open_phone", table_name="conversation")
    with op.batch_alter_table("conversation") as batch:
        batch.drop_index("ix_conversation_inburgeraar_id")
        batch.drop_constraint("uq_conversation_sender_id", type_="unique")
        batch.create_unique_constraint("uq_conversation_inburgeraar_id", ["inburgeraar_id"])
        batch.create_unique_constraint("uq_conversation_phone", ["phone"])
        batch.drop_column("closed_reason")
        batch.drop_column("closed_at")
        batch.drop_column("sender_id")
