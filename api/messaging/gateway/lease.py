"""The conversation lease: one process at a time handles a conversation's messages, in order.

A lease on the conversation's row (`processing_until`, `processing_owner`) rather than a database lock,
so no transaction stays open while Rasa thinks. A process that dies leaves a lease that simply runs out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, update
from sqlalchemy.orm import Session

from api.db import Database, utcnow
from api.messaging.models import Conversation
from api.settings import Settings


def length_for(settings: Settings) -> timedelta:
    """Long enough for one turn's calls to Rasa to time out: 3 x RASA_TIMEOUT + 10 s, at least 30 s."""
    return timedelta(seconds=max(30.0, settings.rasa_timeout_seconds * 3 + 10))


def free(now: datetime) -> ColumnElement[bool]:
    """SQL condition: nobody holds the conversation (never leased, or the lease ran out)."""
    return or_(Conversation.processing_until.is_(None), Conversation.processing_until < now)


def acquire(database: Database, conversation_id: int, owner: str, length: timedelta) -> bool:
    """Take the lease in a transaction of its own; False when another process holds it."""
    now = utcnow()
    with database.session() as db:
        result = db.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, free(now))
            .values(processing_until=now + length, processing_owner=owner)
            .execution_options(synchronize_session=False)
        )
        db.commit()
        return bool(result.rowcount)


def release(database: Database, conversation_id: int, owner: str) -> None:
    """Give the lease back (only if it is still ours: it may have run out and been taken)."""
    with database.session() as db:
        db.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.processing_owner == owner)
            .values(processing_until=None, processing_owner=None)
            .execution_options(synchronize_session=False)
        )
        db.commit()


def extend(db: Session, conversation_id: int, owner: str, length: timedelta) -> None:
    """Renew the lease for one more message, in the caller's transaction."""
    db.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.processing_owner == owner)
        .values(processing_until=utcnow() + length)
        .execution_options(synchronize_session=False)
    )
